// The account pool over memory stores and a scripted OAuth client, on the TestClock: strategies, cooldowns that end,
// accounts that need login or fail transiently, affinity, the explicit account, and the pool config file.
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import type { NoAccountAvailable } from "@codex-auth/accounts/AccountPoolError"
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as MemoryCredentialStore from "@codex-auth/core/MemoryCredentialStore"
import { makeTest as stubOAuthClient, OAuthClient } from "@codex-auth/core/OAuthClient"
import type * as OAuthClientModule from "@codex-auth/core/OAuthClient"
import { RefreshTokenRejected, RefreshTransientError } from "@codex-auth/core/OAuthError"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Headers from "@effect/platform/Headers"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { idTokenClaims, makeJwt } from "../../core/test/fixtures/jwt.ts"
import { AffinityMap } from "../src/internal/pool/affinity.ts"

const day = 24 * 3600

const tokensFor = (name: string, expSeconds: number, generation = 0) => ({
  id: makeJwt(
    idTokenClaims({ email: `${name}@example.com` }, { chatgpt_account_id: `acct-${name}`, chatgpt_plan_type: "pro" })
  ),
  access: makeJwt({
    exp: expSeconds,
    generation,
    "https://api.openai.com/auth": { chatgpt_account_id: `acct-${name}`, chatgpt_plan_type: "pro" }
  }),
  refresh: `rt-${name}-${generation}`
})

const documentFor = (name: string, expSeconds: number) => {
  const t = tokensFor(name, expSeconds)
  return AuthJson.parse(
    JSON.stringify({
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: { id_token: t.id, access_token: t.access, refresh_token: t.refresh, account_id: `acct-${name}` },
      last_refresh: "1970-01-01T00:00:00Z"
    }),
    { path: `${name}/auth.json` }
  )
}

/** The scripted issuer: what a refresh of each account's token answers. */
type RefreshScript = (account: string) => Effect.Effect<OAuthClientModule.RefreshResponse, any>

const rotate: RefreshScript = (account) => {
  const t = tokensFor(account, 2 * day, 1)
  return Effect.succeed({
    idToken: Option.some(Redacted.make(t.id)),
    accessToken: Option.some(Redacted.make(t.access)),
    refreshToken: Option.some(Redacted.make(t.refresh))
  })
}

const oauthLayer = (script: { current: RefreshScript; calls: Array<string> }) =>
  Layer.succeed(
    OAuthClient,
    stubOAuthClient({
      refresh: (refreshToken) =>
        Effect.suspend(() => {
          const account = Redacted.value(refreshToken).split("-")[1]!
          script.calls.push(account)
          return script.current(account)
        }),
      revoke: () => Effect.void
    })
  )

/** A pool of accounts named `names`; those in `expired` hold an access token that needs a refresh. */
const poolOf = (
  names: ReadonlyArray<string>,
  options: Omit<AccountPool.Options, "accounts"> & { readonly expired?: ReadonlyArray<string> } = {},
  script: RefreshScript = rotate
) =>
  Effect.gen(function*() {
    const state = { current: script, calls: [] as Array<string> }
    const accounts = yield* Effect.forEach(names, (name) =>
      Effect.gen(function*() {
        const document = yield* documentFor(name, (options.expired ?? []).includes(name) ? 60 : day)
        return { name, store: yield* MemoryCredentialStore.make(document) }
      }))
    const pool = yield* AccountPool.make({
      ...options,
      session: { refreshRetries: 0, ...options.session },
      accounts
    }).pipe(Effect.provide(Layer.merge(oauthLayer(state), ProviderProfile.layer())))
    // TestClock starts at 0; an hour in, tokens with exp 60 s are expired and those with exp 1 day are fresh.
    yield* TestClock.setTime(3600_000)
    return { pool, state, accounts }
  })

const pickMany = (pool: AccountPool.AccountPool.Service, n: number, options: AccountPool.SelectOptions = {}) =>
  Effect.forEach(
    Array.from({ length: n }),
    () => Effect.map(pool.getHeaders(options), (selection) => selection.account)
  )

describe("AccountPool strategies", () => {
  it.scoped("round-robin: a, b, c, a, b, c — each with its own account's headers", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b", "c"], { strategy: "round-robin" })
      const picks: Array<string> = []
      for (let i = 0; i < 6; i++) {
        const selection = yield* pool.getHeaders()
        picks.push(selection.account)
        assert.strictEqual(
          Headers.get(selection.headers, "chatgpt-account-id").pipe(Option.getOrThrow),
          `acct-${selection.account}`
        )
      }
      assert.deepStrictEqual(picks, ["a", "b", "c", "a", "b", "c"])
    }))

  it.scoped("fill-first: sticks to the first account, the next takes over only while it cannot serve", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b", "c"], { strategy: "fill-first" })
      assert.deepStrictEqual(yield* pickMany(pool, 3), ["a", "a", "a"])
      yield* pool.reportLimited("a", 3600_000 + 60_000)
      assert.deepStrictEqual(yield* pickMany(pool, 2), ["b", "b"])
      yield* TestClock.adjust(Duration.seconds(60))
      assert.deepStrictEqual(yield* pickMany(pool, 2), ["a", "a"])
    }))

  it.scoped("least-recently-limited: never limited first, then the oldest limit", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b", "c"], { strategy: "least-recently-limited" })
      assert.deepStrictEqual(yield* pickMany(pool, 2), ["a", "a"])
      yield* pool.reportLimited("a", 3600_000 + 1_000)
      assert.deepStrictEqual(yield* pickMany(pool, 1), ["b"])
      yield* TestClock.adjust(Duration.seconds(5))
      yield* pool.reportLimited("b", 3600_000 + 6_000)
      assert.deepStrictEqual(yield* pickMany(pool, 1), ["c"])
      yield* TestClock.adjust(Duration.seconds(5))
      yield* pool.reportLimited("c", 3600_000 + 10_001)
      // All limits are over but c's: a was limited longest ago.
      yield* TestClock.adjust(Duration.seconds(1))
      assert.deepStrictEqual(yield* pickMany(pool, 1), ["a"])
    }))
})

describe("AccountPool cooldown", () => {
  it.scoped("a reported limit removes the account until its reset time, then it returns (TestClock)", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b", "c"])
      const resetAt = new Date(3600_000 + 90_000)
      yield* pool.reportLimited("b", resetAt)
      assert.deepStrictEqual(yield* pool.health("b"), { _tag: "CoolingDown", until: resetAt.getTime() })
      assert.deepStrictEqual(yield* pickMany(pool, 4), ["a", "c", "a", "c"])
      yield* TestClock.adjust(Duration.seconds(89))
      assert.notInclude(yield* pickMany(pool, 4), "b")
      yield* TestClock.adjust(Duration.seconds(1))
      assert.include(yield* pickMany(pool, 3), "b")
      assert.deepStrictEqual(yield* pool.health("b"), { _tag: "Healthy" })
    }))

  it.scoped("without a reset time the default cooldown applies", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a"], { defaultCooldownMillis: 10_000 })
      yield* pool.reportLimited("a")
      const error = yield* Effect.flip(pool.getHeaders())
      assert.strictEqual(error._tag, "NoAccountAvailable")
      assert.include(error.message, `a: cooling down until ${new Date(3600_000 + 10_000).toISOString()}`)
      assert.include(error.message, "wait for the cooldown to end")
      yield* TestClock.adjust(Duration.seconds(10))
      assert.strictEqual((yield* pool.getHeaders()).account, "a")
    }))

  it.scoped("reporting an unknown account fails with AccountNotFound naming the known ones", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b"])
      const error = yield* Effect.flip(pool.reportLimited("zed"))
      assert.strictEqual(error._tag, "AccountNotFound")
      assert.include(error.message, "a, b")
    }))
})

describe("AccountPool health", () => {
  it.scoped("a revoked refresh token: that account needs login, the others serve, and no account says why", () =>
    Effect.gen(function*() {
      const { pool, state } = yield* poolOf(
        ["a", "b", "c"],
        { expired: ["b"] },
        (account) =>
          account === "b"
            ? Effect.fail(new RefreshTokenRejected({ reason: "revoked", status: 400, detail: "" }))
            : rotate(account)
      )
      assert.deepStrictEqual(yield* pickMany(pool, 4), ["a", "c", "a", "c"])
      assert.deepStrictEqual(state.calls, ["b"], "one refresh attempt, never repeated")
      const health = yield* pool.health("b")
      assert.strictEqual(health._tag, "NeedsLogin")
      yield* pool.reportLimited("a", 3600_000 + 60_000)
      yield* pool.reportLimited("c", 3600_000 + 60_000)
      const error = yield* Effect.flip(pool.getHeaders())
      assert.strictEqual(error._tag, "NoAccountAvailable")
      assert.include(error.message, "b: needs login (the refresh token was revoked)")
      assert.include(error.message, "codex-auth login --account NAME")
      assert.deepStrictEqual(
        (error as NoAccountAvailable).accounts.map((a) => [a.name, a.state]),
        [["a", "cooling-down"], ["b", "needs-login"], ["c", "cooling-down"]]
      )
    }))

  it.scoped("a login saved through the pool's session makes the account usable at once", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(
        ["a", "b"],
        { expired: ["b"], strategy: "fill-first" },
        () => Effect.fail(new RefreshTokenRejected({ reason: "expired", status: 400, detail: "" }))
      )
      assert.strictEqual((yield* pool.getHeaders({ account: "a" })).account, "a")
      yield* Effect.flip(pool.getHeaders({ account: "b" }))
      assert.strictEqual((yield* pool.health("b"))._tag, "NeedsLogin")
      const fresh = yield* documentFor("b", 2 * day)
      const tokenSet = Option.getOrThrow(TokenSet.fromAuthDocument(fresh))
      const session = yield* pool.session("b")
      yield* session.saveLogin({ _tag: "ChatGpt", tokenSet, openaiApiKey: Option.none() })
      assert.deepStrictEqual(yield* pool.health("b"), { _tag: "Healthy" })
      assert.strictEqual((yield* pool.getHeaders({ account: "b" })).account, "b")
    }))

  it.scoped("a transient refresh failure: skipped for a while, tried again after the retry delay", () =>
    Effect.gen(function*() {
      let issuerDown = true
      const { pool, state } = yield* poolOf(
        ["a", "b"],
        { expired: ["a"], strategy: "fill-first", retryFailingMillis: 20_000 },
        (account) => issuerDown ? Effect.fail(new RefreshTransientError({ status: 503, detail: "" })) : rotate(account)
      )
      assert.deepStrictEqual(yield* pickMany(pool, 2), ["b", "b"])
      const health = yield* pool.health("a")
      assert.deepStrictEqual(health, { _tag: "Failing", reason: "issuer answered 503", retryAt: 3600_000 + 20_000 })
      issuerDown = false
      yield* TestClock.adjust(Duration.seconds(20))
      assert.deepStrictEqual(yield* pickMany(pool, 2), ["a", "a"])
      assert.deepStrictEqual(state.calls, ["a", "a"])
    }))

  it.scoped("an account whose store is empty needs login; the explicit account fails with its reason", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a"])
      yield* pool.add({ name: "empty", store: yield* MemoryCredentialStore.make() })
      const error = yield* Effect.flip(pool.getHeaders({ account: "empty" }))
      assert.strictEqual(error._tag, "NoAccountAvailable")
      assert.include(error.message, "The account empty cannot serve a request now")
      assert.include(error.message, "empty: needs login (not signed in)")
      assert.notInclude(error.message, "a:")
      const unknown = yield* Effect.flip(pool.getHeaders({ account: "nope" }))
      assert.strictEqual(unknown._tag, "AccountNotFound")
    }))

  it.scoped("an empty pool says to add an account", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf([])
      const error = yield* Effect.flip(pool.getHeaders())
      assert.include(error.message, "has no accounts. Add one with `codex-auth login --account NAME`")
    }))
})

describe("AccountPool affinity", () => {
  it.scoped("the same key keeps its account while it is healthy, then moves and stays moved", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b", "c"])
      const first = (yield* pool.getHeaders({ affinityKey: "conv-1" })).account
      // Other traffic turns the round-robin wheel meanwhile.
      yield* pickMany(pool, 5)
      assert.deepStrictEqual(yield* pickMany(pool, 5, { affinityKey: "conv-1" }), Array(5).fill(first))
      yield* pool.reportLimited(first, 3600_000 + 60_000)
      const moved = yield* pickMany(pool, 3, { affinityKey: "conv-1" })
      assert.notInclude(moved, first)
      assert.strictEqual(new Set(moved).size, 1, "the conversation stays on its new account")
      yield* TestClock.adjust(Duration.seconds(60))
      assert.deepStrictEqual(yield* pickMany(pool, 2, { affinityKey: "conv-1" }), [moved[0], moved[0]])
    }))

  it.scoped("different keys spread over the accounts", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a", "b", "c"])
      const accounts = yield* Effect.forEach(
        ["k1", "k2", "k3"],
        (affinityKey) => Effect.map(pool.getHeaders({ affinityKey }), (s) => s.account)
      )
      assert.deepStrictEqual(accounts, ["a", "b", "c"])
    }))

  it("the affinity map is bounded and drops the least recently used key", () => {
    const map = new AffinityMap(2)
    map.set("k1", "a")
    map.set("k2", "b")
    assert.strictEqual(map.get("k1"), "a")
    map.set("k3", "c")
    assert.strictEqual(map.size, 2)
    assert.isUndefined(map.get("k2"))
    assert.strictEqual(map.get("k1"), "a")
    map.forgetAccount("a")
    assert.isUndefined(map.get("k1"))
  })
})

describe("AccountPool membership and listing", () => {
  it.scoped("add, duplicate, remove, and list with email, plan, expiry and health", () =>
    Effect.gen(function*() {
      const { pool } = yield* poolOf(["a"])
      yield* pool.add({ name: "b", store: yield* MemoryCredentialStore.make(yield* documentFor("b", day)) })
      const duplicate = yield* Effect.flip(pool.add({ name: "a", store: yield* MemoryCredentialStore.make() }))
      assert.strictEqual(duplicate._tag, "DuplicateAccount")
      yield* pool.reportLimited("b", 3600_000 + 5_000)
      const listed = yield* pool.list
      assert.deepStrictEqual(listed.map((a) => a.name), ["a", "b"])
      const b = listed[1]!
      assert.deepStrictEqual(b.health, { _tag: "CoolingDown", until: 3600_000 + 5_000 })
      assert.deepStrictEqual(b.lastLimitedAt, Option.some(3600_000))
      const status = Option.getOrThrow(b.status)
      assert.deepStrictEqual(status.email, Option.some("b@example.com"))
      assert.deepStrictEqual(status.plan, Option.some("pro"))
      assert.deepStrictEqual(status.accessTokenExpiresAt, Option.some(day * 1000))
      assert.strictEqual(b.store, "memory")
      assert.isTrue(yield* pool.remove("b"))
      assert.isFalse(yield* pool.remove("b"))
      assert.deepStrictEqual(yield* pickMany(pool, 2), ["a", "a"])
    }))
})

describe("AccountPoolConfig", () => {
  const path = "/etc/pool.json"
  it("reads the documented shape; strategy defaults to round-robin", () => {
    const config = Either.getOrThrow(AccountPoolConfig.parse(
      `{ "strategy": "fill-first", "accounts": [{ "name": "work", "codexHome": "/w" }, { "name": "me", "codexHome": "m" }] }`,
      { path }
    ))
    assert.strictEqual(config.strategy, "fill-first")
    assert.deepStrictEqual(config.accounts.map((a) => a.name), ["work", "me"])
    const defaulted = Either.getOrThrow(AccountPoolConfig.parse(`{"accounts": []}`, { path }))
    assert.strictEqual(defaulted.strategy, "round-robin")
  })

  const invalid: ReadonlyArray<readonly [string, string, string]> = [
    ["not JSON", "{", "not valid JSON"],
    ["unknown strategy", `{"strategy": "random"}`, "random"],
    ["a typo'd field", `{"stratgy": "fill-first"}`, "stratgy"],
    ["a duplicate name", `{"accounts": [{"name":"a","codexHome":"/a"},{"name":"a","codexHome":"/b"}]}`, "twice"],
    ["a bad name", `{"accounts": [{"name":"../x","codexHome":"/a"}]}`, "account name"],
    ["no codexHome", `{"accounts": [{"name":"a"}]}`, "codexHome"]
  ]
  for (const [what, text, mentions] of invalid) {
    it(`rejects ${what}, naming the file and the problem`, () => {
      const error = Either.getLeft(AccountPoolConfig.parse(text, { path })).pipe(Option.getOrThrow)
      assert.strictEqual(error._tag, "PoolConfigInvalid")
      assert.include(error.message, path)
      assert.include(error.message, mentions)
    })
  }

  it("round-trips through stringify; upsert replaces or appends, remove drops", () => {
    const config = AccountPoolConfig.upsertAccount(
      AccountPoolConfig.upsertAccount(AccountPoolConfig.empty, { name: "a", codexHome: "/a" }),
      { name: "b", codexHome: "/b" }
    )
    const moved = AccountPoolConfig.upsertAccount(config, { name: "a", codexHome: "/a2" })
    assert.deepStrictEqual(moved.accounts, [{ name: "a", codexHome: "/a2" }, { name: "b", codexHome: "/b" }])
    const text = AccountPoolConfig.stringify(moved)
    assert.isTrue(text.endsWith("}\n"))
    assert.deepStrictEqual(Either.getOrThrow(AccountPoolConfig.parse(text, { path })), moved)
    assert.deepStrictEqual(AccountPoolConfig.removeAccount(moved, "a").accounts.map((a) => a.name), ["b"])
  })
})
