import * as ConsolePresenter from "@codex-auth/adapters/ConsolePresenter"
import * as CustomHandler from "@codex-auth/adapters/CustomHandler"
import * as EventStreamPresenter from "@codex-auth/adapters/EventStreamPresenter"
import * as PastePrompt from "@codex-auth/adapters/PastePrompt"
import * as SilentPresenter from "@codex-auth/adapters/SilentPresenter"
import { CustomLoginHandler } from "@codex-auth/core/CustomLoginHandler"
import { LoginEvent, LoginPresenter } from "@codex-auth/core/LoginPresenter"
import * as Terminal from "@effect/platform/Terminal"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

const fakeTerminal = (isTTY = true) =>
  Effect.gen(function*() {
    const input = yield* Queue.unbounded<Option.Option<string>>()
    const output = yield* Ref.make("")
    const terminal: Terminal.Terminal = {
      columns: Effect.succeed(80),
      rows: Effect.succeed(24),
      isTTY: Effect.succeed(isTTY),
      readInput: Effect.die("not used"),
      readLine: Effect.flatMap(Queue.take(input), (line) =>
        Option.match(line, {
          onNone: () => Effect.fail(new Terminal.QuitException()),
          onSome: Effect.succeed
        })),
      display: (text) => Ref.update(output, (all) => all + text)
    }
    return {
      layer: Layer.succeed(Terminal.Terminal, terminal),
      type: (line: string) => Queue.offer(input, Option.some(line)),
      close: Queue.offer(input, Option.none()),
      output: Ref.get(output)
    }
  })

const request = {
  authorizeUrl: "https://issuer/oauth/authorize?x=1",
  redirectUri: "http://127.0.0.1:1455/auth/callback"
}
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("ConsolePresenter", () => {
  it.scoped("device code: the code first with its expiry, then the URL, the phishing warning and a live countdown", () =>
    Effect.gen(function*() {
      const term = yield* fakeTerminal()
      const presenter = yield* Effect.provide(ConsolePresenter.make(), term.layer)
      yield* presenter.present(LoginEvent.DeviceCodeIssued({
        verificationUrl: "https://auth.openai.com/codex/device",
        userCode: "ABCD-EFGH",
        expiresAt: 15 * 60 * 1000,
        intervalMillis: 5000
      }))
      yield* settle
      const first = yield* term.output
      assert.isTrue(first.startsWith("! First copy your one-time code: ABCD-EFGH (expires in 15 minutes)"))
      assert.isTrue(first.indexOf("ABCD-EFGH") < first.indexOf("https://auth.openai.com/codex/device"))
      assert.include(first, "Only enter this code for a login you started yourself")
      assert.include(first, "15:00 left")
      yield* TestClock.adjust("61 seconds")
      yield* settle
      assert.include(yield* term.output, "13:59 left")
      yield* presenter.present(
        LoginEvent.FallbackStarted({ from: "browser", to: "device", reason: "the browser could not be opened" })
      )
      const after = yield* term.output
      yield* TestClock.adjust("5 seconds")
      yield* settle
      assert.strictEqual(yield* term.output, after, "the spinner stops at the next event")
      assert.include(after, "→ The browser could not be opened: signing in with a device code instead.\n")
    }))

  it.scoped("no spinner when the terminal is not a TTY", () =>
    Effect.gen(function*() {
      const term = yield* fakeTerminal(false)
      const presenter = yield* Effect.provide(ConsolePresenter.make(), term.layer)
      yield* presenter.present(
        LoginEvent.DeviceCodeIssued({ verificationUrl: "u", userCode: "C", expiresAt: 60_000, intervalMillis: 0 })
      )
      yield* TestClock.adjust("3 seconds")
      yield* settle
      assert.notInclude(yield* term.output, "left")
    }))

  it.scoped("Press Enter opens the browser; a pasted line goes to the paste prompt; closed input cancels it", () =>
    Effect.gen(function*() {
      const term = yield* fakeTerminal()
      const presenter = yield* Effect.provide(ConsolePresenter.make(), term.layer)
      const prompt = Option.getOrThrow(presenter.promptCallbackUrl)
      const confirm = yield* Effect.fork(presenter.confirmBrowserOpen)
      const answer = yield* Effect.fork(prompt(request))
      yield* term.type("  http://127.0.0.1:1455/auth/callback?code=c&state=s  ")
      yield* settle
      assert.isTrue(Option.isNone(yield* Fiber.poll(confirm)))
      assert.strictEqual(yield* Fiber.join(answer), "http://127.0.0.1:1455/auth/callback?code=c&state=s")
      yield* term.type("")
      yield* Fiber.join(confirm)
      assert.include(yield* term.output, "Press Enter to open the browser")
      yield* term.close
      const cancelled = yield* Effect.flip(prompt(request))
      assert.strictEqual(cancelled._tag, "LoginCancelled")
    }))

  it.scoped("success, failure and fallback lines", () =>
    Effect.gen(function*() {
      const term = yield* fakeTerminal()
      const presenter = yield* Effect.provide(
        ConsolePresenter.make({ pressEnterToOpen: false, paste: false }),
        term.layer
      )
      assert.isTrue(Option.isNone(presenter.promptCallbackUrl))
      yield* presenter.confirmBrowserOpen
      yield* presenter.present(LoginEvent.BrowserLoginStarted({ ...request, browserCanOpen: false }))
      yield* presenter.present(
        LoginEvent.LoginSucceeded({ method: "browser", email: "ada@example.com", accountId: "a", plan: "pro" })
      )
      yield* presenter.present(LoginEvent.LoginFailed({ message: "Sign-in failed: denied" }))
      const output = yield* term.output
      assert.include(output, `Open this address in a browser to sign in with ChatGPT:\n  ${request.authorizeUrl}`)
      assert.include(output, "✓ Logged in as ada@example.com (pro)")
      assert.include(output, "✗ Sign-in failed: denied")
    }))
})

describe("ConsolePresenter: the paste flow's URL (issue 20)", () => {
  it.scoped("--flow paste: the URL once, on its own line, then the prompt; a retry does not repeat it", () =>
    Effect.gen(function*() {
      const term = yield* fakeTerminal()
      const presenter = yield* Effect.provide(ConsolePresenter.make({ pressEnterToOpen: false }), term.layer)
      const prompt = Option.getOrThrow(presenter.promptCallbackUrl)
      yield* presenter.present(LoginEvent.PasteRequested(request))
      const first = yield* Effect.fork(prompt(request))
      yield* settle
      yield* term.type("wrong")
      assert.strictEqual(yield* Fiber.join(first), "wrong")
      yield* presenter.present(LoginEvent.PasteRejected({ reason: "not this login's address" }))
      yield* presenter.present(LoginEvent.PasteRequested(request))
      const output = yield* term.output
      assert.strictEqual(output.split(request.authorizeUrl).length - 1, 1, output)
      assert.include(output, `\n  ${request.authorizeUrl}\n`)
      assert.isBelow(output.indexOf(request.authorizeUrl), output.indexOf("Then paste the address"))
    }))

  it.scoped("browser flow: the URL from BrowserLoginStarted is not printed again; the prompt says Or", () =>
    Effect.gen(function*() {
      const term = yield* fakeTerminal()
      const presenter = yield* Effect.provide(ConsolePresenter.make({ pressEnterToOpen: false }), term.layer)
      const prompt = Option.getOrThrow(presenter.promptCallbackUrl)
      yield* presenter.present(LoginEvent.BrowserLoginStarted({ ...request, browserCanOpen: true }))
      yield* presenter.present(LoginEvent.PasteRequested(request))
      const answer = yield* Effect.fork(prompt(request))
      yield* settle
      yield* term.type("x")
      yield* Fiber.join(answer)
      const output = yield* term.output
      assert.strictEqual(output.split(request.authorizeUrl).length - 1, 1, output)
      assert.include(output, "Or paste the address")
      assert.notInclude(output, "Then paste")
    }))
})

describe("EventStreamPresenter", () => {
  it.scoped("publishes typed events on a Stream; late subscribers get the replay", () =>
    Effect.gen(function*() {
      const { events, presenter } = yield* EventStreamPresenter.make({ replay: 2 })
      const early = yield* Effect.fork(Stream.runCollect(Stream.take(events.events, 3)))
      yield* settle
      yield* presenter.present(LoginEvent.BrowserOpened())
      yield* presenter.present(LoginEvent.CallbackReceived({ method: "browser" }))
      yield* presenter.present(LoginEvent.LoginFailed({ message: "x" }))
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(early)).map((event) => event._tag)
      assert.deepStrictEqual(seen, ["BrowserOpened", "CallbackReceived", "LoginFailed"])
      const late = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(events.events, 2)))
      assert.deepStrictEqual(late.map((event) => event._tag), ["CallbackReceived", "LoginFailed"])
    }))

  it.scoped("the layer provides the presenter and the stream together", () =>
    Effect.gen(function*() {
      const tags = yield* Effect.gen(function*() {
        const presenter = yield* LoginPresenter
        const events = yield* EventStreamPresenter.LoginEvents
        yield* presenter.present(LoginEvent.BrowserOpened())
        return Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(events.events, 1))).map((event) => event._tag)
      }).pipe(Effect.provide(EventStreamPresenter.layer()))
      assert.deepStrictEqual(tags, ["BrowserOpened"])
    }))
})

describe("SilentPresenter, PastePrompt, CustomHandler", () => {
  it.scoped("silent asks nothing; PastePrompt adds a terminal prompt to it", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(SilentPresenter.make.promptCallbackUrl))
      const term = yield* fakeTerminal()
      const answer = yield* Effect.gen(function*() {
        const presenter = yield* LoginPresenter
        const fiber = yield* Effect.fork(Option.getOrThrow(presenter.promptCallbackUrl)(request))
        yield* term.type("")
        yield* term.type("http://127.0.0.1:1455/auth/callback?code=1")
        return yield* Fiber.join(fiber)
      }).pipe(Effect.provide(PastePrompt.layer.pipe(Layer.provide(Layer.merge(SilentPresenter.layer, term.layer)))))
      assert.strictEqual(answer, "http://127.0.0.1:1455/auth/callback?code=1")
      assert.include(yield* term.output, "Paste the full address")
    }))

  it.effect("custom handler: Promise and Effect answers; a throwing handler is a LoginCancelled without its text", () =>
    Effect.gen(function*() {
      const handle = (layer: Layer.Layer<CustomLoginHandler>) =>
        Effect.flatMap(CustomLoginHandler, (handler) => handler.handle(request)).pipe(Effect.provide(layer))
      assert.strictEqual(
        yield* handle(CustomHandler.layerPromise(async (r) => `${r.redirectUri}?code=p`)),
        `${request.redirectUri}?code=p`
      )
      assert.strictEqual(
        yield* handle(CustomHandler.layerEffect((r) => Effect.succeed(`${r.redirectUri}?code=e`))),
        `${request.redirectUri}?code=e`
      )
      const error = yield* Effect.flip(
        handle(CustomHandler.layerPromise(() => Promise.reject(new Error("secret-token-123"))))
      )
      assert.strictEqual(error._tag, "LoginCancelled")
      assert.notInclude(error.message, "secret-token-123")
    }))
})
