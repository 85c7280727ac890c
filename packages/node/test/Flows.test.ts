import * as BrowserFlow from "@codex-auth/core/BrowserFlow"
import * as BrowserOpener from "@codex-auth/core/BrowserOpener"
import * as CustomLoginHandler from "@codex-auth/core/CustomLoginHandler"
import * as DeviceFlow from "@codex-auth/core/DeviceFlow"
import * as Login from "@codex-auth/core/Login"
import type { LoginCancelled } from "@codex-auth/core/LoginError"
import type * as LoginFlow from "@codex-auth/core/LoginFlow"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import type { LoginEvent, PasteRequest } from "@codex-auth/core/LoginPresenter"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as PasteFlow from "@codex-auth/core/PasteFlow"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as RuntimeFacts from "@codex-auth/core/RuntimeFacts"
import * as TwoStepLogin from "@codex-auth/core/TwoStepLogin"
import * as Emulator from "@codex-auth/emulator/Emulator"
import type * as NodeEmulator from "@codex-auth/emulator/node"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeLoopbackListener from "@codex-auth/node/NodeLoopbackListener"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import * as Net from "node:net"

const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const address = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(address.port)))
  })
})

const isFree = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const server = Net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resume(Effect.succeed(true))))
  })

const tick = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))

/** Walks the TestClock forward while real sockets make progress, until the fiber ends. */
const advanceUntilDone = <A, E>(fiber: Fiber.Fiber<A, E>, step: Duration.DurationInput, maxSteps = 2000) =>
  Effect.gen(function*() {
    for (let i = 0; i < maxSteps; i++) {
      if ((yield* Fiber.poll(fiber))._tag === "Some") return
      yield* tick
      yield* TestClock.adjust(step)
    }
  })

/** A browser that follows every redirect (the emulator auto-approves). */
const followRedirects = (url: string) =>
  Effect.promise(() => fetch(url).then((response) => response.text())).pipe(Effect.asVoid)

/** Asks the (auto-approving) emulator for the redirect back, without delivering it: what a user would paste. */
const redirectTarget = (url: string) =>
  Effect.promise(() => fetch(url, { redirect: "manual" }).then((response) => response.headers.get("location") ?? ""))

interface Setup {
  readonly emulator?: NodeEmulator.ServeOptions
  readonly opener?: (url: string) => Effect.Effect<void, BrowserOpener.BrowserOpenFailed>
  readonly prompt?: (request: PasteRequest) => Effect.Effect<string, LoginCancelled>
  readonly deviceCodeLifetime?: Duration.DurationInput
}

const setup = (options: Setup = {}) =>
  Effect.gen(function*() {
    const ports = [yield* freePort, yield* freePort] as const
    const emulator = yield* startEmulator({ redirectPorts: ports, deviceInterval: "0", ...options.emulator })
    const profile = ProviderProfile.make({
      issuer: emulator.url,
      loopbackPorts: ports,
      deviceCodeLifetime: Duration.decode(options.deviceCodeLifetime ?? "15 minutes")
    })
    const events = yield* Ref.make<ReadonlyArray<LoginEvent>>([])
    const opened = yield* Ref.make<ReadonlyArray<string>>([])
    const presenter = LoginPresenter.make({
      present: (event) => Ref.update(events, (all) => [...all, event]),
      promptCallbackUrl: options.prompt
    })
    const profileLayer = ProviderProfile.layer(profile)
    const layer = Layer.mergeAll(
      OAuthClient.layer.pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, profileLayer))),
      profileLayer,
      Layer.succeed(LoginPresenter.LoginPresenter, presenter),
      NodeLoopbackListener.layer,
      BrowserOpener.layerCallback((url) =>
        Effect.zipRight(Ref.update(opened, (all) => [...all, url]), (options.opener ?? followRedirects)(url))
      )
    )
    const tags = Effect.map(Ref.get(events), (all) => all.map((event) => event._tag))
    const waitForEvent = <T extends LoginEvent["_tag"]>(tag: T) =>
      Effect.gen(function*() {
        for (;;) {
          const found = (yield* Ref.get(events)).find((event) => event._tag === tag)
          if (found !== undefined) return found as Extract<LoginEvent, { _tag: T }>
          yield* tick
        }
      })
    return { emulator, profile, ports, events, opened, layer, tags, waitForEvent }
  })

/** No token, code or key text may appear in what the user sees or in error messages. */
const assertNoSecrets = (result: LoginFlow.LoginResult, texts: ReadonlyArray<string>) => {
  const secrets = [
    Redacted.value(result.tokens.accessToken),
    Redacted.value(result.tokens.refreshToken),
    Redacted.value(result.tokens.idToken)
  ]
  for (const text of texts) for (const secret of secrets) assert.notInclude(text, secret)
}

describe("browser flow against the emulator", () => {
  it.scoped("loopback receives the code, tokens match the emulator's user, API key exchanged, port released", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const result = yield* Effect.provide(BrowserFlow.run(), env.layer)
      assert.strictEqual(result.method, "browser")
      assert.deepStrictEqual(result.tokens.accountId, Option.some(Emulator.defaultUser.accountId))
      assert.deepStrictEqual(result.tokens.idTokenInfo.email, Option.some(Emulator.defaultUser.email))
      assert.isTrue(Option.isSome(result.apiKey))
      const [url] = yield* Ref.get(env.opened)
      const params = new URL(url!).searchParams
      assert.strictEqual(params.get("redirect_uri"), `http://127.0.0.1:${env.ports[0]}/auth/callback`)
      const tags = yield* env.tags
      assert.strictEqual(tags[0], "BrowserLoginStarted")
      assert.isTrue(tags.indexOf("CallbackReceived") > 0)
      assert.isTrue(yield* isFree(env.ports[0]))
      assertNoSecrets(result, (yield* Ref.get(env.events)).map((event) => JSON.stringify(event)))
    }))

  it.scoped("the first port held by a stranger → the second, and the redirect URI says so", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const stranger = Net.createServer((socket) =>
        socket.once("data", () => socket.end("HTTP/1.1 404 Not Found\r\n\r\n"))
      )
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          stranger.listen({ host: "127.0.0.1", port: env.ports[0] }, () => resume(Effect.void))
        }),
        () =>
          Effect.async<void>((resume) => {
            stranger.close(() => resume(Effect.void))
          })
      )
      const fiber = yield* Effect.fork(Effect.provide(BrowserFlow.run(), env.layer))
      yield* advanceUntilDone(fiber, "50 millis")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.method, "browser")
      const [url] = yield* Ref.get(env.opened)
      assert.strictEqual(
        new URL(url!).searchParams.get("redirect_uri"),
        `http://127.0.0.1:${env.ports[1]}/auth/callback`
      )
    }))

  it.scoped("workspace mismatch → WorkspaceRestricted, nothing returned; several ids are one comma-joined parameter", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const error = yield* Effect.flip(
        Effect.provide(BrowserFlow.run({ allowedWorkspaceIds: ["ws-a", "ws-b"] }), env.layer)
      )
      assert.strictEqual(error._tag, "WorkspaceRestricted")
      assert.include(error.message, "Login is restricted to workspace id(s) ws-a, ws-b")
      const [url] = yield* Ref.get(env.opened)
      assert.include(url!, "allowed_workspace_id=ws-a%2Cws-b")
      assert.isTrue(url!.endsWith("allowed_workspace_id=ws-a%2Cws-b"))
    }))

  it.scoped("a user without the Codex entitlement → AuthorizationFailed with the entitlement message", () =>
    Effect.gen(function*() {
      const env = yield* setup({
        emulator: { autoApprove: true, users: [Emulator.user({ email: "no@example.com", codexEntitlement: false })] }
      })
      const error = yield* Effect.flip(Effect.provide(BrowserFlow.run(), env.layer))
      assert.isTrue(error._tag === "AuthorizationFailed" && error.missingEntitlement)
      assert.include(error.message, "workspace admin")
    }))

  it.scoped("overall timeout → LoginTimedOut and the port is free again", () =>
    Effect.gen(function*() {
      const env = yield* setup({ opener: () => Effect.void })
      const fiber = yield* Effect.fork(Effect.provide(BrowserFlow.run({ timeout: "2 minutes" }), env.layer))
      yield* env.waitForEvent("BrowserLoginStarted")
      assert.isFalse(yield* isFree(env.ports[0]))
      yield* TestClock.adjust("2 minutes")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "LoginTimedOut")
      assert.isTrue(yield* isFree(env.ports[0]))
    }))

  it.scoped("the paste prompt races the loopback: a pasted redirect wins and the loopback is closed", () =>
    Effect.gen(function*() {
      const env = yield* setup({
        emulator: { autoApprove: true },
        opener: () => Effect.void,
        prompt: (request) => redirectTarget(request.authorizeUrl)
      })
      const result = yield* Effect.provide(BrowserFlow.run({ paste: true }), env.layer)
      assert.strictEqual(result.method, "paste")
      assert.deepStrictEqual(result.tokens.accountId, Option.some(Emulator.defaultUser.accountId))
      assert.isTrue(yield* isFree(env.ports[0]))
    }))
})

describe("paste, custom handler and two-step logins", () => {
  it.scoped("paste: a URL with a foreign state is rejected and asked again, then the right one succeeds", () =>
    Effect.gen(function*() {
      const answers = yield* Ref.make(0)
      const env = yield* setup({
        emulator: { autoApprove: true },
        prompt: (request) =>
          Effect.flatMap(Ref.getAndUpdate(answers, (n) => n + 1), (n) =>
            n === 0
              ? Effect.succeed(`${request.redirectUri}?code=forged&state=not-this-login`)
              : redirectTarget(request.authorizeUrl))
      })
      const result = yield* Effect.provide(PasteFlow.run(), env.layer)
      assert.strictEqual(result.method, "paste")
      assert.strictEqual(yield* Ref.get(answers), 2)
      const rejected = (yield* Ref.get(env.events)).find((event) => event._tag === "PasteRejected")
      assert.include(rejected?._tag === "PasteRejected" ? rejected.reason : "", "state")
    }))

  it.scoped("custom handler (Promise) under CI facts: the embedder returns the callback URL", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const seen = yield* Ref.make("")
      const handler = CustomLoginHandler.layer(async ({ authorizeUrl }) => {
        Effect.runSync(Ref.set(seen, authorizeUrl))
        const response = await fetch(authorizeUrl, { redirect: "manual" })
        return response.headers.get("location") ?? ""
      })
      const result = yield* Login.login({ method: "custom" }).pipe(
        Effect.provide(Layer.mergeAll(env.layer, handler, RuntimeFacts.layer({ ...RuntimeFacts.desktop, ci: true })))
      )
      assert.strictEqual(result.method, "custom")
      assert.include(yield* Ref.get(seen), "code_challenge_method=S256")
      assert.deepStrictEqual(yield* Ref.get(env.opened), [])
    }))

  it.scoped("custom handler (Effect) returning an error= redirect → AuthorizationFailed", () =>
    Effect.gen(function*() {
      const env = yield* setup()
      const handler = CustomLoginHandler.layer((request) =>
        Effect.succeed(
          `${request.redirectUri}?error=access_denied&error_description=nope&state=${
            new URL(request.authorizeUrl).searchParams.get("state")
          }`
        )
      )
      const error = yield* Effect.flip(Effect.provide(CustomLoginHandler.run(), Layer.merge(env.layer, handler)))
      assert.strictEqual(error._tag, "AuthorizationFailed")
      assert.include(error.message, "nope")
    }))

  it.scoped("two-step: begin → awaitLogin over the loopback; begin without loopback → finishLogin", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const viaLoopback = yield* Effect.provide(
        Effect.scoped(Effect.gen(function*() {
          const pending = yield* TwoStepLogin.beginLogin()
          assert.notInclude(JSON.stringify(pending), Redacted.value(pending.codeVerifier))
          yield* Effect.fork(followRedirects(pending.authorizeUrl))
          return yield* TwoStepLogin.awaitLogin(pending)
        })),
        env.layer
      )
      assert.deepStrictEqual(viaLoopback.tokens.accountId, Option.some(Emulator.defaultUser.accountId))
      assert.isTrue(yield* isFree(env.ports[0]))
      const viaFinish = yield* Effect.provide(
        Effect.gen(function*() {
          const pending = yield* TwoStepLogin.beginLogin({ loopback: false })
          const callback = yield* redirectTarget(pending.authorizeUrl)
          for (
            const wrong of [
              callback.replace("http:", "https:"),
              callback.replace("127.0.0.1", "evil.example"),
              callback.replace(`:${env.ports[0]}`, `:${env.ports[1]}`),
              callback.replace("/auth/callback", "/auth/other"),
              "not a url"
            ]
          ) {
            const error = yield* Effect.flip(TwoStepLogin.finishLogin(pending, wrong))
            assert.strictEqual(error._tag, "InvalidCallbackUrl")
          }
          return yield* TwoStepLogin.finishLogin(pending, callback)
        }),
        env.layer
      )
      assert.deepStrictEqual(viaFinish.tokens.accountId, Option.some(Emulator.defaultUser.accountId))
    }))
})

describe("device code flow against the emulator", () => {
  it.scoped("shows URL and code, polls at the interval (TestClock) until approved; no API key", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { deviceInterval: "5" } })
      const fiber = yield* Effect.fork(Effect.provide(DeviceFlow.run(), env.layer))
      const issued = yield* env.waitForEvent("DeviceCodeIssued")
      assert.strictEqual(issued.verificationUrl, `${env.emulator.url}/codex/device`)
      assert.strictEqual(issued.intervalMillis, 5000)
      yield* TestClock.adjust("10 seconds")
      yield* env.emulator.admin.approveDeviceCode(issued.userCode)
      yield* advanceUntilDone(fiber, "1 second")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.method, "device")
      assert.isTrue(Option.isNone(result.apiKey))
      assert.deepStrictEqual(result.tokens.accountId, Option.some(Emulator.defaultUser.accountId))
    }))

  it.scoped("nobody approves → DeviceCodeExpired after the lifetime", () =>
    Effect.gen(function*() {
      const env = yield* setup({
        emulator: { deviceInterval: "5", deviceCodeLifetime: "1 minute" },
        deviceCodeLifetime: "1 minute"
      })
      const fiber = yield* Effect.fork(Effect.provide(DeviceFlow.run(), env.layer))
      yield* env.waitForEvent("DeviceCodeIssued")
      yield* advanceUntilDone(fiber, "5 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "DeviceCodeExpired")
    }))

  it.scoped("device code login not enabled (404) → a message that says how to enable it", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { deviceCodeEnabled: false } })
      const error = yield* Effect.flip(Effect.provide(DeviceFlow.run(), env.layer))
      assert.strictEqual(error._tag, "DeviceCodeNotEnabled")
      assert.include(error.message, "Enable device code authorization")
    }))

  it.scoped("workspace mismatch → WorkspaceRestricted", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const error = yield* Effect.flip(Effect.provide(DeviceFlow.run({ allowedWorkspaceIds: ["ws-x"] }), env.layer))
      assert.strictEqual(error._tag, "WorkspaceRestricted")
    }))
})

describe("planned logins", () => {
  const wsl = { ...RuntimeFacts.desktop, wsl: true, display: false }

  it.scoped("CI → LoginRequired; nothing is opened, no port bound", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const error = yield* Effect.flip(
        Login.login().pipe(
          Effect.provide(Layer.merge(env.layer, RuntimeFacts.layer({ ...RuntimeFacts.desktop, ci: true })))
        )
      )
      assert.strictEqual(error._tag, "LoginRequired")
      assert.deepStrictEqual(yield* Ref.get(env.opened), [])
      assert.deepStrictEqual(yield* env.tags, [])
    }))

  it.scoped("WSL + an opener that fails → the device code joins, completes, and the loopback is closed", () =>
    Effect.gen(function*() {
      const env = yield* setup({
        emulator: { autoApprove: true },
        opener: () => Effect.fail(new BrowserOpener.BrowserOpenFailed({ command: "wslview", reason: "ENOENT" }))
      })
      const result = yield* Login.login().pipe(Effect.provide(Layer.merge(env.layer, RuntimeFacts.layer(wsl))))
      assert.strictEqual(result.method, "device")
      const tags = yield* env.tags
      assert.includeMembers(tags, ["BrowserLoginStarted", "BrowserOpenFailed", "FallbackStarted", "DeviceCodeIssued"])
      assert.strictEqual(tags.at(-1), "LoginSucceeded")
      const fallback = (yield* Ref.get(env.events)).find((event) => event._tag === "FallbackStarted")
      assert.include(fallback?._tag === "FallbackStarted" ? fallback.reason : "", "browser could not be opened")
      assert.isTrue(yield* isFree(env.ports[0]))
    }))

  it.scoped("WSL + a callback that never comes → after the grace period the device code completes", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true }, opener: () => Effect.void })
      const fiber = yield* Effect.fork(
        Login.login({ grace: "45 seconds" }).pipe(Effect.provide(Layer.merge(env.layer, RuntimeFacts.layer(wsl))))
      )
      yield* env.waitForEvent("BrowserOpened")
      yield* TestClock.adjust("44 seconds")
      assert.notInclude(yield* env.tags, "FallbackStarted")
      assert.isFalse(yield* isFree(env.ports[0]))
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.method, "device")
      assert.isTrue(yield* isFree(env.ports[0]))
    }))

  it.scoped("desktop → browser; LoginSucceeded carries the account", () =>
    Effect.gen(function*() {
      const env = yield* setup({ emulator: { autoApprove: true } })
      const result = yield* Login.login().pipe(
        Effect.provide(
          Layer.merge(
            env.layer,
            RuntimeFacts.layer({ ...RuntimeFacts.desktop, stdinTty: false, overrides: { interactive: true } })
          )
        )
      )
      assert.strictEqual(result.method, "browser")
      const done = (yield* Ref.get(env.events)).at(-1)
      assert.isTrue(done?._tag === "LoginSucceeded" && done.accountId === Emulator.defaultUser.accountId)
    }))
})
