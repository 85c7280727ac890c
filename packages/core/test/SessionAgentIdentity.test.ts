// The session over an access-token (Agent Identity) login, `codex login --with-access-token`'s
// `{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"<JWT>"}`: status shows the token's claims
// (never the token); getToken / getHeaders / getCredentials / refresh / recoverUnauthorized refuse with
// BearerTokenUnavailable, as Codex does ("agent identity auth does not expose a bearer token"); §10 applies at load
// as Codex 0.169 applies it (observed with `codex exec`: forced_login_method = "api" logs it out as a ChatGPT login;
// a forced workspace other than its account_id logs it out); a ChatGPT login saved over it drops the token.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { makeTest as stubOAuthClient, OAuthClient } from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import { BearerTokenUnavailable } from "@codex-auth/core/SessionError"
import * as TokenSet from "@codex-auth/core/TokenSet"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Buffer } from "node:buffer"
import { inspect } from "node:util"

const home = "/home/user/.codex"
const authFile = `${home}/auth.json`
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (claims: unknown) => `${b64({ alg: "RS256", kid: "k1" })}.${b64(claims)}.c2lnbmF0dXJl`

const agentPrivateKey = "MC4CAQAwBQYDK2VwBCIEIPRIVATE-KEY-MATERIAL"
const agentToken = (claims: Record<string, unknown> = {}) =>
  jwt({
    iss: "https://chatgpt.com/codex-backend/agent-identity",
    aud: "codex-app-server",
    exp: 1_900_000_000,
    iat: 1_899_990_000,
    agent_runtime_id: "runtime-42",
    agent_private_key: agentPrivateKey,
    account_id: "acct-agent",
    chatgpt_user_id: "user-agent",
    email: "agent@example.com",
    plan_type: "business",
    chatgpt_account_is_fedramp: true,
    ...claims
  })
const agentText = (token: string) =>
  `{\n  "auth_mode": "agentIdentity",\n  "OPENAI_API_KEY": null,\n  "agent_identity": "${token}"\n}`

const oauthCalls: Array<string> = []
const oauthLayer = Layer.succeed(
  OAuthClient,
  stubOAuthClient({
    refresh: () => Effect.sync(() => oauthCalls.push("refresh")).pipe(Effect.zipRight(Effect.die("no refresh"))),
    revoke: () => Effect.sync(() => void oauthCalls.push("revoke"))
  })
)

const harness = (initial: string, options: Session.Options = {}) =>
  Effect.gen(function*() {
    oauthCalls.length = 0
    const files = yield* SecretFile.makeMemory({ directories: [home] })
    yield* Effect.orDie(files.writeAtomic(authFile, initial, { mode: 0o600 }))
    const context = Layer.mergeAll(
      FileCredentialStore.layer.pipe(
        Layer.provideMerge(CodexHome.layer(home)),
        Layer.provide(Layer.succeed(SecretFile.SecretFile, files))
      ),
      oauthLayer,
      ProviderProfile.layer()
    )
    const session = yield* Session.make(options).pipe(Effect.provide(context))
    const text = Effect.map(Effect.orDie(files.read(authFile)), Option.getOrUndefined)
    return { session, text }
  })

const assertNoSecret = (shown: string, token: string) => {
  assert.notInclude(shown, token)
  assert.notInclude(shown, token.split(".")[1]!)
  assert.notInclude(shown, agentPrivateKey)
}

describe("Session: an access-token (Agent Identity) login", () => {
  it.scoped("status shows its mode and claims (email, account, plan, fedramp, exp), never the token", () =>
    Effect.gen(function*() {
      const token = agentToken()
      const h = yield* harness(agentText(token))
      const status = yield* h.session.status
      assert.isTrue(status.loggedIn)
      assert.deepStrictEqual(status.mode, Option.some("agentIdentity"))
      assert.deepStrictEqual(status.email, Option.some("agent@example.com"))
      assert.deepStrictEqual(status.accountId, Option.some("acct-agent"))
      assert.deepStrictEqual(status.plan, Option.some("business"))
      assert.deepStrictEqual(status.fedramp, Option.some(true))
      assert.deepStrictEqual(status.accessTokenExpiresAt, Option.some(1_900_000_000_000))
      assert.isTrue(Option.isNone(status.lastRefresh))
      assert.strictEqual(status.location, authFile)
      assertNoSecret(JSON.stringify(status) + inspect(status, { depth: 10 }), token)
    }))

  it.scoped("status without an email or fedramp claim shows none (a claim of the wrong type too)", () =>
    Effect.gen(function*() {
      const h = yield* harness(agentText(agentToken({ email: null, chatgpt_account_is_fedramp: "yes" })))
      const status = yield* h.session.status
      assert.isTrue(status.loggedIn)
      assert.isTrue(Option.isNone(status.email))
      assert.isTrue(Option.isNone(status.fedramp))
      assert.deepStrictEqual(status.accountId, Option.some("acct-agent"))
    }))

  it.scoped("getToken, getHeaders, getCredentials, refresh and recoverUnauthorized refuse: no bearer", () =>
    Effect.gen(function*() {
      const token = agentToken()
      const text = agentText(token)
      const h = yield* harness(text)
      const operations = [
        h.session.getToken,
        h.session.getHeaders,
        h.session.getCredentials,
        h.session.refresh,
        h.session.recoverUnauthorized
      ] as const
      for (const operation of operations) {
        const error: unknown = yield* Effect.flip(operation as Effect.Effect<unknown, unknown>)
        assert.instanceOf(error, BearerTokenUnavailable)
        const refused = error as BearerTokenUnavailable
        assert.strictEqual(refused.mode, "agentIdentity")
        assert.strictEqual(refused.location, authFile)
        assert.include(refused.message.toLowerCase(), "agent identity auth does not expose a bearer token")
        assert.include(refused.message, "codex-auth login")
        assertNoSecret(refused.message + JSON.stringify(refused), token)
      }
      // Nothing was refreshed, revoked or written.
      assert.deepStrictEqual(oauthCalls, [])
      assert.strictEqual(yield* h.text, text)
    }))

  it.scoped("a session allowed to log in does not replace it: the refusal stands", () =>
    Effect.gen(function*() {
      let logins = 0
      const h = yield* harness(agentText(agentToken()), {
        login: Effect.sync(() => logins++).pipe(Effect.zipRight(Effect.die("must not log in")))
      })
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "BearerTokenUnavailable")
      assert.strictEqual(logins, 0)
    }))

  it.scoped("forced_login_method = api: removed at load as a ChatGPT login, with Codex's message", () =>
    Effect.gen(function*() {
      const h = yield* harness(agentText(agentToken()), { forcedLoginMethod: "api" })
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "LoginMethodRestricted")
      assert.include(error.message, "API key login is required, but ChatGPT is currently being used. Logging out.")
      assert.isUndefined(yield* h.text)
    }))

  it.scoped("forced_login_method = chatgpt keeps it", () =>
    Effect.gen(function*() {
      const text = agentText(agentToken())
      const h = yield* harness(text, { forcedLoginMethod: "chatgpt" })
      assert.strictEqual((yield* Effect.flip(h.session.getToken))._tag, "BearerTokenUnavailable")
      assert.strictEqual(yield* h.text, text)
    }))

  it.scoped("a forced workspace other than its account_id removes it; its own workspace keeps it", () =>
    Effect.gen(function*() {
      const other = yield* harness(agentText(agentToken()), { forcedWorkspaceIds: ["acct-other"] })
      const error = yield* Effect.flip(other.session.getHeaders)
      assert.strictEqual(error._tag, "WorkspaceRestricted")
      if (error._tag === "WorkspaceRestricted") {
        assert.strictEqual(error.found, "acct-agent")
        assert.isTrue(error.removed)
      }
      assert.isUndefined(yield* other.text)

      const text = agentText(agentToken())
      const own = yield* harness(text, { forcedWorkspaceIds: ["acct-other", "acct-agent"] })
      assert.strictEqual((yield* Effect.flip(own.session.getHeaders))._tag, "BearerTokenUnavailable")
      assert.strictEqual(yield* own.text, text)
    }))

  it.scoped("logout removes it without calling the issuer", () =>
    Effect.gen(function*() {
      const h = yield* harness(agentText(agentToken()))
      const result = yield* h.session.logout
      assert.deepStrictEqual(result, { removed: true, revoke: "skipped" })
      assert.deepStrictEqual(oauthCalls, [])
      assert.isUndefined(yield* h.text)
      assert.isFalse((yield* h.session.status).loggedIn)
    }))

  it.scoped("a ChatGPT login saved over it replaces it outright: no agent_identity is left in the file", () =>
    Effect.gen(function*() {
      const token = agentToken()
      const h = yield* harness(agentText(token))
      const idToken = jwt({ email: "user@example.com", "https://api.openai.com/auth": { chatgpt_account_id: "a1" } })
      const accessToken = jwt({ exp: 1_900_000_000, "https://api.openai.com/auth": { chatgpt_account_id: "a1" } })
      const tokenSet = Either.getOrThrow(
        TokenSet.fromTokenResponseEither(
          {
            idToken: Redacted.make(idToken),
            accessToken: Redacted.make(accessToken),
            refreshToken: Redacted.make("rt-1")
          },
          0
        )
      )
      yield* h.session.saveLogin({ _tag: "ChatGpt", tokenSet, openaiApiKey: Option.none() })
      const text = (yield* h.text)!
      assert.notInclude(text, "agent_identity")
      assert.notInclude(text, token)
      const document = yield* AuthJson.parse(text, { path: authFile })
      assert.strictEqual(AuthJson.resolvedMode(document), "chatgpt")
      assert.strictEqual(Redacted.value(yield* h.session.getToken), accessToken)
    }))

  it.scoped("saveLogin of an access-token login: Codex's document, the ChatGPT login it replaces not revoked", () =>
    Effect.gen(function*() {
      const chatGpt = JSON.stringify({ tokens: { id_token: jwt({}), access_token: jwt({}), refresh_token: "rt-old" } })
      const h = yield* harness(chatGpt)
      const token = agentToken()
      const saved = yield* h.session.saveLogin({ _tag: "AccessToken", token: Redacted.make(token) })
      assert.strictEqual(saved._tag, "AccessToken")
      assert.strictEqual(yield* h.text, agentText(token))
      // Codex does not revoke what an access-token login replaces; and the session now serves no bearer.
      assert.deepStrictEqual(oauthCalls, [])
      assert.strictEqual((yield* Effect.flip(h.session.getToken))._tag, "BearerTokenUnavailable")
      assert.strictEqual(Option.getOrUndefined((yield* h.session.status).accountId), "acct-agent")
    }))

  it.scoped("saveLogin of an access-token login: the session's §10 policy refuses it before anything is saved", () =>
    Effect.gen(function*() {
      const before = agentText(agentToken({ account_id: "acct-before" }))
      const method = yield* harness(before, { forcedLoginMethod: "api" })
      const refused = yield* Effect.flip(
        method.session.saveLogin({ _tag: "AccessToken", token: Redacted.make(agentToken()) })
      )
      assert.strictEqual(refused._tag, "LoginMethodRestricted")
      assert.strictEqual(yield* method.text, before)

      const workspace = yield* harness(before, { forcedWorkspaceIds: ["acct-other"] })
      const other = yield* Effect.flip(
        workspace.session.saveLogin({ _tag: "AccessToken", token: Redacted.make(agentToken()) })
      )
      assert.strictEqual(other._tag, "WorkspaceRestricted")
      if (other._tag === "WorkspaceRestricted") assert.strictEqual(other.found, "acct-agent")
      assert.strictEqual(yield* workspace.text, before)
    }))
})
