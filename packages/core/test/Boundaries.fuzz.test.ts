// Fuzzing of the remaining input boundaries: JWT segments, environment values (CODEX_HOME, the refresh/revoke URL
// overrides, the CA and proxy variables), PEM bundles, and the session end to end — an auth.json of any content and
// any refresh response — with the property the issue asks for: a typed error or a valid result, never a defect or a
// hang, and the stored credentials byte for byte unchanged after any failure.
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import fc from "fast-check"
import * as Path from "node:path"
import * as CodexHome from "../src/CodexHome.ts"
import * as FileCredentialStore from "../src/FileCredentialStore.ts"
import * as HttpClientConfig from "../src/HttpClientConfig.ts"
import * as Jwt from "../src/Jwt.ts"
import * as OAuthClient from "../src/OAuthClient.ts"
import * as ProviderProfile from "../src/ProviderProfile.ts"
import * as SecretFile from "../src/SecretFile.ts"
import * as Session from "../src/Session.ts"
import { base64Url, idTokenClaims, makeJwt } from "./fixtures/jwt.ts"

const numRuns = Number(process.env["FUZZ_RUNS"] ?? 150)

/** A failure must be exactly one typed error with a non-empty message (no defect, no interruption). */
const typedFailure = (exit: Exit.Exit<unknown, unknown>, allowed: ReadonlyArray<string>): { message: string } => {
  assert.isTrue(Exit.isFailure(exit))
  if (Exit.isSuccess(exit)) throw new Error("unreachable")
  assert.isFalse(Cause.isDie(exit.cause), Cause.pretty(exit.cause))
  assert.isFalse(Cause.isInterrupted(exit.cause), "interrupted")
  const failures = Array.from(Cause.failures(exit.cause))
  assert.strictEqual(failures.length, 1, Cause.pretty(exit.cause))
  const error = failures[0] as { readonly _tag: string; readonly message: string }
  assert.include(allowed, error._tag)
  assert.isAbove(error.message.length, 0)
  return error
}

// -----------------------------------------------------------------------------------------------------------------
// JWT segments
// -----------------------------------------------------------------------------------------------------------------

const segment = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => base64Url(JSON.stringify(value))),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => base64Url(bytes)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "=", "eyJ", "e30", "bnVsbA", "W10", "%%%", "e30=", "e30==="),
  fc.record({
    email: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    exp: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
    [Jwt.authClaim]: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({
        chatgpt_account_id: fc.oneof(fc.string(), fc.integer()),
        chatgpt_plan_type: fc.oneof(fc.constantFrom(...Jwt.knownPlans), fc.string(), fc.integer()),
        is_org_owner: fc.oneof(fc.boolean(), fc.string()),
        completed_platform_onboarding: fc.oneof(fc.boolean(), fc.constant(1))
      }, { requiredKeys: [] })
    ),
    [Jwt.profileClaim]: fc.jsonValue({ maxDepth: 2 })
  }, { requiredKeys: [] }).map((claims) => base64Url(JSON.stringify(claims)))
)

const token = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(".")),
  fc.string({ maxLength: 200 })
)

const isOptionOf = (option: Option.Option<unknown>, type: string) =>
  Option.match(option, { onNone: () => true, onSome: (value) => typeof value === type })

describe("Jwt fuzzing", () => {
  it("any token: claims of the documented types, or JwtMalformed that quotes no token text", () => {
    fc.assert(
      fc.property(token, (text) => {
        const result = Jwt.decodeClaimsEither(text, "access token")
        const viaRedacted = Jwt.decodeIdTokenEither(Redacted.make(text))
        assert.strictEqual(Either.isRight(result), Either.isRight(viaRedacted))
        if (Either.isLeft(result)) {
          assert.instanceOf(result.left, Jwt.JwtMalformed)
          // Only look for token text that could not occur in the fixed wording by chance.
          for (const part of text.split(".")) {
            if (part.length >= 12) assert.notInclude(result.left.message, part)
          }
          return
        }
        const claims = result.right
        for (const key of ["email", "chatgptAccountId", "chatgptUserId", "organizationId", "projectId"] as const) {
          assert.isTrue(isOptionOf(claims[key], "string"), key)
        }
        for (const key of ["completedPlatformOnboarding", "isOrgOwner", "chatgptAccountIsFedramp"] as const) {
          assert.isTrue(isOptionOf(claims[key], "boolean"), key)
        }
        assert.isTrue(Option.match(claims.exp, { onNone: () => true, onSome: Number.isFinite }))
        Option.map(claims.chatgptPlanType, (plan) => assert.include([...Jwt.knownPlans, "unknown"], plan.plan))
      }),
      { numRuns: numRuns * 4 }
    )
  })
})

// -----------------------------------------------------------------------------------------------------------------
// environment values
// -----------------------------------------------------------------------------------------------------------------

const envValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom("", " ", "\t\n", "http://127.0.0.1:1/oauth/token", " https://x.test/ ", "\u0000", "..", "/"),
  fc.webUrl()
)

const withEnv = <A, E, R>(env: Record<string, string>, effect: Effect.Effect<A, E, R>) =>
  Effect.withConfigProvider(effect, ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("environment fuzzing", () => {
  it("CODEX_REFRESH/REVOKE_TOKEN_URL_OVERRIDE: a profile whose URLs are the trimmed value, or the default", () => {
    fc.assert(
      fc.property(
        fc.option(envValue, { nil: undefined }),
        fc.option(envValue, { nil: undefined }),
        (refresh, revoke) => {
          const env: Record<string, string> = {}
          if (refresh !== undefined) env["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = refresh
          if (revoke !== undefined) env["CODEX_REVOKE_TOKEN_URL_OVERRIDE"] = revoke
          const exit = Effect.runSyncExit(withEnv(env, ProviderProfile.config({ issuer: "https://issuer.test/" })))
          assert.isTrue(Exit.isSuccess(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
          if (Exit.isFailure(exit)) return
          const expectUrl = (value: string | undefined, fallback: string) =>
            value === undefined || value.trim() === "" ? fallback : value.trim()
          assert.strictEqual(exit.value.refreshTokenUrl, expectUrl(refresh, "https://issuer.test/oauth/token"))
          assert.strictEqual(exit.value.revokeTokenUrl, expectUrl(revoke, "https://issuer.test/oauth/revoke"))
          assert.strictEqual(exit.value.tokenUrl, "https://issuer.test/oauth/token")
        }
      ),
      { numRuns: numRuns * 2 }
    )
  })

  const isHttpUrl = (value: string) => {
    try {
      const url = new URL(value)
      return url.protocol === "http:" || url.protocol === "https:"
    } catch {
      return false
    }
  }
  const proxyValue = fc.constantFrom(
    "http://proxy.example:3128",
    " https://u:p@127.0.0.1:9 ",
    "socks5://x:1",
    "garbage"
  )

  it("CA and proxy variables: CODEX_CA_CERTIFICATE wins when non-blank, blanks are unset, values trimmed", () => {
    const names = ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.oneof(envValue, proxyValue)), (env) => {
        const exit = Effect.runSyncExit(withEnv(env, HttpClientConfig.config))
        const set = (name: string) => {
          const value = env[name]
          return value === undefined || value.trim() === "" ? undefined : value.trim()
        }
        // A proxy that is not an http(s) URL is refused, naming the variable and never echoing its value.
        const badProxy = ["HTTPS_PROXY", "https_proxy"].find((name) => {
          const value = set(name)
          return value !== undefined && !isHttpUrl(value)
        })
        if (badProxy !== undefined) {
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isSuccess(exit)) return
          const text = String(Cause.squash(exit.cause))
          assert.match(text, /(HTTPS_PROXY|https_proxy) is not a proxy URL/)
          if (set(badProxy)!.length >= 4) assert.notInclude(text.replace(/https?_proxy/gi, ""), set(badProxy)!)
          return
        }
        assert.isTrue(Exit.isSuccess(exit))
        if (Exit.isFailure(exit)) return
        const expectedCa = set("CODEX_CA_CERTIFICATE") !== undefined
          ? { variable: "CODEX_CA_CERTIFICATE", path: set("CODEX_CA_CERTIFICATE") }
          : set("SSL_CERT_FILE") !== undefined
          ? { variable: "SSL_CERT_FILE", path: set("SSL_CERT_FILE") }
          : undefined
        assert.deepStrictEqual(Option.getOrUndefined(exit.value.caBundle), expectedCa)
        assert.strictEqual(
          Option.getOrUndefined(exit.value.httpsProxy),
          set("HTTPS_PROXY") ?? set("https_proxy")
        )
        assert.strictEqual(Option.getOrUndefined(exit.value.noProxy), set("NO_PROXY") ?? set("no_proxy"))
      }),
      { numRuns: numRuns * 2 }
    )
  })

  it("PEM bundles: certificates or a reason that quotes nothing from the file", () => {
    const pemish = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(
        fc.constantFrom("CERTIFICATE", "PRIVATE KEY", "X509 CRL", "CERTIFICATE "),
        fc.oneof(fc.base64String({ maxLength: 200 }), fc.string({ maxLength: 100 }), fc.constant("MIIB")),
        fc.constantFrom("CERTIFICATE", "PRIVATE KEY")
      ).map(([begin, body, end]) => `-----BEGIN ${begin}-----\n${body}\n-----END ${end}-----\n`)
    )
    fc.assert(
      fc.property(fc.array(pemish, { maxLength: 4 }).map((parts) => parts.join("")), (text) => {
        const result = HttpClientConfig.parsePemBundle(text)
        if (Either.isRight(result)) {
          assert.isAbove(result.right.length, 0)
          for (const pem of result.right) {
            assert.match(pem, /^-----BEGIN CERTIFICATE-----\nM[\s\S]*-----END CERTIFICATE-----\n$/)
          }
        } else {
          assert.isString(result.left)
          assert.notInclude(result.left, "-----")
        }
      }),
      { numRuns: numRuns * 2 }
    )
  })

  it("CODEX_HOME: a CodexHome when it names a directory, CodexHomeNotFound otherwise, never a defect", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(envValue, fc.constantFrom("/home/u/work", "/home/u/file", "/home/u/missing")), {
          nil: undefined
        }),
        async (value) => {
          const program = Effect.gen(function*() {
            const files = yield* SecretFile.makeMemory({ directories: ["/home/u", "/home/u/work"] })
            yield* files.writeAtomic("/home/u/file", "x", { mode: 0o600 })
            return yield* Effect.provideService(
              CodexHome.resolve({ codexHomeVariable: Option.fromNullable(value), homeDirectory: "/home/u" }),
              SecretFile.SecretFile,
              files
            )
          })
          const exit = await Effect.runPromiseExit(program)
          if (Exit.isSuccess(exit)) {
            assert.strictEqual(exit.value.authFile, Path.join(exit.value.path, "auth.json"))
            if (value === undefined || value.trim() === "") assert.strictEqual(exit.value.path, "/home/u/.codex")
            return
          }
          typedFailure(exit, ["CodexHomeNotFound", "SecretFileError"])
          assert.isTrue(value !== undefined && value.trim() !== "", "an unset CODEX_HOME never fails")
        }
      ),
      { numRuns: numRuns * 2 }
    )
  })
})

// -----------------------------------------------------------------------------------------------------------------
// the session: auth.json contents × refresh responses
// -----------------------------------------------------------------------------------------------------------------

const home = "/codex"
const authFile = `${home}/auth.json`
const issuer = "https://issuer.test"

const nowSeconds = () => Math.floor(Date.now() / 1000)

const jwtFor = (exp: number, auth: Record<string, unknown> = {}) =>
  makeJwt(idTokenClaims({ exp }, { chatgpt_account_id: "acct-1111", ...auth }))

const authText = (tokens: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: jwtFor(nowSeconds() + 3600),
        access_token: jwtFor(nowSeconds() - 60),
        refresh_token: "rt_original_0123456789abcdef",
        oauth_provenance: { issuer, client_id: ProviderProfile.defaultClientId },
        account_id: "acct-1111",
        ...tokens
      },
      last_refresh: "2026-11-21T22:18:32.564613152Z",
      ...extra
    },
    null,
    2
  )

/** auth.json texts: valid and expired (a refresh is due), fresh, and every way of being damaged. */
const authFileText = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null).map(() => authText({})) },
  fc.constant(null).map(() => authText({ access_token: jwtFor(nowSeconds() + 3600) })),
  fc.record({
    id_token: fc.oneof(token, fc.constant(null), fc.integer()),
    access_token: fc.oneof(token, fc.constant(null)),
    refresh_token: fc.oneof(fc.string(), fc.constant(null), fc.integer())
  }, { requiredKeys: [] }).map((tokens) => authText(tokens)),
  fc.record({
    auth_mode: fc.oneof(fc.constantFrom("chatgpt", "apikey", "chatgptAuthTokens"), fc.string()),
    OPENAI_API_KEY: fc.oneof(fc.string(), fc.constant(null)),
    last_refresh: fc.oneof(fc.string(), fc.constant(null))
  }, { requiredKeys: [] }).map((extra) => authText({}, extra)),
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.constant(null).map(() => authText({}).slice(0, 100))
)

const refreshAnswer = fc.record({
  status: fc.oneof(fc.constantFrom(200, 200, 200, 400, 401, 500, 503), fc.integer({ min: 200, max: 599 })),
  body: fc.oneof(
    fc.record({
      id_token: fc.oneof(fc.constant(null).map(() => jwtFor(nowSeconds() + 3600)), token, fc.constant(null)),
      access_token: fc.oneof(
        fc.constant(null).map(() => jwtFor(nowSeconds() + 3600)),
        fc.constant(null).map(() => jwtFor(nowSeconds() + 3600, { chatgpt_account_id: "acct-other" })),
        token,
        fc.integer()
      ),
      refresh_token: fc.oneof(fc.constant("rt_rotated_abcdefghijklmnop"), fc.string(), fc.constant(null))
    }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
    fc.constantFrom(
      `{"error":"refresh_token_expired"}`,
      `{"error":"refresh_token_reused"}`,
      `{"error":{"code":"refresh_token_invalidated"}}`
    ),
    fc.string({ maxLength: 100 }),
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value))
  )
})

const nullBodyStatuses = new Set([204, 205, 304])

const sessionRun = (fileText: string, answer: { readonly status: number; readonly body: string }) =>
  Effect.gen(function*() {
    const files = yield* SecretFile.makeMemory({ directories: [home] })
    yield* files.writeAtomic(authFile, fileText, { mode: 0o600 })
    let refreshes = 0
    const http = HttpClient.make((request) =>
      Effect.sync(() => {
        refreshes++
        return HttpClientResponse.fromWeb(
          request,
          new Response(nullBodyStatuses.has(answer.status) ? null : answer.body, { status: answer.status })
        )
      })
    )
    const profile = ProviderProfile.layer(ProviderProfile.make({ issuer, requestTimeout: Duration.seconds(5) }))
    const filesLayer = Layer.succeed(SecretFile.SecretFile, files)
    const layer = Layer.mergeAll(
      FileCredentialStore.layer.pipe(Layer.provide(CodexHome.layer(home)), Layer.provide(filesLayer)),
      OAuthClient.layer.pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, http)), Layer.provide(profile)),
      profile
    )
    const exit = yield* Effect.scoped(
      Effect.flatMap(Session.make({ refreshRetries: 0 }), (session) => session.getToken).pipe(Effect.provide(layer))
    ).pipe(Effect.exit)
    const after = Option.getOrUndefined(yield* files.read(authFile))
    return { exit, after, refreshes }
  }).pipe(Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => "hang" as const }))

describe("session fuzzing: any auth.json × any refresh response", { timeout: 120_000 }, () => {
  it("a token (and a saved, parseable file) or a typed error with auth.json untouched", async () => {
    let successes = 0
    let failures = 0
    await fc.assert(
      fc.asyncProperty(authFileText, refreshAnswer, async (fileText, answer) => {
        const { after, exit, refreshes } = await Effect.runPromise(sessionRun(fileText, answer))
        assert.isAtMost(refreshes, 1, "one request at most (no retries configured)")
        if (Exit.isSuccess(exit)) {
          successes++
          assert.isDefined(after)
          // What was saved is a valid auth.json that holds the token handed out.
          const saved = JSON.parse(after!)
          const bearer = Redacted.value(exit.value)
          assert.isTrue(saved.tokens?.access_token === bearer || saved.OPENAI_API_KEY === bearer)
          return
        }
        failures++
        const error = typedFailure(exit, [
          "AuthFileInvalid",
          "LoginRequired",
          "AccountChanged",
          "RefreshTokenRejected",
          "RefreshTransientError",
          "MalformedResponse",
          "JwtMalformed",
          "CredentialStoreError",
          "TokenSetInvalid"
        ])
        assert.strictEqual(after, fileText, "the stored credentials are unchanged after a failure")
        assert.notInclude(error.message, "rt_original_0123456789abcdef")
      }),
      { numRuns: numRuns * 2 }
    )
    // Both branches were exercised (a generator that never reaches one of them tests nothing).
    assert.isAbove(successes, 0)
    assert.isAbove(failures, 0)
  })
})
