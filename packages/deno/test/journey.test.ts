// The Deno journey, end to end against the emulator on Deno.serve: device-code login through the core Login with the
// Deno ports, saved by the Deno session into a real CODEX_HOME, then status, token, refresh and logout.
import * as Login from "@codex-auth/core/Login"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import type { LoginEvent } from "@codex-auth/core/LoginPresenter"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import * as Emulator from "@codex-auth/emulator/Emulator"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as assert from "../../../test/shared/assert.ts"
import * as DenoEmulator from "../src/DenoEmulator.ts"
import * as DenoHttpClient from "../src/DenoHttpClient.ts"
import * as DenoLayer from "../src/DenoLayer.ts"
import * as DenoSession from "../src/DenoSession.ts"
import { tempDir } from "./support/harness.ts"

const readAuthJson = (home: string) => Deno.readTextFile(`${home}/auth.json`).then((text) => JSON.parse(text))

Deno.test({
  name: "journey: device-code login, status, token, refresh and logout on a real CODEX_HOME with the Deno layer",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const emulator = yield* DenoEmulator.serve({ deviceInterval: "0" })
      const home = yield* tempDir
      const config = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", home]])))
      const session = yield* Layer.build(DenoSession.layer({ profile: { issuer: emulator.url } })).pipe(
        Effect.provide(config),
        Effect.map((context) => Context.get(context, Session.Session))
      )
      assert.isFalse((yield* session.status).loggedIn, "nobody is signed in yet")

      // Login: the planner picks the device code (forced), the Deno ports carry it.
      const issued = yield* Deferred.make<string>()
      const events: Array<LoginEvent["_tag"]> = []
      const presenter = LoginPresenter.make({
        present: (event) =>
          Effect.sync(() => events.push(event._tag)).pipe(
            Effect.zipRight(event._tag === "DeviceCodeIssued" ? Deferred.succeed(issued, event.userCode) : Effect.void)
          )
      })
      const profile = ProviderProfile.layer(ProviderProfile.make({ issuer: emulator.url }))
      const loginLayer = Layer.mergeAll(
        OAuthClient.layer.pipe(Layer.provide(Layer.merge(DenoHttpClient.layerConfig, profile))),
        profile,
        Layer.succeed(LoginPresenter.LoginPresenter, presenter),
        DenoLayer.layerLoginPorts({ method: "device", interactive: true })
      ).pipe(Layer.provide(config))
      const login = yield* Effect.fork(Effect.provide(Login.login(), loginLayer))
      yield* emulator.admin.approveDeviceCode(yield* Deferred.await(issued))
      const result = yield* Fiber.join(login)
      assert.equal(result.method, "device")
      assert.isTrue(events.includes("DeviceCodeIssued"), "the code was shown")
      yield* session.saveLogin({ _tag: "ChatGpt", tokenSet: result.tokens, openaiApiKey: result.apiKey })

      // Status and the file Codex would read.
      const status = yield* session.status
      assert.isTrue(status.loggedIn)
      assert.deepEqual(status.email, Option.some(Emulator.defaultUser.email))
      assert.deepEqual(status.accountId, Option.some(Emulator.defaultUser.accountId))
      assert.equal(status.location, `${yield* Effect.promise(() => Deno.realPath(home))}/auth.json`)
      const saved = yield* Effect.promise(() => readAuthJson(home))
      assert.equal(saved.auth_mode, "chatgpt")
      assert.equal(saved.OPENAI_API_KEY, null, "a device login stores no API key")
      assert.equal(saved.tokens.oauth_provenance.issuer, emulator.url)
      assert.equal(((yield* Effect.promise(() => Deno.stat(`${home}/auth.json`))).mode ?? 0) & 0o777, 0o600)

      // Token: the stored access token, from memory the second time.
      const token = Redacted.value(yield* session.getToken)
      assert.equal(token, saved.tokens.access_token)
      assert.equal(Redacted.value(yield* session.getToken), token)

      // Refresh: one grant, rotated tokens stored.
      yield* session.refresh
      const refreshed = Redacted.value(yield* session.getToken)
      assert.notEqual(refreshed, token)
      const after = yield* Effect.promise(() => readAuthJson(home))
      assert.equal(after.tokens.access_token, refreshed)
      assert.notEqual(after.tokens.refresh_token, saved.tokens.refresh_token)
      const requests = yield* emulator.admin.requests
      assert.equal(requests.filter((r) => r.grantType === "refresh_token").length, 1)

      // Logout: revoked and removed.
      assert.deepEqual(yield* session.logout, { removed: true, revoke: "revoked" })
      assert.equal((yield* emulator.admin.requests).filter((r) => r.path === "/oauth/revoke").length, 1)
      const gone = yield* Effect.promise(() => Deno.stat(`${home}/auth.json`).then(() => false, () => true))
      assert.isTrue(gone, "auth.json removed")
      assert.isFalse((yield* session.status).loggedIn)
    })))
})
