/**
 * The browser login end to end through a real headless Chromium: the emulator's consent page (no
 * auto-approve), a click on Allow or Deny, the loopback callback, the success or error page.
 */
import * as BrowserFlow from "@codex-auth/core/BrowserFlow"
import * as BrowserOpener from "@codex-auth/core/BrowserOpener"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeLoopbackListener from "@codex-auth/node/NodeLoopbackListener"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import { chromium } from "playwright-core"
import type { Browser, Page } from "playwright-core"

const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const address = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(address.port)))
  })
})

const launchChromium: Effect.Effect<Browser, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run"
      ]
    })
  ),
  (browser) => Effect.promise(() => browser.close())
)

const user = Emulator.user({ email: "ada@example.com", accountId: "acct-ada", planType: "pro" })

/** A browser login whose "browser" is a Chromium page; `decide` clicks on the consent page. */
const browserLogin = (decision: "Allow" | "Deny") =>
  Effect.gen(function*() {
    const ports = [yield* freePort, yield* freePort] as const
    const emulator = yield* startEmulator({ redirectPorts: ports, users: [user] })
    const profile = ProviderProfile.make({ issuer: emulator.url, loopbackPorts: ports })
    const browser = yield* launchChromium
    const page: Page = yield* Effect.promise(() => browser.newPage())
    const callbacks: Array<string> = []
    page.on("request", (request) => {
      if (request.url().includes("/auth/callback")) callbacks.push(request.url())
    })
    const consentShown = yield* Deferred.make<void>()
    const opener = BrowserOpener.layerCallback((url) =>
      Effect.promise(() => page.goto(url)).pipe(Effect.zipRight(Deferred.succeed(consentShown, undefined)))
    )
    const profileLayer = ProviderProfile.layer(profile)
    const layer = Layer.mergeAll(
      OAuthClient.layer.pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, profileLayer))),
      profileLayer,
      Layer.succeed(LoginPresenter.LoginPresenter, LoginPresenter.make({ present: () => Effect.void })),
      NodeLoopbackListener.layer,
      opener
    )
    const login = yield* Effect.fork(Effect.provide(BrowserFlow.run(), layer))
    yield* Deferred.await(consentShown)
    yield* Effect.promise(() => page.getByRole("button", { name: decision }).click())
    const exit = yield* Fiber.await(login)
    yield* Effect.promise(() => page.waitForLoadState("load"))
    const heading = yield* Effect.promise(() => page.locator("#title").textContent())
    const message = yield* Effect.promise(() => page.locator("#message").textContent())
    return { exit, callbacks, heading, message, pageUrl: page.url(), ports }
  })

describe("browser login through headless Chromium", () => {
  it.scoped("Allow → the loopback gets the code, the success page renders, the tokens are the emulator user's", () =>
    Effect.gen(function*() {
      const { callbacks, exit, heading, pageUrl, ports } = yield* browserLogin("Allow")
      assert.strictEqual(exit._tag, "Success")
      if (exit._tag !== "Success") return
      const result = exit.value
      assert.strictEqual(callbacks.length, 1)
      const callback = new URL(callbacks[0]!)
      assert.strictEqual(callback.origin, `http://127.0.0.1:${ports[0]}`)
      assert.isTrue((callback.searchParams.get("code") ?? "").length > 0)
      assert.strictEqual(heading, "Signed in to Codex")
      const success = new URL(pageUrl)
      assert.strictEqual(success.pathname, "/success")
      assert.strictEqual(success.searchParams.get("plan_type"), "pro")
      assert.strictEqual(success.searchParams.get("id_token"), Redacted.value(result.tokens.idToken))
      assert.deepStrictEqual(result.tokens.accountId, Option.some("acct-ada"))
      assert.deepStrictEqual(result.tokens.idTokenInfo.email, Option.some("ada@example.com"))
      assert.isTrue(Option.isSome(result.apiKey))
    }))

  it.scoped("Deny → the error page and a typed AuthorizationFailed", () =>
    Effect.gen(function*() {
      const { exit, heading, message } = yield* browserLogin("Deny")
      assert.strictEqual(exit._tag, "Failure")
      if (exit._tag !== "Failure") return
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      assert.strictEqual(error?._tag, "AuthorizationFailed")
      assert.isTrue(error?._tag === "AuthorizationFailed" && error.error === "access_denied")
      assert.strictEqual(heading, "Sign-in failed")
      assert.include(message ?? "", "Sign-in failed: The user denied the request.")
    }))
})
