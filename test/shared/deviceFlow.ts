// Conformance: the device code flow (PROTOCOL.md §6, §13 "Device") through the runtime's HttpClient against the
// emulator served by the runtime's own HTTP server, with interval "0".
import * as DeviceFlow from "@codex-auth/core/DeviceFlow"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import type { LoginEvent } from "@codex-auth/core/LoginPresenter"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Emulator from "@codex-auth/emulator/Emulator"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as assert from "./assert.ts"
import type { Harness, RunningEmulator } from "./harness.ts"

export const deviceFlowSuite = (h: Harness): void => {
  const setup = (options: Emulator.EmulatorOptions = {}) =>
    Effect.gen(function*() {
      const emulator = yield* h.serveEmulator({ deviceInterval: "0", ...options })
      const issued = yield* Deferred.make<Extract<LoginEvent, { _tag: "DeviceCodeIssued" }>>()
      const events: Array<LoginEvent> = []
      const presenter = LoginPresenter.make({
        present: (event) =>
          Effect.sync(() => events.push(event)).pipe(
            Effect.zipRight(event._tag === "DeviceCodeIssued" ? Deferred.succeed(issued, event) : Effect.void)
          )
      })
      const profile = ProviderProfile.layer(ProviderProfile.make({ issuer: emulator.url }))
      const layer = Layer.mergeAll(
        OAuthClient.layer.pipe(Layer.provide(Layer.merge(h.layer, profile))),
        profile,
        Layer.succeed(LoginPresenter.LoginPresenter, presenter)
      )
      return { emulator, issued, events, layer }
    })

  const pollStatuses = (emulator: RunningEmulator) =>
    Effect.map(
      emulator.admin.requests,
      (requests) => requests.filter((r) => r.path === "/api/accounts/deviceauth/token").map((r) => r.status)
    )

  h.live(
    "device flow: shows URL and code, polls (pending 403) until approved, exchanges; no API key",
    () =>
      Effect.gen(function*() {
        const env = yield* setup()
        const fiber = yield* Effect.fork(Effect.provide(DeviceFlow.run(), env.layer))
        const issued = yield* Deferred.await(env.issued)
        assert.equal(issued.verificationUrl, `${env.emulator.url}/codex/device`)
        assert.equal(issued.intervalMillis, 0)
        assert.match(issued.userCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/)
        // Approve only once the flow has been told "pending" at least once.
        while (!(yield* pollStatuses(env.emulator)).includes(403)) yield* Effect.sleep("2 millis")
        yield* env.emulator.admin.approveDeviceCode(issued.userCode)
        const result = yield* Fiber.join(fiber)
        assert.equal(result.method, "device")
        assert.isTrue(Option.isNone(result.apiKey), "device login stores no API key")
        assert.deepEqual(result.tokens.accountId, Option.some(Emulator.defaultUser.accountId))
        const statuses = yield* pollStatuses(env.emulator)
        assert.equal(statuses[statuses.length - 1], 200)
        const requests = yield* env.emulator.admin.requests
        const exchange = requests.filter((r) => r.path === "/oauth/token")
        assert.equal(exchange.length, 1, "one code exchange, no API-key exchange")
        assert.equal(exchange[0]!.grantType, "authorization_code")
        const usercode = requests.find((r) => r.path === "/api/accounts/deviceauth/usercode")!
        assert.deepEqual(usercode.bodyKeys, ["client_id"])
        const shown = JSON.stringify(env.events)
        assert.notInclude(shown, Redacted.value(result.tokens.accessToken))
        assert.notInclude(shown, Redacted.value(result.tokens.refreshToken))
      })
  )

  h.live("device flow: a denied code fails the login with the poll's status", () =>
    Effect.gen(function*() {
      const env = yield* setup()
      const fiber = yield* Effect.fork(Effect.provide(DeviceFlow.run(), env.layer))
      yield* env.emulator.admin.denyDeviceCode((yield* Deferred.await(env.issued)).userCode)
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.equal(error._tag, "DeviceCodePollFailed")
      assert.include(error.message, "status 400")
    }))

  h.live("device flow: usercode 404 → not enabled, with how to enable it", () =>
    Effect.gen(function*() {
      const env = yield* setup({ deviceCodeEnabled: false })
      const error = yield* Effect.flip(Effect.provide(DeviceFlow.run(), env.layer))
      assert.equal(error._tag, "DeviceCodeNotEnabled")
      assert.include(error.message, "Enable device code authorization")
    }))

  h.live(
    "device flow: usercode 503 → \"request failed with status\"; poll 401 → an error, no tokens",
    () =>
      Effect.gen(function*() {
        const env = yield* setup({ autoApprove: true })
        yield* env.emulator.admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "status", status: 503 })
        const unavailable = yield* Effect.flip(Effect.provide(DeviceFlow.run(), env.layer))
        assert.equal(unavailable._tag, "DeviceCodeRequestFailed")
        assert.include(unavailable.message, "request failed with status 503")
        yield* env.emulator.admin.addFault({ path: "/api/accounts/deviceauth/token", kind: "status", status: 401 })
        const unauthorized = yield* Effect.flip(Effect.provide(DeviceFlow.run(), env.layer))
        assert.equal(unauthorized._tag, "DeviceCodePollFailed")
        assert.include(unauthorized.message, "status 401")
        assert.equal((yield* env.emulator.admin.requests).filter((r) => r.path === "/oauth/token").length, 0)
      })
  )

  h.live("device flow: an account outside the allowed workspaces → WorkspaceRestricted", () =>
    Effect.gen(function*() {
      const env = yield* setup({ autoApprove: true })
      const error = yield* Effect.flip(Effect.provide(DeviceFlow.run({ allowedWorkspaceIds: ["ws-x"] }), env.layer))
      assert.equal(error._tag, "WorkspaceRestricted")
      assert.include(error.message, "ws-x")
    }))
}
