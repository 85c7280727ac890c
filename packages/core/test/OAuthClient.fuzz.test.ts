// Fuzzing of every issuer response the OAuth client decodes (token, API-key, refresh, revoke, device user code and
// device poll): arbitrary status codes and bodies — random text, arbitrary JSON, bodies shaped like the real ones with
// fields of the wrong type, error bodies that echo the secrets we sent — through a scripted HttpClient, so the real
// decoding code runs. Property: a value of the documented shape or one of the documented typed errors; never a defect,
// an interruption or a hang; no secret we sent ever appears in an error message.
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import fc from "fast-check"
import * as OAuthClient from "../src/OAuthClient.ts"
import * as ProviderProfile from "../src/ProviderProfile.ts"

interface Scripted {
  readonly status: number
  readonly body: string
}

const profile = ProviderProfile.make({ issuer: "https://issuer.test", requestTimeout: Duration.seconds(5) })

// The fetch Response refuses a body with these statuses (a real server would send none).
const nullBodyStatuses = new Set([204, 205, 304])

/** An HttpClient that answers every request with the scripted status and body. */
const scriptedClient = (answer: Scripted) =>
  HttpClient.make((request) =>
    Effect.sync(() =>
      HttpClientResponse.fromWeb(
        request,
        new Response(nullBodyStatuses.has(answer.status) ? null : answer.body, {
          status: answer.status,
          headers: { "content-type": "application/json" }
        })
      )
    )
  )

const run = <A, E>(
  answer: Scripted,
  use: (client: OAuthClient.OAuthClient.Service) => Effect.Effect<A, E>
): Promise<Exit.Exit<A, E>> =>
  Effect.runPromiseExit(
    Effect.flatMap(OAuthClient.make, use).pipe(
      Effect.provide(Layer.merge(
        Layer.succeed(HttpClient.HttpClient, scriptedClient(answer)),
        ProviderProfile.layer(profile)
      )),
      // A hang would be a bug: the scripted transport answers at once.
      Effect.timeoutFail({ duration: Duration.seconds(5), onTimeout: () => "hang" as const })
    ) as Effect.Effect<A, E>
  )

// Secrets long and random enough that they cannot occur by chance in an error message.
const secret = fc.stringMatching(/^[A-Za-z0-9_-]{24,48}$/)

const status = fc.oneof(
  fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503),
  fc.integer({ min: 200, max: 599 })
)

const jsonValue = fc.jsonValue({ maxDepth: 3 })
const stringOrJunk = (extra: fc.Arbitrary<unknown>) =>
  fc.oneof(fc.string(), extra, jsonValue, fc.constant(null), fc.constant(undefined))

/** Bodies: random text, arbitrary JSON, and the real shapes with fields of any type (or missing). */
const bodyFor = (secrets: ReadonlyArray<string>): fc.Arbitrary<string> => {
  const echoed = fc.constantFrom(...secrets)
  const tokenish = stringOrJunk(fc.oneof(echoed, fc.string({ minLength: 1 })))
  return fc.oneof(
    fc.string({ maxLength: 200 }),
    jsonValue.map((value) => JSON.stringify(value)),
    fc.record({
      id_token: tokenish,
      access_token: tokenish,
      refresh_token: tokenish,
      device_auth_id: tokenish,
      user_code: tokenish,
      usercode: tokenish,
      interval: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constantFrom("0", " 5 ", "-1", "NaN", "1e9")),
      authorization_code: tokenish,
      code_challenge: tokenish,
      code_verifier: tokenish
    }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
    fc.record({
      error: fc.oneof(
        fc.string(),
        echoed,
        fc.constantFrom("refresh_token_expired", "REFRESH_TOKEN_REUSED", "refresh_token_invalidated", "slow_down"),
        fc.record({ code: stringOrJunk(echoed), message: stringOrJunk(echoed) }, { requiredKeys: [] })
      ),
      error_description: stringOrJunk(echoed.map((s) => `token ${s} was rejected`)),
      code: stringOrJunk(echoed)
    }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
    // Not JSON at all, but quoting a secret (a proxy's error page, say).
    echoed.map((s) => `<html>upstream error for ${s}</html>`)
  )
}

const scenario = fc.tuple(secret, secret, secret).chain(([first, second, third]) =>
  fc.record({
    secrets: fc.constant([first, second, third] as const),
    answer: fc.record({ status, body: bodyFor([first, second, third]) })
  })
)

/** The exit is a success, or a failure made of exactly one expected typed error whose message leaks nothing. */
const checkExit = <A>(
  exit: Exit.Exit<A, unknown>,
  allowed: ReadonlyArray<string>,
  secrets: ReadonlyArray<string>
): Option.Option<A> => {
  if (Exit.isSuccess(exit)) return Option.some(exit.value)
  const failures = Array.from(Cause.failures(exit.cause))
  assert.isFalse(Cause.isDie(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
  assert.isFalse(Cause.isInterrupted(exit.cause), "interrupted")
  assert.strictEqual(failures.length, 1, Cause.pretty(exit.cause))
  const error = failures[0] as { readonly _tag?: unknown; readonly message?: unknown }
  assert.include(allowed, error._tag, `unexpected error ${String(error._tag)}`)
  assert.isString(error.message)
  assert.isAbove((error.message as string).length, 0)
  const rendered = `${error.message as string} ${JSON.stringify(error)} ${String(error)}`
  for (const s of secrets) assert.notInclude(rendered, s, "a secret we sent appears in the error")
  return Option.none()
}

const isOk = (status: number) => status >= 200 && status < 300
// FUZZ_RUNS raises the budget for a longer hunt (e.g. FUZZ_RUNS=5000).
const numRuns = Number(process.env["FUZZ_RUNS"] ?? 150)

describe("OAuthClient response fuzzing", { timeout: 120_000 }, () => {
  it("exchangeCode: three tokens or TokenEndpointError / MalformedResponse", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ answer, secrets: [code, verifier] }) => {
        const exit = await run(answer, (client) =>
          client.exchangeCode({
            code: Redacted.make(code),
            codeVerifier: Redacted.make(verifier),
            redirectUri: "http://127.0.0.1:1455/auth/callback"
          }))
        const value = checkExit(exit, ["TokenEndpointError", "MalformedResponse"], [code, verifier])
        if (Option.isSome(value)) {
          assert.isTrue(isOk(answer.status))
          const parsed = JSON.parse(answer.body)
          assert.strictEqual(Redacted.value(value.value.idToken), parsed.id_token)
          assert.strictEqual(Redacted.value(value.value.accessToken), parsed.access_token)
          assert.strictEqual(Redacted.value(value.value.refreshToken), parsed.refresh_token)
        } else if (Exit.isFailure(exit)) {
          const error = Option.getOrThrow(Cause.failureOption(exit.cause))
          assert.strictEqual(error._tag === "TokenEndpointError", !isOk(answer.status))
        }
      }),
      { numRuns }
    )
  })

  it("exchangeApiKey: the key or a typed error, the id token never in a message", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ answer, secrets: [idToken] }) => {
        const exit = await run(answer, (client) => client.exchangeApiKey(Redacted.make(idToken)))
        const value = checkExit(exit, ["TokenEndpointError", "MalformedResponse"], [idToken])
        if (Option.isSome(value)) assert.strictEqual(Redacted.value(value.value), JSON.parse(answer.body).access_token)
      }),
      { numRuns }
    )
  })

  it("refresh: merge-ready options, or permanent / transient / malformed — classified as §5 says", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ answer, secrets: [refreshToken] }) => {
        const exit = await run(answer, (client) => client.refresh(Redacted.make(refreshToken)))
        const value = checkExit(
          exit,
          ["RefreshTokenRejected", "RefreshTransientError", "MalformedResponse"],
          [refreshToken]
        )
        if (Option.isSome(value)) {
          assert.isTrue(isOk(answer.status))
          const parsed = JSON.parse(answer.body)
          for (
            const [field, option] of [
              ["id_token", value.value.idToken],
              ["access_token", value.value.accessToken],
              ["refresh_token", value.value.refreshToken]
            ] as const
          ) {
            const raw = parsed[field]
            assert.deepStrictEqual(
              Option.map(option, Redacted.value),
              raw === undefined || raw === null ? Option.none() : Option.some(raw)
            )
          }
        } else if (Exit.isFailure(exit)) {
          const error = Option.getOrThrow(Cause.failureOption(exit.cause))
          // Permanent only for 401 or 400 (with a known code); 2xx bodies that do not decode are malformed.
          if (error._tag === "RefreshTokenRejected") assert.include([400, 401], answer.status)
          if (answer.status === 401) assert.strictEqual(error._tag, "RefreshTokenRejected")
          if (error._tag === "MalformedResponse") assert.isTrue(isOk(answer.status))
        }
      }),
      { numRuns }
    )
  })

  it("revoke: void on 2xx, RevokeFailed otherwise, the token never in a message", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.boolean(), async ({ answer, secrets: [token] }, refresh) => {
        const input = refresh ? { refreshToken: Redacted.make(token) } : { accessToken: Redacted.make(token) }
        const exit = await run(answer, (client) => client.revoke(input))
        checkExit(exit, ["RevokeFailed"], [token])
        assert.strictEqual(Exit.isSuccess(exit), isOk(answer.status))
      }),
      { numRuns }
    )
  })

  it("requestDeviceCode: a code with a finite non-negative interval, or a typed error", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ answer }) => {
        const exit = await run(answer, (client) => client.requestDeviceCode())
        const value = checkExit(
          exit,
          ["DeviceCodeNotEnabled", "DeviceCodeRequestFailed", "MalformedResponse"],
          []
        )
        if (Option.isSome(value)) {
          assert.isTrue(isOk(answer.status))
          const millis = Duration.toMillis(value.value.interval)
          assert.isTrue(Number.isFinite(millis) && millis >= 0, `interval ${millis}`)
          assert.isString(value.value.userCode)
        }
        if (answer.status === 404) assert.isTrue(Exit.isFailure(exit))
      }),
      { numRuns }
    )
  })

  it("pollDeviceCode: pending / slow-down / authorized, or a typed error, the device auth id never leaked", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ answer, secrets: [deviceAuthId] }) => {
        const code: OAuthClient.DeviceCode = {
          deviceAuthId: Redacted.make(deviceAuthId),
          userCode: "ABCD-EFGH",
          interval: Duration.seconds(5),
          verificationUrl: `${profile.issuer}/codex/device`
        }
        const exit = await run(answer, (client) => client.pollDeviceCode(code))
        const value = checkExit(exit, ["DeviceCodePollFailed", "MalformedResponse"], [deviceAuthId])
        if (Option.isSome(value)) {
          assert.include(["Pending", "SlowDown", "Authorized"], value.value._tag)
          if (value.value._tag === "Authorized") assert.isTrue(isOk(answer.status))
          if (answer.status === 429) assert.strictEqual(value.value._tag, "SlowDown")
        }
      }),
      { numRuns }
    )
  })
})
