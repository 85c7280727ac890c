/**
 * A console presenter in the style of `gh auth login`: the device code first with its expiry, then the URL
 * and the phishing warning; "Press Enter to open the browser" where a browser can open; a live spinner with
 * a countdown while the device code waits; the fallback announced in one line; and the paste prompt.
 * Runs over the platform `Terminal` (Node: `NodeTerminal.layer`).
 *
 * @since 0.1.0
 */
import { LoginCancelled } from "@codex-auth/core/LoginError"
import type { LoginEvent } from "@codex-auth/core/LoginPresenter"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import { Terminal } from "@effect/platform/Terminal"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import { clearLine, pastePrompt, render, waitingLine } from "./internal/console.ts"
import * as Lines from "./internal/lines.ts"

/**
 * @since 0.1.0
 */
export interface Options {
  /** Ask "Press Enter to open the browser" before opening it. Default true. */
  readonly pressEnterToOpen?: boolean | undefined
  /** Offer the paste prompt (racing the loopback). Default true. */
  readonly paste?: boolean | undefined
  /** Animate a countdown while the device code waits (only on a TTY). Default true. */
  readonly spinner?: boolean | undefined
  /**
   * Print the failure line when a login fails. Default true; a caller that reports the failure itself (the CLI,
   * which adds the exit code and advice) turns it off so the user reads it once.
   */
  readonly announceFailure?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<LoginPresenter.LoginPresenter.Service, never, Terminal | Scope.Scope> =>
  Effect.gen(function*() {
    const terminal = yield* Terminal
    const scope = yield* Effect.scope
    const lines = yield* Lines.make(terminal)
    const tty = yield* terminal.isTTY
    const spinner = yield* Ref.make<Option.Option<Fiber.RuntimeFiber<void>>>(Option.none())
    // Authorize URLs already on screen, and the ones a loopback is racing the prompt for (the browser flow).
    const shown = yield* Ref.make<ReadonlySet<string>>(new Set())
    const racing = yield* Ref.make<ReadonlySet<string>>(new Set())
    const show = (text: string) => Effect.ignore(terminal.display(text))

    const stopSpinner = Effect.flatMap(Ref.getAndSet(spinner, Option.none()), (running) =>
      Option.match(running, {
        onNone: () => Effect.void,
        onSome: (fiber) => Effect.zipRight(Fiber.interrupt(fiber), show(clearLine))
      }))

    const startSpinner = (expiresAt: number) =>
      Effect.gen(function*() {
        let frame = 0
        for (;;) {
          const now = yield* Clock.currentTimeMillis
          yield* show(waitingLine(frame++, expiresAt - now))
          yield* Effect.sleep("1 second")
        }
      })

    const present = (event: LoginEvent) =>
      Effect.gen(function*() {
        yield* stopSpinner
        const now = yield* Clock.currentTimeMillis
        if (event._tag === "BrowserLoginStarted") {
          yield* Ref.update(racing, (urls) => new Set(urls).add(event.authorizeUrl))
        }
        const repeated = (event._tag === "BrowserLoginStarted" || event._tag === "PasteRequested") &&
          (yield* Ref.modify(shown, (urls) => [urls.has(event.authorizeUrl), new Set(urls).add(event.authorizeUrl)]))
        const text = repeated || (event._tag === "LoginFailed" && options.announceFailure === false)
          ? undefined
          : render(event, now)
        if (text !== undefined) yield* show(text)
        if (event._tag === "DeviceCodeIssued" && (options.spinner ?? true) && tty) {
          const fiber = yield* Effect.forkIn(startSpinner(event.expiresAt), scope)
          yield* Ref.set(spinner, Option.some(fiber))
        }
      })

    const prompt = (request: LoginPresenter.PasteRequest) =>
      Ref.get(racing).pipe(
        Effect.flatMap((urls) => show(pastePrompt(urls.has(request.authorizeUrl)))),
        Effect.zipRight(lines.nextAnswer),
        Effect.flatMap(Option.match({
          onNone: () =>
            Effect.fail(new LoginCancelled({ reason: "the input was closed before an address was pasted" })),
          onSome: Effect.succeed
        }))
      )

    return LoginPresenter.make({
      present,
      confirmBrowserOpen: options.pressEnterToOpen === false
        ? Effect.void
        : Effect.zipRight(show("Press Enter to open the browser…\n"), lines.awaitEnter),
      promptCallbackUrl: options.paste === false ? undefined : prompt
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<LoginPresenter.LoginPresenter, never, Terminal> =>
  Layer.scoped(LoginPresenter.LoginPresenter, make(options))
