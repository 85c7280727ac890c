// The session against the file store over the in-memory SecretFile, with a scripted OAuthClient: every §13
// refresh / logout / back-compat scenario, the single-flight guarantee, and the warm path touching nothing.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { makeTest as stubOAuthClient, OAuthClient } from "@codex-auth/core/OAuthClient"
import type * as OAuthClientModule from "@codex-auth/core/OAuthClient"
import { RefreshTokenRejected, RefreshTransientError, RevokeFailed } from "@codex-auth/core/OAuthError"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Headers from "@effect/platform/Headers"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Buffer } from "node:buffer"

const home = "/home/user/.codex"
const authFile = `${home}/auth.json`
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (claims: unknown) => `${b64({ alg: "none" })}.${b64(claims)}.c2ln`

const accessToken = (label: string, expSeconds: number, account = "acct-1") =>
  jwt({
    exp: expSeconds,
    label,
    "https://api.openai.com/auth": { chatgpt_account_id: account, chatgpt_plan_type: "pro" }
  })
const idToken = (account = "acct-1", extra: Record<string, unknown> = {}) =>
  jwt({
    email: "user@example.com",
    "https://api.openai.com/auth": {
      chatgpt_account_id: account,
      chatgpt_user_id: "user-1",
      chatgpt_plan_type: "pro",
      ...extra
    }
  })

// TestClock starts at 0: "expired" is any exp in the past of 1 hour, "fresh" an exp a day away.
const hour = 3600
const expired = 60
const fresh = 24 * hour

const authText = (options: {
  access: string
  refresh: string
  account?: string | null
  id?: string
  lastRefresh?: string
  extra?: string
}) =>
  `{
  "auth_mode": "chatgpt",
  "OPENAI_API_KEY": null,
  "tokens": {
    "id_token": "${options.id ?? idToken(options.account ?? "acct-1")}",
    "access_token": "${options.access}",
    "refresh_token": "${options.refresh}",
    "account_id": ${options.account === null ? "null" : `"${options.account ?? "acct-1"}"`}${options.extra ?? ""}
  },
  "last_refresh": "${options.lastRefresh ?? "1970-01-01T00:00:00Z"}"
}`

interface FakeOAuth {
  readonly refreshCalls: Array<{ readonly refreshToken: string; readonly url: string | undefined }>
  readonly revokeCalls: Array<string>
  refresh: (refreshToken: string, call: number) => Effect.Effect<OAuthClientModule.RefreshResponse, any>
  revoke: () => Effect.Effect<void, RevokeFailed>
}

const rotated = (n: number, account = "acct-1"): OAuthClientModule.RefreshResponse => ({
  idToken: Option.some(Redacted.make(idToken(account))),
  accessToken: Option.some(Redacted.make(accessToken(`new-${n}`, fresh, account))),
  refreshToken: Option.some(Redacted.make(`rt-new-${n}`))
})

const makeFake = (): FakeOAuth => {
  const fake: FakeOAuth = {
    refreshCalls: [],
    revokeCalls: [],
    refresh: (_token, call) => Effect.succeed(rotated(call)),
    revoke: () => Effect.void
  }
  return fake
}

const oauthLayer = (fake: FakeOAuth) =>
  Layer.succeed(
    OAuthClient,
    stubOAuthClient({
      refresh: (refreshToken, options) =>
        Effect.suspend(() => {
          fake.refreshCalls.push({ refreshToken: Redacted.value(refreshToken), url: options?.url })
          return fake.refresh(Redacted.value(refreshToken), fake.refreshCalls.length)
        }),
      revoke: (input) =>
        Effect.suspend(() => {
          fake.revokeCalls.push(Redacted.value("refreshToken" in input ? input.refreshToken : input.accessToken))
          return fake.revoke()
        })
    })
  )

interface Harness {
  readonly files: SecretFile.MemorySecretFile
  readonly fake: FakeOAuth
  readonly session: Session.Session.Service
  readonly write: (text: string) => Effect.Effect<void>
  readonly stored: Effect.Effect<Option.Option<AuthJson.AuthDocument>>
}

const harness = (
  initial: string | undefined,
  options: Session.Options = {},
  configure: (fake: FakeOAuth) => void = () => {}
) =>
  Effect.gen(function*() {
    const files = yield* SecretFile.makeMemory({ directories: [home] })
    if (initial !== undefined) yield* Effect.orDie(files.writeAtomic(authFile, initial, { mode: 0o600 }))
    const fake = makeFake()
    configure(fake)
    const context = Layer.mergeAll(
      FileCredentialStore.layer.pipe(
        Layer.provideMerge(CodexHome.layer(home)),
        Layer.provide(Layer.succeed(SecretFile.SecretFile, files))
      ),
      oauthLayer(fake),
      ProviderProfile.layer()
    )
    const session = yield* Session.make({ refreshRetryDelayMillis: 100, ...options }).pipe(Effect.provide(context))
    const write = (text: string) => Effect.orDie(files.writeAtomic(authFile, text, { mode: 0o600 }))
    const stored = Effect.orDie(
      Effect.flatMap(
        files.read(authFile),
        Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (text) => Effect.asSome(AuthJson.parse(text, { path: authFile }))
        })
      )
    )
    return { files, fake, session, write, stored } satisfies Harness
  })

const storedAccess = (h: Harness) =>
  Effect.map(h.stored, (doc) => Option.map(Option.flatMap(doc, (d) => d.tokens), (t) => Redacted.value(t.accessToken)))

describe("Session: warm path", () => {
  it.scoped("a fresh token is served from memory: no file read, no lock, no request", () =>
    Effect.gen(function*() {
      const access = accessToken("a", fresh)
      const h = yield* harness(authText({ access, refresh: "rt-1" }))
      assert.strictEqual(Redacted.value(yield* h.session.getToken), access)
      const readsAfterFirst = yield* h.files.reads
      for (let i = 0; i < 100; i++) assert.strictEqual(Redacted.value(yield* h.session.getToken), access)
      assert.strictEqual(yield* h.files.reads, readsAfterFirst)
      assert.strictEqual(h.fake.refreshCalls.length, 0)
      assert.strictEqual(yield* h.files.writes, 1) // only the harness's own write
    }))

  it.scoped("a fresh exp with an old last_refresh does not refresh (exp decides)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(30 * 24 * hour * 1000)
      const access = accessToken("a", 31 * 24 * hour)
      const h = yield* harness(authText({ access, refresh: "rt-1", lastRefresh: "1970-01-01T00:00:00Z" }))
      assert.strictEqual(Redacted.value(yield* h.session.getToken), access)
      assert.strictEqual(h.fake.refreshCalls.length, 0)
    }))
})

describe("Session: refresh (§13)", () => {
  it.scoped("an expired exp refreshes once, updates storage and last_refresh, keeps unknown fields", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(
        authText({ access: accessToken("old", expired), refresh: "rt-1", extra: `,\n    "future_field": 7` })
      )
      const token = Redacted.value(yield* h.session.getToken)
      assert.strictEqual(token, accessToken("new-1", fresh))
      assert.deepStrictEqual(h.fake.refreshCalls.map((c) => c.refreshToken), ["rt-1"])
      const doc = Option.getOrThrow(yield* h.stored)
      const tokens = Option.getOrThrow(doc.tokens)
      assert.strictEqual(Redacted.value(tokens.refreshToken), "rt-new-1")
      assert.strictEqual(Redacted.value(tokens.accessToken), token)
      assert.deepStrictEqual(doc.lastRefresh, Option.some("1970-01-01T01:00:00Z"))
      assert.deepStrictEqual(tokens.unknownFields.map(([key]) => key), ["future_field"])
    }))

  it.scoped("10,000 concurrent getToken on an expired token make exactly one refresh request", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const gate = yield* Deferred.make<void>()
      const h = yield* harness(authText({ access: accessToken("old", expired), refresh: "rt-1" }), {}, (fake) => {
        fake.refresh = (_token, call) => Effect.as(Deferred.await(gate), rotated(call))
      })
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 10_000 }, () => h.session.getToken), { concurrency: "unbounded" })
      )
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      const tokens = yield* Fiber.join(fiber)
      assert.strictEqual(h.fake.refreshCalls.length, 1)
      assert.strictEqual(new Set(tokens.map(Redacted.value)).size, 1)
      assert.strictEqual(Redacted.value(tokens[0]!), accessToken("new-1", fresh))
    }))

  it.scoped("skipped when the disk copy changed: tokens another process refreshed are adopted", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(authText({ access: accessToken("old", 2 * hour), refresh: "rt-1" }))
      yield* h.session.getToken
      yield* TestClock.setTime(2 * hour * 1000) // our copy is now within the 5-minute window
      const theirs = accessToken("theirs", fresh)
      yield* h.write(authText({ access: theirs, refresh: "rt-theirs" }))
      assert.strictEqual(Redacted.value(yield* h.session.getToken), theirs)
      assert.strictEqual(h.fake.refreshCalls.length, 0)
    }))

  it.scoped("account mismatch on disk: an error, and no request", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(authText({ access: accessToken("old", 2 * hour), refresh: "rt-1" }))
      yield* h.session.getToken
      yield* TestClock.setTime(2 * hour * 1000)
      yield* h.write(
        authText({ access: accessToken("other", expired, "acct-2"), refresh: "rt-other", account: "acct-2" })
      )
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "AccountChanged")
      assert.strictEqual(h.fake.refreshCalls.length, 0)
    }))

  for (const reason of ["expired", "revoked", "unauthorized"] as const) {
    it.scoped(`permanent failure (${reason}) is not retried and is remembered for that token set`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(hour * 1000)
        const original = authText({ access: accessToken("old", expired), refresh: "rt-1" })
        const h = yield* harness(original, {}, (fake) => {
          fake.refresh = () =>
            Effect.fail(new RefreshTokenRejected({ reason, status: reason === "unauthorized" ? 401 : 400, detail: "" }))
        })
        const first = yield* Effect.flip(h.session.getToken)
        assert.strictEqual(first._tag, "RefreshTokenRejected")
        const second = yield* Effect.flip(h.session.getToken)
        assert.strictEqual(second._tag, "RefreshTokenRejected")
        assert.strictEqual(h.fake.refreshCalls.length, 1)
        // The stored credentials are left as they were.
        assert.strictEqual(Option.getOrThrow(yield* h.files.read(authFile).pipe(Effect.orDie)), original)
      }))
  }

  it.scoped("a new login after a permanent failure is picked up", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(authText({ access: accessToken("old", expired), refresh: "rt-1" }), {}, (fake) => {
        fake.refresh = () => Effect.fail(new RefreshTokenRejected({ reason: "expired", status: 400, detail: "" }))
      })
      yield* Effect.flip(h.session.getToken)
      const relogin = accessToken("relogin", fresh)
      yield* h.write(authText({ access: relogin, refresh: "rt-relogin" }))
      assert.strictEqual(Redacted.value(yield* h.session.getToken), relogin)
      assert.strictEqual(h.fake.refreshCalls.length, 1)
    }))

  it.scoped("a login to another account after a permanent failure is picked up too", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(authText({ access: accessToken("old", expired), refresh: "rt-1" }), {}, (fake) => {
        fake.refresh = () => Effect.fail(new RefreshTokenRejected({ reason: "revoked", status: 400, detail: "" }))
      })
      yield* Effect.flip(h.session.getToken)
      const other = accessToken("other", fresh, "acct-2")
      yield* h.write(authText({ access: other, refresh: "rt-2", account: "acct-2" }))
      assert.strictEqual(Redacted.value(yield* h.session.getToken), other)
    }))

  it.scoped("refresh_token_reused with newer tokens stored for the same account: adopt them", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const winner = accessToken("winner", fresh)
      let write: (text: string) => Effect.Effect<void> = () => Effect.void
      const h = yield* harness(authText({ access: accessToken("old", expired), refresh: "rt-1" }), {}, (fake) => {
        // Another process won the race (it stored its result before our request arrived).
        fake.refresh = () =>
          Effect.zipRight(
            Effect.suspend(() => write(authText({ access: winner, refresh: "rt-winner" }))),
            Effect.fail(new RefreshTokenRejected({ reason: "reused", status: 400, detail: "" }))
          )
      })
      write = h.write
      assert.strictEqual(Redacted.value(yield* h.session.getToken), winner)
      assert.strictEqual(h.fake.refreshCalls.length, 1)
    }))

  it.scoped("refresh_token_reused with nothing newer stored: permanent", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(authText({ access: accessToken("old", expired), refresh: "rt-1" }), {}, (fake) => {
        fake.refresh = () => Effect.fail(new RefreshTokenRejected({ reason: "reused", status: 400, detail: "" }))
      })
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "RefreshTokenRejected")
      assert.include(error.message, "already used")
      yield* Effect.flip(h.session.getToken)
      assert.strictEqual(h.fake.refreshCalls.length, 1)
    }))

  it.scoped("a failure that may have spent the token (500) is never retried: one grant, stored auth untouched", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const original = authText({ access: accessToken("old", expired), refresh: "rt-1" })
      const h = yield* harness(original, { refreshRetries: 2 }, (fake) => {
        fake.refresh = () => Effect.fail(new RefreshTransientError({ status: 500, detail: "server error" }))
      })
      const fiber = yield* Effect.fork(Effect.flip(h.session.getToken))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RefreshTransientError")
      assert.include(error.message, "sign in again with `codex-auth login`")
      assert.notInclude(error.message, "try again in a moment")
      assert.strictEqual(h.fake.refreshCalls.length, 1)
      assert.strictEqual(Option.getOrThrow(yield* h.files.read(authFile).pipe(Effect.orDie)), original)
    }))

  for (const kind of ["unsent", "busy"] as const) {
    it.scoped(`a failure that spent nothing (${kind}) is retried with back-off, outside auth.lock`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(hour * 1000)
        const original = authText({ access: accessToken("old", expired), refresh: "rt-1" })
        let lockedDuringRetryWait = false
        const h = yield* harness(original, { refreshRetries: 2 }, (fake) => {
          fake.refresh = () => Effect.fail(new RefreshTransientError({ detail: "connection refused", kind }))
        })
        const fiber = yield* Effect.fork(Effect.flip(h.session.getToken))
        yield* TestClock.adjust("50 millis")
        assert.strictEqual(h.fake.refreshCalls.length, 1)
        // Between attempts, another process can take the lock at once.
        yield* Effect.scoped(h.files.lock(`${home}/auth.lock`, { timeoutMillis: 1 })).pipe(
          Effect.catchAll(() => Effect.sync(() => (lockedDuringRetryWait = true)))
        )
        assert.isFalse(lockedDuringRetryWait, "auth.lock was held while waiting to retry")
        yield* TestClock.adjust("10 seconds")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "RefreshTransientError")
        assert.strictEqual(h.fake.refreshCalls.length, 3)
        assert.strictEqual(Option.getOrThrow(yield* h.files.read(authFile).pipe(Effect.orDie)), original)
      }))
  }

  it.scoped("a failure that spent nothing then success: the retry's tokens are saved", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const h = yield* harness(authText({ access: accessToken("old", expired), refresh: "rt-1" }), {}, (fake) => {
        fake.refresh = (_t, call) =>
          call === 1
            ? Effect.fail(new RefreshTransientError({ status: 429, detail: "", kind: "busy" }))
            : Effect.succeed(rotated(call))
      })
      const fiber = yield* Effect.fork(h.session.getToken)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(Redacted.value(yield* Fiber.join(fiber)), accessToken("new-2", fresh))
      assert.deepStrictEqual(yield* storedAccess(h), Option.some(accessToken("new-2", fresh)))
    }))

  it.scoped("a refresh without id_token keeps the old one", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const oldId = idToken("acct-1", { marker: "old-id" })
      const h = yield* harness(
        authText({ access: accessToken("old", expired), refresh: "rt-1", id: oldId }),
        {},
        (f) => {
          f.refresh = (_t, call) => Effect.succeed({ ...rotated(call), idToken: Option.none() })
        }
      )
      yield* h.session.getToken
      const tokens = Option.getOrThrow(Option.getOrThrow(yield* h.stored).tokens)
      assert.strictEqual(Redacted.value(tokens.idToken), oldId)
      assert.strictEqual(Redacted.value(tokens.refreshToken), "rt-new-1")
    }))

  it.scoped("401 recovery: reload first — newer stored tokens are used without a request", () =>
    Effect.gen(function*() {
      const h = yield* harness(authText({ access: accessToken("a", fresh), refresh: "rt-1" }))
      yield* h.session.getToken
      const newer = accessToken("newer", fresh)
      yield* h.write(authText({ access: newer, refresh: "rt-2" }))
      assert.strictEqual(Redacted.value(yield* h.session.recoverUnauthorized), newer)
      assert.strictEqual(h.fake.refreshCalls.length, 0)
    }))

  it.scoped("401 recovery: nothing newer stored — refresh once (and concurrent 401s share it)", () =>
    Effect.gen(function*() {
      const h = yield* harness(authText({ access: accessToken("a", fresh), refresh: "rt-1" }))
      yield* h.session.getToken
      const results = yield* Effect.all(Array.from({ length: 20 }, () => h.session.recoverUnauthorized), {
        concurrency: "unbounded"
      })
      assert.strictEqual(h.fake.refreshCalls.length, 1)
      assert.isTrue(results.every((token) => Redacted.value(token) === accessToken("new-1", fresh)))
      assert.deepStrictEqual(yield* storedAccess(h), Option.some(accessToken("new-1", fresh)))
    }))

  it.scoped("the refresh goes to the issuer recorded with the tokens, or to the override", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const provenance = `,\n    "oauth_provenance": { "issuer": "http://127.0.0.1:9/", "client_id": "x" }`
      const text = authText({ access: accessToken("old", expired), refresh: "rt-1", extra: provenance })
      const h = yield* harness(text)
      yield* h.session.getToken
      assert.strictEqual(h.fake.refreshCalls[0]!.url, "http://127.0.0.1:9/oauth/token")
      const o = yield* harness(text, { refreshTokenUrlOverride: "http://127.0.0.1:8/refresh" })
      yield* o.session.getToken
      assert.strictEqual(o.fake.refreshCalls[0]!.url, "http://127.0.0.1:8/refresh")
    }))
})

describe("Session: login, logout, status, restrictions", () => {
  it.scoped("no credentials and no login allowed: LoginRequired naming the file", () =>
    Effect.gen(function*() {
      const h = yield* harness(undefined)
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "LoginRequired")
      assert.include(error.message, authFile)
    }))

  it.scoped("no credentials with a login: it runs once for concurrent callers and is saved", () =>
    Effect.gen(function*() {
      let logins = 0
      const tokenSet = Effect.orDie(TokenSet.fromTokenResponse({
        idToken: Redacted.make(idToken()),
        accessToken: Redacted.make(accessToken("login", fresh)),
        refreshToken: Redacted.make("rt-login")
      }, 0))
      const login = Effect.map(
        Effect.zipLeft(tokenSet, Effect.sync(() => logins++)),
        (set): Session.LoginOutcome => ({ _tag: "ChatGpt", tokenSet: set, openaiApiKey: Option.none() })
      )
      const h = yield* harness(undefined, { login })
      const tokens = yield* Effect.all(Array.from({ length: 50 }, () => h.session.getToken), { concurrency: 50 })
      assert.strictEqual(logins, 1)
      assert.isTrue(tokens.every((t) => Redacted.value(t) === accessToken("login", fresh)))
      assert.deepStrictEqual(yield* storedAccess(h), Option.some(accessToken("login", fresh)))
    }))

  it.scoped("saveLogin replaces the stored login and revokes the superseded refresh token", () =>
    Effect.gen(function*() {
      const h = yield* harness(authText({ access: accessToken("a", fresh), refresh: "rt-old" }))
      const set = yield* Effect.orDie(TokenSet.fromTokenResponse({
        idToken: Redacted.make(idToken()),
        accessToken: Redacted.make(accessToken("b", fresh)),
        refreshToken: Redacted.make("rt-new")
      }, 0))
      yield* h.session.saveLogin({ _tag: "ChatGpt", tokenSet: set, openaiApiKey: Option.some(Redacted.make("sk-k")) })
      const doc = Option.getOrThrow(yield* h.stored)
      assert.strictEqual(Redacted.value(Option.getOrThrow(doc.openaiApiKey)), "sk-k")
      assert.deepStrictEqual(h.fake.revokeCalls, ["rt-old"])
      assert.strictEqual(Redacted.value(yield* h.session.getToken), accessToken("b", fresh))
    }))

  it.scoped("logout revokes the refresh token and removes the file", () =>
    Effect.gen(function*() {
      const h = yield* harness(authText({ access: accessToken("a", fresh), refresh: "rt-1" }))
      yield* h.session.getToken
      const result = yield* h.session.logout
      assert.deepStrictEqual(result, { removed: true, revoke: "revoked" })
      assert.deepStrictEqual(h.fake.revokeCalls, ["rt-1"])
      assert.isTrue(Option.isNone(yield* h.files.read(authFile).pipe(Effect.orDie)))
      assert.strictEqual((yield* Effect.flip(h.session.getToken))._tag, "LoginRequired")
    }))

  it.scoped("logout: a failed revoke (500) still removes the file", () =>
    Effect.gen(function*() {
      const h = yield* harness(authText({ access: accessToken("a", fresh), refresh: "rt-1" }), {}, (fake) => {
        fake.revoke = () => Effect.fail(new RevokeFailed({ status: 500, detail: "" }))
      })
      assert.deepStrictEqual(yield* h.session.logout, { removed: true, revoke: "failed" })
      assert.isTrue(Option.isNone(yield* h.files.read(authFile).pipe(Effect.orDie)))
    }))

  it.scoped("back-compat: a file without account_id loads; headers use the id token's account", () =>
    Effect.gen(function*() {
      const access = accessToken("a", fresh)
      const h = yield* harness(authText({ access, refresh: "rt-1", account: null }))
      const headers = yield* h.session.getHeaders
      assert.deepStrictEqual(Headers.get(headers, "chatgpt-account-id"), Option.some("acct-1"))
      const status = yield* h.session.status
      assert.isTrue(status.loggedIn)
      assert.deepStrictEqual(status.email, Option.some("user@example.com"))
      assert.deepStrictEqual(status.plan, Option.some("pro"))
      assert.deepStrictEqual(status.accessTokenExpiresAt, Option.some(fresh * 1000))
      assert.strictEqual(status.store, "file")
    }))

  it.scoped("headers of §11, with X-OpenAI-Fedramp when the claim says so", () =>
    Effect.gen(function*() {
      const access = accessToken("a", fresh)
      const h = yield* harness(
        authText({ access, refresh: "rt-1", id: idToken("acct-1", { chatgpt_account_is_fedramp: true }) }),
        { userAgent: "codex_cli_rs/0.169.0 (Linux 6.1; x86_64) xterm" }
      )
      const headers = yield* h.session.getHeaders
      assert.deepStrictEqual({ ...headers }, {
        authorization: `Bearer ${access}`,
        "chatgpt-account-id": "acct-1",
        originator: "codex_cli_rs",
        "user-agent": "codex_cli_rs/0.169.0 (Linux 6.1; x86_64) xterm",
        "x-openai-fedramp": "true"
      })
    }))

  it.scoped("API-key mode: the key is the bearer, no account header, no refresh", () =>
    Effect.gen(function*() {
      const h = yield* harness(`{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "sk-proj-123"\n}`)
      assert.strictEqual(Redacted.value(yield* h.session.getToken), "sk-proj-123")
      assert.isFalse(Headers.has(yield* h.session.getHeaders, "chatgpt-account-id"))
    }))

  it.scoped("workspace restriction at load: other workspace's credentials are removed", () =>
    Effect.gen(function*() {
      const h = yield* harness(authText({ access: accessToken("a", fresh), refresh: "rt-1" }), {
        forcedWorkspaceIds: ["acct-9", "acct-8"]
      })
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "WorkspaceRestricted")
      assert.include(error.message, "acct-9, acct-8")
      assert.isTrue(Option.isNone(yield* h.files.read(authFile).pipe(Effect.orDie)))
    }))

  it.scoped("login method restriction: an API key when ChatGPT is forced is removed", () =>
    Effect.gen(function*() {
      const h = yield* harness(`{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "sk-1"\n}`, {
        forcedLoginMethod: "chatgpt"
      })
      const error = yield* Effect.flip(h.session.getToken)
      assert.strictEqual(error._tag, "LoginMethodRestricted")
      assert.isTrue(Option.isNone(yield* h.files.read(authFile).pipe(Effect.orDie)))
    }))

  it.scoped("no error message carries token text", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(hour * 1000)
      const access = accessToken("old", expired)
      const h = yield* harness(authText({ access, refresh: "rt-secret-value" }), {}, (fake) => {
        fake.refresh = () => Effect.fail(new RefreshTokenRejected({ reason: "expired", status: 400, detail: "" }))
      })
      const messages = [(yield* Effect.flip(h.session.getToken)).message]
      yield* h.write("{ not json rt-secret-value")
      messages.push((yield* Effect.flip(h.session.getToken)).message)
      for (const message of messages) {
        assert.notInclude(message, "rt-secret-value")
        assert.notInclude(message, access)
      }
    }))
})
