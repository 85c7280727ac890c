// Access-token (Agent Identity) login against the emulator served on a real 127.0.0.1 port: the checks Codex 0.169
// makes (kid, JWKS, RS256, iss, aud, exp with 60 s leeway, claim types), the document it writes, task registration
// (Ed25519 over `{runtime}:{timestamp}`), and the emulator's own endpoints. Time is the TestClock's.
import * as AccessTokenAuth from "@codex-auth/accounts/AccessTokenAuth"
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as MemoryCredentialStore from "@codex-auth/core/MemoryCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulator } from "@codex-auth/emulator/node"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"

const requestOptions = { originator: "codex_cli_rs", userAgent: "codex_cli_rs/0.169.0 (test)" }
const b64url = (text: string) => Buffer.from(text).toString("base64url")
const unsigned = (payload: unknown, header: unknown = { alg: "RS256", typ: "JWT", kid: "k" }) =>
  Redacted.make(`${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.c2ln`)

// The engine's OAuth client with Codex's headers (the profile's), over a real HTTP client.
const oauthLayer = OAuthClient.layer.pipe(
  Layer.provideMerge(Layer.merge(FetchHttpClient.layer, ProviderProfile.layer(ProviderProfile.make(requestOptions))))
)

const withStore = <A, E>(
  body: Effect.Effect<A, E, CredentialStore | OAuthClient.OAuthClient | Session.Session>
) =>
  Effect.provide(
    body,
    Layer.provideMerge(Session.layer(), Layer.merge(MemoryCredentialStore.layer(), oauthLayer))
  )

const setup = Effect.gen(function*() {
  const started = yield* startEmulator({})
  const jwksUrl = AccessTokenAuth.jwksUrl(`${started.url}${Emulator.agentIdentityJwksBasePath}`)
  const authApiBaseUrl = `${started.url}${Emulator.agentIdentityAuthApiBasePath}`
  const mint = (request: Emulator.AgentIdentityMintRequest = {}) =>
    Effect.map(started.emulator.mintAgentIdentity(request), (minted) => ({
      ...minted,
      token: Redacted.make(minted.access_token)
    }))
  return { ...started, jwksUrl, authApiBaseUrl, mint }
})

const expectInvalid = <A, R>(effect: Effect.Effect<A, unknown, R>, reason: RegExp) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(effect)
    assert.strictEqual((error as { _tag: string })._tag, "AccessTokenInvalid")
    assert.match((error as { reason: string }).reason, reason)
    return error as AccessTokenAuth.AccessTokenInvalid
  })

describe("AccessTokenAuth.parseInput", () => {
  it("trims like Codex, refuses empty input and personal access tokens", () => {
    const token = Either.getOrThrow(AccessTokenAuth.parseInput("  a.b.c \n\n"))
    assert.strictEqual(Redacted.value(token), "a.b.c")
    assert.strictEqual(
      Either.flip(AccessTokenAuth.parseInput(" \n")).pipe(Either.getOrThrow)._tag,
      "AccessTokenMissing"
    )
    const pat = Either.flip(AccessTokenAuth.parseInput("at-123\n")).pipe(Either.getOrThrow)
    assert.strictEqual(pat._tag, "PersonalAccessTokenUnsupported")
    assert.notInclude(pat.message, "at-123")
  })
})

describe("AccessTokenAuth.decode", () => {
  const claims = {
    iss: AccessTokenAuth.issuer,
    aud: AccessTokenAuth.audience,
    exp: 2000,
    iat: 1000,
    agent_runtime_id: "rt",
    agent_private_key: "secret-key-material",
    account_id: "acct",
    chatgpt_user_id: "user",
    plan_type: "pro",
    chatgpt_account_is_fedramp: false
  }

  it("accepts the 10 required claims, email optional, unknown claims ignored", () => {
    const decoded = Either.getOrThrow(AccessTokenAuth.decode(unsigned({ ...claims, zzz: 1 })))
    assert.strictEqual(decoded.claims.agentRuntimeId, "rt")
    assert.isTrue(Option.isNone(decoded.claims.email))
    assert.deepStrictEqual(decoded.keyId, Option.some("k"))
    assert.strictEqual(Redacted.value(decoded.claims.agentPrivateKey), "secret-key-material")
  })

  for (
    const [name, patch] of [
      ["a missing claim", { account_id: undefined }],
      ["aud as an array (Codex wants a string)", { aud: [AccessTokenAuth.audience] }],
      ["a fractional exp (Codex wants u64)", { exp: 2000.5 }],
      ["a string fedramp flag", { chatgpt_account_is_fedramp: "false" }]
    ] as const
  ) {
    it(`refuses ${name}, naming the claim but never a value`, () => {
      const error = Either.flip(AccessTokenAuth.decode(unsigned({ ...claims, ...patch }))).pipe(Either.getOrThrow)
      assert.strictEqual(error._tag, "AccessTokenInvalid")
      assert.match(error.message, /claim "/)
      assert.notInclude(error.message, "secret-key-material")
    })
  }

  it("refuses what is not a JWT", () => {
    const error = Either.flip(AccessTokenAuth.decode(Redacted.make("hello"))).pipe(Either.getOrThrow)
    assert.match(error.reason, /not a JWT/)
  })
})

describe("AccessTokenAuth against the emulator", () => {
  it.scoped("verify accepts a minted token and checks kid, key, issuer, audience and exp (60 s leeway)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_800_000_000_000)
      const emulator = yield* setup
      const jwks = yield* AccessTokenAuth.fetchJwks(emulator.jwksUrl).pipe(Effect.provide(oauthLayer))
      assert.strictEqual(jwks.keys.length, 1)
      const now = 1_800_000_000_000
      const good = yield* emulator.mint({ expiresInSeconds: 600 })
      const verified = yield* AccessTokenAuth.verify(good.token, jwks, now)
      assert.strictEqual(verified.claims.agentRuntimeId, good.agent_runtime_id)
      assert.strictEqual(verified.claims.accountId, good.account_id)
      assert.deepStrictEqual(verified.claims.email, Option.some("user@example.com"))

      yield* expectInvalid(AccessTokenAuth.verify((yield* emulator.mint({ kid: "other" })).token, jwks, now), /key id/)
      yield* expectInvalid(
        AccessTokenAuth.verify((yield* emulator.mint({ forgeSignature: true })).token, jwks, now),
        /signature/
      )
      yield* expectInvalid(
        AccessTokenAuth.verify((yield* emulator.mint({ issuer: "https://chatgpt.com" })).token, jwks, now),
        /issuer/
      )
      yield* expectInvalid(
        AccessTokenAuth.verify((yield* emulator.mint({ audience: "codex" })).token, jwks, now),
        /audience/
      )
      // Expired 30 s ago: still inside the leeway, as in Codex; 120 s ago: refused.
      yield* AccessTokenAuth.verify((yield* emulator.mint({ expiresInSeconds: -30 })).token, jwks, now)
      yield* expectInvalid(
        AccessTokenAuth.verify((yield* emulator.mint({ expiresInSeconds: -120 })).token, jwks, now),
        /expired/
      )
      const noKid = unsigned({}, { alg: "RS256" })
      yield* expectInvalid(AccessTokenAuth.verify(noKid, jwks, now), /claims/)
    }))

  it.scoped("login fetches the JWKS with Codex's headers, saves Codex's document, and round-trips it", () =>
    Effect.gen(function*() {
      const emulator = yield* setup
      const minted = yield* emulator.mint()
      yield* emulator.emulator.clearRequests
      const result = yield* withStore(Effect.gen(function*() {
        const result = yield* AccessTokenAuth.login(minted.token, { jwksUrl: emulator.jwksUrl })
        const stored = yield* (yield* CredentialStore).load
        return { result, stored }
      }))
      const requests = yield* emulator.emulator.requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path}`), [
        `GET ${Emulator.agentIdentityJwksBasePath}/agent-identities/jwks`
      ])
      assert.strictEqual(requests[0]!.originator, "codex_cli_rs")
      assert.strictEqual(requests[0]!.userAgent, requestOptions.userAgent)
      const text = AuthJson.stringify(result.result.document)
      assert.strictEqual(
        text,
        `{\n  "auth_mode": "agentIdentity",\n  "OPENAI_API_KEY": null,\n  "agent_identity": "${minted.access_token}"\n}`
      )
      assert.isTrue(Option.isSome(result.stored))
      const stored = Option.getOrThrow(result.stored)
      assert.strictEqual(AuthJson.stringify(stored), text)
      assert.strictEqual(Redacted.value(Option.getOrThrow(AccessTokenAuth.fromDocument(stored))), minted.access_token)
      assert.strictEqual(
        Option.getOrThrow(AccessTokenAuth.storedClaims(stored)).agentRuntimeId,
        minted.agent_runtime_id
      )
      // A file Codex wrote reads back the same way, byte for byte.
      const reread = yield* AuthJson.parse(text, { path: "auth.json" })
      assert.strictEqual(AuthJson.stringify(reread), text)
      assert.isTrue(AccessTokenAuth.isAccessTokenLogin(reread))
    }))

  it.scoped("login saves nothing when verification fails, the JWKS is unreachable, or a restriction refuses", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_800_000_000_000)
      const emulator = yield* setup
      const expired = yield* emulator.mint({ expiresInSeconds: -3600 })
      const good = yield* emulator.mint()
      const outcome = yield* withStore(Effect.gen(function*() {
        const store = yield* CredentialStore
        const errors = [
          yield* Effect.flip(AccessTokenAuth.login(expired.token, { jwksUrl: emulator.jwksUrl })),
          yield* Effect.flip(
            AccessTokenAuth.login(good.token, { jwksUrl: `${emulator.url}/nowhere/jwks` })
          ),
          yield* Effect.flip(
            AccessTokenAuth.login(good.token, {
              jwksUrl: emulator.jwksUrl,
              forcedLoginMethod: "api"
            })
          ),
          yield* Effect.flip(
            AccessTokenAuth.login(good.token, {
              jwksUrl: emulator.jwksUrl,
              forcedWorkspaceIds: ["someone-else"]
            })
          )
        ]
        return { errors, stored: yield* store.load }
      }))
      assert.deepStrictEqual(outcome.errors.map((e) => e._tag), [
        "AccessTokenInvalid",
        "AgentIdentityJwksUnavailable",
        "AccessTokenLoginRefused",
        "AccessTokenLoginRefused"
      ])
      assert.match(outcome.errors[1]!.message, /HTTP 404/)
      assert.match(outcome.errors[2]!.message, /Use API key login instead/)
      assert.match(outcome.errors[3]!.message, /restricted to workspace id\(s\) someone-else/)
      for (const error of outcome.errors) assert.notInclude(error.message, good.access_token.slice(-20))
      assert.isTrue(Option.isNone(outcome.stored))
    }))

  it.scoped("registerTask signs `{runtime}:{timestamp}` with the agent key; the emulator checks it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 10, 22, 0, 26, 27, 500))
      const emulator = yield* setup
      const minted = yield* emulator.mint()
      const claims = Either.getOrThrow(AccessTokenAuth.decode(minted.token)).claims
      const body = yield* AccessTokenAuth.signRegistration(claims, Date.UTC(2026, 10, 22, 0, 26, 27, 500))
      assert.strictEqual(body.timestamp, "2026-11-22T00:26:27Z")
      assert.match(body.signature, /^[A-Za-z0-9+/]{86}==$/)
      const taskId = yield* AccessTokenAuth.registerTask(claims, {
        authApiBaseUrl: emulator.authApiBaseUrl
      }).pipe(Effect.provide(oauthLayer))
      assert.match(taskId, /^task_/)
      const last = (yield* emulator.emulator.requests).at(-1)!
      assert.strictEqual(last.path, `/api/accounts/v1/agent/${minted.agent_runtime_id}/task/register`)
      assert.deepStrictEqual(last.bodyKeys, ["timestamp", "signature"])

      // Another agent's key (claims of a second token, runtime id of the first): the emulator refuses it.
      const other = Either.getOrThrow(AccessTokenAuth.decode((yield* emulator.mint()).token)).claims
      const forged = yield* Effect.flip(
        AccessTokenAuth.registerTask({ ...other, agentRuntimeId: claims.agentRuntimeId }, {
          authApiBaseUrl: emulator.authApiBaseUrl
        }).pipe(Effect.provide(oauthLayer))
      )
      assert.strictEqual(forged._tag, "TaskRegistrationFailed")
      assert.match(forged.message, /HTTP 401/)
    }))

  it.effect("mintAgentIdentity signs with the key its JWKS lists and refuses unknown users", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const jwks = yield* emulator.agentIdentityJwks
      const minted = yield* emulator.mintAgentIdentity({ email: "user@example.com" })
      const decoded = Either.getOrThrow(AccessTokenAuth.decode(Redacted.make(minted.access_token)))
      assert.deepStrictEqual(decoded.keyId, Option.some(minted.kid))
      assert.strictEqual((jwks.keys[0] as { kid?: string }).kid, minted.kid)
      const unknownUser = yield* Effect.flip(emulator.mintAgentIdentity({ email: "nobody@example.com" }))
      assert.strictEqual(unknownUser._tag, "EmulatorAdminError")
    }))
})
