import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Inspectable from "effect/Inspectable"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { Buffer } from "node:buffer"
import * as OAuthClient from "../src/OAuthClient.ts"
import * as ProviderProfile from "../src/ProviderProfile.ts"
import * as Wire from "./utils/wire.ts"

const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"
// Token-looking values, so a leak into a message would be caught by the scans below.
const idToken = "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJlX0lE"
const accessToken = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImFjY2VzcyJ9.c2lnbmF0dXJlX0FU"
const refreshToken = "rt_Q7vKz3XbW9mLp2NcR8sT4yHj6FdA1eUo5iGk0MnBqZ"
const code = "ac_Zt7Yq2Wv9Ls4Kp8Xm3Rn6Bd1Hf5Gj0Ce"
const codeVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk12"
const apiKey = "sk-proj-9fKx2LmQ7vBn4RtY8wZc1HdJ6pAs3Ge5Ui0Ok"
const deviceAuthId = "deviceauth_8Hj3Kd9Lm2Np5Qr7St1Vw4Xy6Za0Bc"

const tokens = { id_token: idToken, access_token: accessToken, refresh_token: refreshToken }

const setup = (respond: Wire.Responder, overrides: ProviderProfile.Overrides = {}) =>
  Effect.gen(function*() {
    const server = yield* Wire.make(respond)
    const profile = ProviderProfile.make({ issuer: server.url, ...overrides })
    const client = yield* OAuthClient.make.pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.provideService(ProviderProfile.ProviderProfile, profile)
    )
    return { server, client, profile }
  })

const assertCodexHeaders = (request: Wire.RecordedRequest, contentType: string) => {
  assert.strictEqual(request.method, "POST")
  assert.strictEqual(request.header("content-type"), contentType)
  assert.strictEqual(request.header("originator"), "codex_cli_rs")
  assert.strictEqual(request.header("user-agent"), "codex_cli_rs/0.169.0")
  // no tracing headers leak to the issuer
  assert.isUndefined(request.header("traceparent"))
  assert.isUndefined(request.header("b3"))
}

const device: OAuthClient.DeviceCode = {
  deviceAuthId: Redacted.make(deviceAuthId),
  userCode: "ABCD-1234",
  interval: Duration.seconds(5),
  verificationUrl: "http://unused/codex/device"
}

/** Waits (without moving the clock) until some fiber sleeps until `instant`. */
const awaitSleepUntil = (instant: number) =>
  Effect.gen(function*() {
    while (!Chunk.some(yield* TestClock.sleeps(), (at) => at === instant)) {
      yield* Effect.yieldNow()
    }
  })

describe("OAuthClient token endpoint", () => {
  it.scoped("exchangeCode sends the §5 form body and decodes the tokens", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => Wire.json(200, { ...tokens, expires_in: 3600, extra: true }))
      const result = yield* client.exchangeCode({
        code: Redacted.make("a/b c+d"),
        codeVerifier: Redacted.make(codeVerifier),
        redirectUri: "http://127.0.0.1:1455/auth/callback"
      })
      assert.strictEqual(Redacted.value(result.idToken), idToken)
      assert.strictEqual(Redacted.value(result.accessToken), accessToken)
      assert.strictEqual(Redacted.value(result.refreshToken), refreshToken)
      assert.strictEqual(server.requests.length, 1)
      const request = server.requests[0]!
      assert.strictEqual(request.path, "/oauth/token")
      assertCodexHeaders(request, "application/x-www-form-urlencoded")
      assert.strictEqual(
        request.bodyText,
        `grant_type=authorization_code&client_id=${clientId}&code=a%2Fb+c%2Bd` +
          `&redirect_uri=http%3A%2F%2F127.0.0.1%3A1455%2Fauth%2Fcallback&code_verifier=${codeVerifier}`
      )
    }))

  it.scoped("exchangeCode: missing tokens, wrong types and bad JSON are MalformedResponse", () =>
    Effect.gen(function*() {
      const bodies = [
        { body: { id_token: idToken, access_token: accessToken }, reason: "refresh_token is missing" },
        { body: { access_token: accessToken, refresh_token: refreshToken }, reason: "id_token is missing" },
        { body: { ...tokens, access_token: 42 }, reason: "access_token is invalid" },
        { body: `{"id_token":"${idToken}",`, reason: "the body is not valid JSON" },
        { body: [tokens], reason: "the body is invalid" }
      ]
      const { client } = yield* setup((_request, index) => Wire.json(200, bodies[index]!.body))
      for (const { reason } of bodies) {
        const error = yield* Effect.flip(client.exchangeCode({
          code: Redacted.make(code),
          codeVerifier: Redacted.make(codeVerifier),
          redirectUri: "http://127.0.0.1:1455/auth/callback"
        }))
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.strictEqual(error._tag === "MalformedResponse" && error.reason, reason)
        assert.include(error.message, reason)
      }
    }))

  it.scoped("exchangeCode: a non-2xx answer is a TokenEndpointError with the parsed detail", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(() =>
        Wire.json(400, { error: "invalid_grant", error_description: "Code expired or already used" })
      )
      const error = yield* Effect.flip(client.exchangeCode({
        code: Redacted.make(code),
        codeVerifier: Redacted.make(codeVerifier),
        redirectUri: "http://127.0.0.1:1455/auth/callback"
      }))
      assert.strictEqual(error._tag, "TokenEndpointError")
      if (error._tag !== "TokenEndpointError") return
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.detail, "Code expired or already used")
      assert.include(error.message, "status 400")
      assert.include(error.message, "Start the login again")
    }))

  it.scoped("exchangeApiKey sends the token-exchange form body and returns the access_token", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => Wire.json(200, { access_token: apiKey, token_type: "bearer" }))
      const key = yield* client.exchangeApiKey(Redacted.make(idToken))
      assert.strictEqual(Redacted.value(key), apiKey)
      const request = server.requests[0]!
      assert.strictEqual(request.path, "/oauth/token")
      assertCodexHeaders(request, "application/x-www-form-urlencoded")
      assert.strictEqual(
        request.bodyText,
        `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&client_id=${clientId}` +
          `&requested_token=openai-api-key&subject_token=${idToken}` +
          "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token"
      )
    }))

  it.scoped("a transport failure is a NetworkError", () =>
    Effect.gen(function*() {
      const port = yield* Wire.closedPort
      const client = yield* OAuthClient.make.pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provideService(
          ProviderProfile.ProviderProfile,
          ProviderProfile.make({ issuer: `http://127.0.0.1:${port}` })
        )
      )
      const error = yield* Effect.flip(client.exchangeApiKey(Redacted.make(idToken)))
      assert.strictEqual(error._tag, "NetworkError")
      if (error._tag !== "NetworkError") return
      assert.strictEqual(error.kind, "transport")
      assert.include(error.detail, "ECONNREFUSED")
    }))
})

describe("OAuthClient.refresh", () => {
  it.scoped("sends exactly the §5 JSON body with originator and User-Agent", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => Wire.json(200, { access_token: accessToken, id_token: null }))
      const result = yield* client.refresh(Redacted.make(refreshToken))
      assert.isTrue(Option.isNone(result.idToken))
      assert.isTrue(Option.isNone(result.refreshToken))
      assert.strictEqual(Redacted.value(Option.getOrThrow(result.accessToken)), accessToken)
      const request = server.requests[0]!
      assert.strictEqual(request.path, "/oauth/token")
      assertCodexHeaders(request, "application/json")
      assert.strictEqual(
        request.bodyText,
        `{"client_id":"${clientId}","grant_type":"refresh_token","refresh_reason":"proactive_expiry",` +
          `"refresh_token":"${refreshToken}"}`
      )
    }))

  it.scoped("uses the given URL, else the profile's refreshTokenUrl", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => Wire.json(200, tokens))
      const rotated = yield* client.refresh(Redacted.make(refreshToken), { url: `${server.url}/custom/refresh` })
      assert.strictEqual(Redacted.value(Option.getOrThrow(rotated.refreshToken)), refreshToken)
      assert.strictEqual(Redacted.value(Option.getOrThrow(rotated.idToken)), idToken)
      assert.strictEqual(server.requests[0]!.path, "/custom/refresh")

      const overridden = yield* setup(() => Wire.json(200, tokens))
      const viaProfile = yield* OAuthClient.make.pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provideService(
          ProviderProfile.ProviderProfile,
          ProviderProfile.make({ issuer: "http://127.0.0.1:9", refreshTokenUrl: `${overridden.server.url}/r` })
        )
      )
      yield* viaProfile.refresh(Redacted.make(refreshToken))
      assert.strictEqual(overridden.server.requests[0]!.path, "/r")
    }))

  const permanent: ReadonlyArray<readonly [string, number, unknown, string]> = [
    ["error string expired", 400, { error: "refresh_token_expired" }, "expired"],
    ["error string reused", 400, { error: "refresh_token_reused" }, "reused"],
    ["error string invalidated", 400, { error: "refresh_token_invalidated" }, "revoked"],
    ["error.code, upper case", 400, { error: { code: "REFRESH_TOKEN_REUSED", message: "x" } }, "reused"],
    ["top-level code", 400, { code: "refresh_token_expired", message: "expired" }, "expired"],
    ["401 with a code", 401, { error: { code: "refresh_token_invalidated" } }, "revoked"],
    ["401 without a code", 401, { error: "invalid_token" }, "unauthorized"],
    ["401 with a plain body", 401, "Unauthorized", "unauthorized"]
  ]
  for (const [name, status, body, reason] of permanent) {
    it.scoped(`permanent: ${name} → ${reason}`, () =>
      Effect.gen(function*() {
        const { client } = yield* setup(() => Wire.json(status, body))
        const error = yield* Effect.flip(client.refresh(Redacted.make(refreshToken)))
        assert.strictEqual(error._tag, "RefreshTokenRejected")
        if (error._tag !== "RefreshTokenRejected") return
        assert.strictEqual(error.reason, reason)
        assert.strictEqual(error.status, status)
        assert.include(error.message, "Please log out and sign in again.")
      }))
  }

  const transient: ReadonlyArray<readonly [string, number, unknown, string]> = [
    ["500", 500, { error: { message: "internal error" } }, "ambiguous"],
    ["503 plain text", 503, "upstream unavailable", "ambiguous"],
    ["429", 429, { error: "slow_down" }, "busy"],
    ["400 without a known code", 400, { error: "invalid_request" }, "refused"],
    ["403 with a known code", 403, { error: "refresh_token_expired" }, "refused"]
  ]
  for (const [name, status, body, kind] of transient) {
    it.scoped(`transient: ${name} → ${kind}`, () =>
      Effect.gen(function*() {
        const { client } = yield* setup(() => Wire.json(status, body))
        const error = yield* Effect.flip(client.refresh(Redacted.make(refreshToken)))
        assert.strictEqual(error._tag, "RefreshTransientError")
        if (error._tag !== "RefreshTransientError") return
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.kind, kind)
        assert.strictEqual(error.retryable, kind === "busy")
        assert.match(error.message, /stored sign-in (was kept|is intact)/)
      }))
  }

  it.scoped("transient: connection refused", () =>
    Effect.gen(function*() {
      const port = yield* Wire.closedPort
      const client = yield* OAuthClient.make.pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provideService(
          ProviderProfile.ProviderProfile,
          ProviderProfile.make({ issuer: `http://127.0.0.1:${port}` })
        )
      )
      const error = yield* Effect.flip(client.refresh(Redacted.make(refreshToken)))
      assert.strictEqual(error._tag, "RefreshTransientError")
      if (error._tag !== "RefreshTransientError") return
      assert.isUndefined(error.status)
      assert.include(error.detail, "ECONNREFUSED")
      assert.strictEqual(error.kind, "unsent", "a refused connection never presented the token")
      assert.isTrue(error.retryable)
    }))

  // A 200 is a refresh only with a usable access token; anything else leaves the store alone.
  const unusable: ReadonlyArray<readonly [string, unknown, string]> = [
    ["an empty object", {}, "access_token is missing"],
    ["an error with status 200", { error: "invalid_grant" }, "access_token is missing"],
    ["an access token that is not a JWT", { access_token: "garbage" }, "access_token is not a JWT"],
    ["an expired access token", { access_token: "EXPIRED" }, "access_token has already expired"],
    ["an empty refresh token", { access_token: "FRESH", refresh_token: "" }, "refresh_token is empty"],
    ["an id token that is not a JWT", { access_token: "FRESH", id_token: "nope" }, "id_token is not a JWT"]
  ]
  for (const [name, body, reason] of unusable) {
    it.scoped(`a 200 with ${name} is MalformedResponse`, () =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString("base64url")}.c2ln`
        const fill = (value: unknown) =>
          value === "FRESH"
            ? jwt(Math.floor(now / 1000) + 3600)
            : value === "EXPIRED"
            ? jwt(Math.floor(now / 1000) - 60)
            : value
        const wire = Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, fill(v)]))
        const { client } = yield* setup(() => Wire.json(200, wire))
        const error = yield* Effect.flip(client.refresh(Redacted.make(refreshToken)))
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.include(error.message, reason)
        assert.include(error.message, "codex-auth login")
      }))
  }

  it.scoped("transient: no answer within the profile's refresh timeout is ambiguous", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => ({ status: 200, hang: true }), {
        requestTimeout: Duration.seconds(20)
      })
      const fiber = yield* Effect.fork(client.refresh(Redacted.make(refreshToken)))
      yield* server.awaitRequests(1)
      // A grant is held under auth.lock: bounded by refreshTimeout, at most 15 s by default.
      yield* awaitSleepUntil(15_000)
      yield* TestClock.adjust(Duration.seconds(14))
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust(Duration.seconds(1))
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "RefreshTransientError")
      assert.include(error.message, "no answer within 15s")
      if (error._tag === "RefreshTransientError") assert.strictEqual(error.kind, "ambiguous")
    }))

  it.scoped("a 200 with bad JSON is MalformedResponse", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(() => ({ status: 200, body: "<html>oops</html>" }))
      const error = yield* Effect.flip(client.refresh(Redacted.make(refreshToken)))
      assert.strictEqual(error._tag, "MalformedResponse")
    }))
})

describe("OAuthClient.revoke", () => {
  it.scoped("refresh token: §7 body to the revoke URL", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => ({ status: 200 }))
      yield* client.revoke({ refreshToken: Redacted.make(refreshToken) })
      const request = server.requests[0]!
      assert.strictEqual(request.path, "/oauth/revoke")
      assertCodexHeaders(request, "application/json")
      assert.strictEqual(
        request.bodyText,
        `{"token":"${refreshToken}","token_type_hint":"refresh_token","client_id":"${clientId}"}`
      )
    }))

  it.scoped("access token: §7 body without client_id", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => ({ status: 200 }))
      yield* client.revoke({ accessToken: Redacted.make(accessToken) })
      assert.strictEqual(server.requests[0]!.bodyText, `{"token":"${accessToken}","token_type_hint":"access_token"}`)
    }))

  it.scoped("a 500 is RevokeFailed with the status", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(() => Wire.json(500, { error: { message: "boom" } }))
      const error = yield* Effect.flip(client.revoke({ refreshToken: Redacted.make(refreshToken) }))
      assert.strictEqual(error.status, 500)
      assert.strictEqual(error.detail, "boom")
      assert.include(error.message, "The local credentials are removed regardless")
    }))

  it.scoped("gives up after 10 s", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => ({ status: 200, hang: true }))
      const fiber = yield* Effect.fork(client.revoke({ refreshToken: Redacted.make(refreshToken) }))
      yield* server.awaitRequests(1)
      yield* awaitSleepUntil(10_000)
      yield* TestClock.adjust(Duration.seconds(10))
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "RevokeFailed")
      assert.isUndefined(error.status)
    }))
})

describe("OAuthClient device code", () => {
  it.scoped("requestDeviceCode: §6 body; interval as the string \"0\"", () =>
    Effect.gen(function*() {
      const { client, profile, server } = yield* setup(() =>
        Wire.json(200, { device_auth_id: deviceAuthId, user_code: "ABCD-1234", interval: "0", expires_in: 900 })
      )
      const result = yield* client.requestDeviceCode()
      assert.strictEqual(Redacted.value(result.deviceAuthId), deviceAuthId)
      assert.strictEqual(result.userCode, "ABCD-1234")
      assert.isTrue(Duration.equals(result.interval, Duration.zero))
      assert.strictEqual(result.verificationUrl, `${profile.issuer}/codex/device`)
      const request = server.requests[0]!
      assert.strictEqual(request.path, "/api/accounts/deviceauth/usercode")
      assertCodexHeaders(request, "application/json")
      assert.strictEqual(request.bodyText, `{"client_id":"${clientId}"}`)
    }))

  it.scoped("requestDeviceCode: older `usercode`, interval as a number", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(() => Wire.json(200, { device_auth_id: "d", usercode: "WXYZ-0000", interval: 5 }))
      const result = yield* client.requestDeviceCode()
      assert.strictEqual(result.userCode, "WXYZ-0000")
      assert.isTrue(Duration.equals(result.interval, Duration.seconds(5)))
    }))

  it.scoped("requestDeviceCode: no user code, or a bad interval, is malformed", () =>
    Effect.gen(function*() {
      const bodies = [{ device_auth_id: "d", interval: "5" }, { device_auth_id: "d", user_code: "X", interval: "soon" }]
      const { client } = yield* setup((_request, index) => Wire.json(200, bodies[index]))
      const missing = yield* Effect.flip(client.requestDeviceCode())
      assert.strictEqual(missing._tag === "MalformedResponse" && missing.reason, "user_code is missing")
      const badInterval = yield* Effect.flip(client.requestDeviceCode())
      assert.strictEqual(badInterval._tag === "MalformedResponse" && badInterval.reason, "interval is invalid")
    }))

  it.scoped("requestDeviceCode: 404 is DeviceCodeNotEnabled", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(() => ({ status: 404, body: "Not Found" }))
      const error = yield* Effect.flip(client.requestDeviceCode())
      assert.strictEqual(error._tag, "DeviceCodeNotEnabled")
      assert.include(error.message, "Enable device code authorization in your ChatGPT security settings")
      assert.include(error.message, "workspace admin")
      assert.include(error.message, "browser login")
    }))

  it.scoped("requestDeviceCode: 503 is 'request failed with status'", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(() => ({ status: 503, body: "maintenance" }))
      const error = yield* Effect.flip(client.requestDeviceCode())
      assert.strictEqual(error._tag, "DeviceCodeRequestFailed")
      assert.include(error.message, "device code request failed with status 503")
    }))

  it.scoped("pollDeviceCode: §6 body; 403/404 pending, 429 and slow_down back off, 200 authorized", () =>
    Effect.gen(function*() {
      const answers = [
        Wire.json(403, { error: "pending" }),
        { status: 404 },
        { status: 429 },
        Wire.json(400, { error: "slow_down" }),
        Wire.json(400, { error: "authorization_pending" }),
        Wire.json(200, { authorization_code: code, code_challenge: "challenge", code_verifier: codeVerifier })
      ]
      const { client, server } = yield* setup(Wire.sequence(...answers))
      const tags: Array<string> = []
      for (let i = 0; i < answers.length; i++) {
        const result = yield* client.pollDeviceCode(device)
        tags.push(result._tag)
        if (result._tag === "Authorized") {
          assert.strictEqual(Redacted.value(result.authorizationCode), code)
          assert.strictEqual(Redacted.value(result.codeVerifier), codeVerifier)
          assert.strictEqual(result.codeChallenge, "challenge")
        }
      }
      assert.deepStrictEqual(tags, ["Pending", "Pending", "SlowDown", "SlowDown", "Pending", "Authorized"])
      const request = server.requests[0]!
      assert.strictEqual(request.path, "/api/accounts/deviceauth/token")
      assertCodexHeaders(request, "application/json")
      assert.strictEqual(request.bodyText, `{"device_auth_id":"${deviceAuthId}","user_code":"ABCD-1234"}`)
    }))

  it.scoped("completeDeviceCode: interval \"0\", poll 404 then 200, exchange with the server's verifier", () =>
    Effect.gen(function*() {
      let polls = 0
      const { client, profile, server } = yield* setup((request) => {
        if (request.path === "/api/accounts/deviceauth/usercode") {
          return Wire.json(200, { device_auth_id: deviceAuthId, user_code: "ABCD-1234", interval: "0" })
        }
        if (request.path === "/api/accounts/deviceauth/token") {
          polls++
          return polls === 1 ?
            { status: 404 } :
            Wire.json(200, { authorization_code: code, code_challenge: "c", code_verifier: codeVerifier })
        }
        return Wire.json(200, tokens)
      })
      const deviceCode = yield* client.requestDeviceCode()
      const result = yield* client.completeDeviceCode(deviceCode)
      assert.strictEqual(Redacted.value(result.refreshToken), refreshToken)
      assert.deepStrictEqual(server.requests.map((r) => r.path), [
        "/api/accounts/deviceauth/usercode",
        "/api/accounts/deviceauth/token",
        "/api/accounts/deviceauth/token",
        "/oauth/token"
      ])
      const exchange = server.requests[3]!
      assertCodexHeaders(exchange, "application/x-www-form-urlencoded")
      assert.strictEqual(
        exchange.bodyText,
        `grant_type=authorization_code&client_id=${clientId}&code=${code}` +
          `&redirect_uri=${encodeURIComponent(`${profile.issuer}/deviceauth/callback`)}&code_verifier=${codeVerifier}`
      )
    }))

  it.scoped("completeDeviceCode: waits `interval` between polls and adds 5 s per slow_down", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup((request, index) =>
        request.path === "/oauth/token" ?
          Wire.json(200, tokens) :
          [
            { status: 429 },
            { status: 403 },
            Wire.json(200, { authorization_code: code, code_challenge: "c", code_verifier: codeVerifier })
          ][index]!
      )
      const fiber = yield* Effect.fork(client.completeDeviceCode(device))
      yield* server.awaitRequests(1)
      // 5 s interval + 5 s for the 429
      yield* awaitSleepUntil(10_000)
      yield* TestClock.adjust(Duration.seconds(9))
      assert.strictEqual(server.requests.length, 1)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* server.awaitRequests(2)
      // the raised interval stays
      yield* awaitSleepUntil(20_000)
      yield* TestClock.adjust(Duration.seconds(10))
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(Redacted.value(result.accessToken), accessToken)
      assert.strictEqual(server.requests.length, 4)
    }))

  it.scoped("completeDeviceCode: DeviceCodeExpired once the lifetime has passed", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => ({ status: 403 }))
      const fiber = yield* Effect.fork(client.completeDeviceCode({ ...device, interval: Duration.minutes(1) }))
      // polls at 0, 1, …, 15 minutes; the one at 15 minutes is the last
      for (let minute = 1; minute <= 15; minute++) {
        yield* server.awaitRequests(minute)
        yield* awaitSleepUntil(minute * 60_000)
        assert.isNull(fiber.unsafePoll())
        yield* TestClock.adjust(Duration.minutes(1))
      }
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "DeviceCodeExpired")
      assert.include(error.message, "15 minutes")
      assert.strictEqual(server.requests.length, 16)
    }))

  it.scoped("completeDeviceCode: a poll 401 fails without an exchange", () =>
    Effect.gen(function*() {
      const { client, server } = yield* setup(() => Wire.json(401, { error: { message: "device auth denied" } }))
      const error = yield* Effect.flip(client.completeDeviceCode(device))
      assert.strictEqual(error._tag, "DeviceCodePollFailed")
      assert.include(error.message, "device code poll failed with status 401: device auth denied")
      assert.deepStrictEqual(server.requests.map((r) => r.path), ["/api/accounts/deviceauth/token"])
    }))
})

describe("OAuthClient secrets", () => {
  const secrets = [idToken, accessToken, refreshToken, code, codeVerifier, apiKey, deviceAuthId]
  // The server echoes every secret it received (and more) in its error bodies.
  const echo: Wire.Responder = (request) =>
    Wire.json(request.path === "/oauth/revoke" ? 500 : 400, {
      error: { code: "invalid_grant", message: `bad request: ${request.bodyText} ${secrets.join(" ")}` }
    })

  it.scoped("no error message, string or JSON form contains token text", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(echo)
      const errors = [
        yield* Effect.flip(client.exchangeCode({
          code: Redacted.make(code),
          codeVerifier: Redacted.make(codeVerifier),
          redirectUri: "http://127.0.0.1:1455/auth/callback"
        })),
        yield* Effect.flip(client.exchangeApiKey(Redacted.make(idToken))),
        yield* Effect.flip(client.refresh(Redacted.make(refreshToken))),
        yield* Effect.flip(client.revoke({ refreshToken: Redacted.make(refreshToken) })),
        yield* Effect.flip(client.revoke({ accessToken: Redacted.make(accessToken) })),
        yield* Effect.flip(client.requestDeviceCode()),
        yield* Effect.flip(client.pollDeviceCode(device))
      ]
      assert.strictEqual(errors.length, 7)
      for (const error of errors) {
        const renderings = [error.message, String(error), JSON.stringify(error)]
        assert.include(error.message, "bad request")
        for (const text of renderings) {
          for (const secret of secrets) {
            assert.notInclude(text, secret, `${error._tag} leaks a secret`)
          }
        }
      }
    }))
})

describe("OAuthClient observability", () => {
  const secrets = [idToken, accessToken, refreshToken, code, codeVerifier, apiKey, deviceAuthId]

  it.scoped("spans, span attributes, events, exits and log lines carry no secret", () =>
    Effect.gen(function*() {
      const recorded: Array<string> = []
      const spanNames: Array<string> = []
      const inner = yield* Effect.tracer
      const tracer = Tracer.make({
        span(name, parent, context, links, startTime, kind, options) {
          const span = inner.span(name, parent, context, links, startTime, kind, options)
          spanNames.push(name)
          return {
            ...span,
            get status() {
              return span.status
            },
            get attributes() {
              return span.attributes
            },
            attribute(key, value) {
              recorded.push(`${name} ${key}=${Inspectable.format(value)}`)
              span.attribute(key, value)
            },
            event(eventName, time, attributes) {
              recorded.push(`${name} event ${eventName} ${Inspectable.format(attributes)}`)
              span.event(eventName, time, attributes)
            },
            end(endTime, exit) {
              if (exit._tag === "Failure") recorded.push(`${name} failed ${Cause.pretty(exit.cause)}`)
              span.end(endTime, exit)
            },
            addLinks: (links) => span.addLinks(links)
          }
        },
        context: (f, fiber) => inner.context(f, fiber)
      })
      const logger = Logger.make(({ annotations, message }) => {
        recorded.push(`log ${Inspectable.format(message)} ${Inspectable.format(annotations)}`)
      })

      let polls = 0
      const { client } = yield* setup((request) => {
        switch (request.path) {
          case "/oauth/token":
            return request.bodyText.includes("openai-api-key") ?
              Wire.json(200, { access_token: apiKey }) :
              Wire.json(200, tokens)
          case "/api/accounts/deviceauth/usercode":
            return Wire.json(200, { device_auth_id: deviceAuthId, user_code: "ABCD-1234", interval: "0" })
          case "/api/accounts/deviceauth/token":
            return ++polls === 1 ?
              { status: 403 } :
              Wire.json(200, { authorization_code: code, code_challenge: "c", code_verifier: codeVerifier })
          default:
            return Wire.json(401, { error: { code: "refresh_token_invalidated", message: refreshToken } })
        }
      })
      yield* Effect.gen(function*() {
        yield* client.exchangeCode({
          code: Redacted.make(code),
          codeVerifier: Redacted.make(codeVerifier),
          redirectUri: "http://127.0.0.1:1455/auth/callback"
        })
        yield* client.exchangeApiKey(Redacted.make(idToken))
        yield* client.refresh(Redacted.make(refreshToken))
        yield* Effect.flip(client.refresh(Redacted.make(refreshToken), { url: "http://127.0.0.1:1/nowhere" }))
        yield* client.completeDeviceCode(yield* client.requestDeviceCode())
        yield* Effect.flip(client.revoke({ refreshToken: Redacted.make(refreshToken) }))
      }).pipe(
        Effect.withSpan("test"),
        Effect.withTracer(tracer),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )

      for (
        const name of [
          "OAuthClient.exchangeCode",
          "OAuthClient.exchangeApiKey",
          "OAuthClient.refresh",
          "OAuthClient.requestDeviceCode",
          "OAuthClient.completeDeviceCode",
          "OAuthClient.revoke"
        ]
      ) {
        assert.include(spanNames, name)
      }
      assert.isTrue(recorded.some((line) => line.includes(`http.request.method="POST"`)))
      assert.isTrue(recorded.some((line) => line.includes("OAuthClient.revoke failed")))
      for (const line of recorded) {
        for (const secret of secrets) assert.notInclude(line, secret)
      }
    }))
})
