// In-process tests of the emulator app: time-dependent behaviour under TestClock (expiry of device codes,
// authorization codes, refresh families, access tokens, injected latency) and the minted claims.
import * as Emulator from "@codex-auth/emulator/Emulator"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"

const issuer = "http://127.0.0.1:7777"
const clientId = Emulator.codexClientId
// RFC 7636 appendix B.
const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
const redirectUri = "http://127.0.0.1:1455/auth/callback"

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

const call = (
  app: HttpApp.Default,
  method: string,
  path: string,
  body?: { readonly json?: unknown; readonly form?: Record<string, string> }
): Effect.Effect<Answer> =>
  Effect.gen(function*() {
    const init: RequestInit = { method, headers: {} }
    if (body?.json !== undefined) {
      init.body = JSON.stringify(body.json)
      init.headers = { "content-type": "application/json" }
    } else if (body?.form !== undefined) {
      init.body = new URLSearchParams(body.form).toString()
      init.headers = { "content-type": "application/x-www-form-urlencoded" }
    }
    const request = new Request(`${issuer}${path}`, init)
    const response = yield* Effect.provideService(
      app,
      HttpServerRequest.HttpServerRequest,
      HttpServerRequest.fromWeb(request)
    ).pipe(Effect.orDie)
    const web = HttpServerResponse.toWeb(response)
    const text = yield* Effect.promise(() => web.text())
    let parsed: unknown = undefined
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    return { status: web.status, headers: web.headers, text, json: parsed }
  })

const decodeClaims = (jwt: string): Record<string, any> =>
  JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")))

const authorizeQuery = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "state-123",
    scope: "openid profile email offline_access",
    ...overrides
  }).toString()

/** Runs an auto-approved authorize and exchanges the code: a fresh token set. */
const login = (app: HttpApp.Default) =>
  Effect.gen(function*() {
    const authorize = yield* call(app, "GET", `/oauth/authorize?${authorizeQuery()}`)
    assert.strictEqual(authorize.status, 302)
    const code = new URL(authorize.headers.get("location")!).searchParams.get("code")!
    const exchange = yield* call(app, "POST", "/oauth/token", {
      form: {
        grant_type: "authorization_code",
        client_id: clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier
      }
    })
    assert.strictEqual(exchange.status, 200, exchange.text)
    return exchange.json as { id_token: string; access_token: string; refresh_token: string }
  })

const refresh = (app: HttpApp.Default, refreshToken: string) =>
  call(app, "POST", "/oauth/token", {
    json: {
      client_id: clientId,
      grant_type: "refresh_token",
      refresh_reason: "proactive_expiry",
      refresh_token: refreshToken
    }
  })

describe("Emulator (in-process)", () => {
  it.effect("mints the claims of PROTOCOL.md §9 with exp from the configured access-token lifetime", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 10, 21, 12, 0, 0))
      const user = Emulator.user({
        email: "ada@example.com",
        accountId: "acct-ada",
        planType: "team",
        organizationId: "org-ada",
        projectId: "proj-ada",
        userId: "user-ada",
        fedramp: true,
        isOrgOwner: true,
        completedPlatformOnboarding: false
      })
      const emulator = yield* Emulator.make({ users: [user], autoApprove: true, accessTokenTtl: Duration.minutes(7) })
      const tokens = yield* login(emulator.app)
      const id = decodeClaims(tokens.id_token)
      const access = decodeClaims(tokens.access_token)
      const now = Date.UTC(2026, 10, 21, 12, 0, 0) / 1000
      assert.strictEqual(id.email, "ada@example.com")
      assert.strictEqual(id.iss, issuer)
      assert.deepStrictEqual(id.aud, [clientId])
      assert.strictEqual(id.exp, now + 7 * 60)
      assert.strictEqual(access.exp, now + 7 * 60)
      assert.strictEqual(access["https://api.openai.com/profile"].email, "ada@example.com")
      for (const claims of [id, access]) {
        const auth = claims["https://api.openai.com/auth"]
        assert.strictEqual(auth.chatgpt_account_id, "acct-ada")
        assert.strictEqual(auth.chatgpt_plan_type, "team")
        assert.strictEqual(auth.chatgpt_user_id, "user-ada")
        assert.strictEqual(auth.organization_id, "org-ada")
        assert.strictEqual(auth.project_id, "proj-ada")
        assert.strictEqual(auth.chatgpt_account_is_fedramp, true)
        assert.strictEqual(auth.is_org_owner, true)
        assert.strictEqual(auth.completed_platform_onboarding, false)
      }
      assert.deepStrictEqual(access.scp, ["openid", "profile", "email", "offline_access"])
    }))

  it.effect("accepts the RFC 7636 appendix B verifier and rejects any other", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ autoApprove: true })
      const codeFor = Effect.map(
        call(emulator.app, "GET", `/oauth/authorize?${authorizeQuery()}`),
        (answer) => new URL(answer.headers.get("location")!).searchParams.get("code")!
      )
      const wrong = yield* call(emulator.app, "POST", "/oauth/token", {
        form: {
          grant_type: "authorization_code",
          client_id: clientId,
          code: yield* codeFor,
          redirect_uri: redirectUri,
          code_verifier: verifier.replace("d", "e")
        }
      })
      assert.strictEqual(wrong.status, 400)
      assert.strictEqual(wrong.json.error, "invalid_grant")
      const right = yield* login(emulator.app)
      assert.isString(right.refresh_token)
    }))

  it.effect("authorization codes expire after 10 minutes", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ autoApprove: true })
      const authorize = yield* call(emulator.app, "GET", `/oauth/authorize?${authorizeQuery()}`)
      const code = new URL(authorize.headers.get("location")!).searchParams.get("code")!
      yield* TestClock.adjust(Duration.minutes(11))
      const exchange = yield* call(emulator.app, "POST", "/oauth/token", {
        form: {
          grant_type: "authorization_code",
          client_id: clientId,
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier
        }
      })
      assert.strictEqual(exchange.status, 400)
      assert.strictEqual(exchange.json.error, "invalid_grant")
      assert.match(exchange.json.error_description, /expired/)
    }))

  it.effect("a refresh family expires after the refresh-token lifetime", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ autoApprove: true, refreshTokenTtl: Duration.days(2) })
      const tokens = yield* login(emulator.app)
      yield* TestClock.adjust(Duration.days(1))
      const first = yield* refresh(emulator.app, tokens.refresh_token)
      assert.strictEqual(first.status, 200)
      yield* TestClock.adjust(Duration.sum(Duration.days(1), Duration.seconds(1)))
      const second = yield* refresh(emulator.app, first.json.refresh_token)
      assert.strictEqual(second.status, 401)
      assert.strictEqual(second.json.error.code, "refresh_token_expired")
      assert.strictEqual(second.json.error.type, "invalid_request_error")
      assert.isNull(second.json.error.param)
    }))

  it.effect("device codes expire after 15 minutes by default", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ deviceInterval: "0" })
      const start = yield* call(emulator.app, "POST", "/api/accounts/deviceauth/usercode", {
        json: { client_id: clientId }
      })
      assert.strictEqual(start.status, 200)
      assert.strictEqual(start.json.interval, "0")
      const poll = { json: { device_auth_id: start.json.device_auth_id, user_code: start.json.user_code } }
      yield* TestClock.adjust(Duration.minutes(14))
      assert.strictEqual((yield* call(emulator.app, "POST", "/api/accounts/deviceauth/token", poll)).status, 403)
      yield* TestClock.adjust(Duration.sum(Duration.minutes(1), Duration.millis(1)))
      const expired = yield* call(emulator.app, "POST", "/api/accounts/deviceauth/token", poll)
      assert.strictEqual(expired.status, 400)
      assert.strictEqual(expired.json.error, "expired_token")
      const approve = yield* Effect.either(emulator.approveDeviceCode(start.json.user_code))
      assert.strictEqual(approve._tag, "Left")
    }))

  it.effect("the device code lifetime is configurable", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ deviceCodeLifetime: Duration.minutes(2) })
      const start = yield* call(emulator.app, "POST", "/api/accounts/deviceauth/usercode", {
        json: { client_id: clientId }
      })
      assert.strictEqual(start.json.interval, "5")
      yield* TestClock.adjust(Duration.sum(Duration.minutes(2), Duration.millis(1)))
      const poll = yield* call(emulator.app, "POST", "/api/accounts/deviceauth/token", {
        json: { device_auth_id: start.json.device_auth_id, user_code: start.json.user_code }
      })
      assert.strictEqual(poll.json.error, "expired_token")
    }))

  it.effect("a latency fault delays the answer by the clock, then answers normally", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* emulator.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "latency", millis: 30_000 })
      const fiber = yield* Effect.fork(
        call(emulator.app, "POST", "/api/accounts/deviceauth/usercode", { json: { client_id: clientId } })
      )
      yield* TestClock.adjust(Duration.seconds(29))
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust(Duration.seconds(1))
      const answer = yield* Fiber.join(fiber)
      assert.strictEqual(answer.status, 200)
      const [entry] = yield* emulator.requests
      assert.strictEqual(entry!.fault, "latency")
      assert.deepStrictEqual(yield* emulator.faults, [])
    }))

  it.effect("reset forgets tokens and restores settings", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ autoApprove: true })
      const tokens = yield* login(emulator.app)
      yield* emulator.updateSettings({ deviceCodeEnabled: false })
      assert.strictEqual((yield* emulator.settings).deviceCodeEnabled, false)
      yield* emulator.reset
      assert.strictEqual((yield* emulator.settings).deviceCodeEnabled, true)
      assert.deepStrictEqual(yield* emulator.requests, [])
      const after = yield* refresh(emulator.app, tokens.refresh_token)
      assert.strictEqual(after.status, 401)
    }))

  it.effect("mintTokens with a negative lifetime gives an already-expired access token", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000_000)
      const emulator = yield* Emulator.make()
      const minted = yield* emulator.mintTokens({ accessTokenTtlSeconds: -60 }, issuer)
      assert.strictEqual(decodeClaims(minted.access_token).exp, 1_000_000 - 60)
      assert.strictEqual(minted.account_id, Emulator.defaultUser.accountId)
      const rotated = yield* refresh(emulator.app, minted.refresh_token)
      assert.strictEqual(rotated.status, 200)
      const log = yield* emulator.requests
      assert.strictEqual(log[0]!.tokenFamily, minted.family)
    }))
})
