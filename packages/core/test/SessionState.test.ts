// The session's parts on their own: the pure state transitions (what the cache becomes after reload, refresh, login,
// logout), the one §10 check every caller uses, and the single-flight helper (on the TestClock).
import * as AuthJson from "@codex-auth/core/AuthJson"
import { RefreshTokenRejected } from "@codex-auth/core/OAuthError"
import { LoginMethodRestricted, WorkspaceRestricted } from "@codex-auth/core/SessionError"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Workspace from "@codex-auth/core/Workspace"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as SingleFlight from "../src/internal/session/singleFlight.ts"
import * as State from "../src/internal/session/state.ts"
import { idTokenClaims, makeJwt } from "./fixtures/jwt.ts"

const NOW = Date.UTC(2026, 10, 21, 22, 18, 32)
const HOUR = 3_600_000

const chatGpt = (
  refreshToken: string,
  options: { readonly expiresAt?: number; readonly account?: string; readonly access?: string } = {}
): Extract<State.Loaded, { _tag: "ChatGpt" }> => {
  const tokenSet = Either.getOrThrow(TokenSet.fromTokenResponseEither({
    idToken: Redacted.make(makeJwt(idTokenClaims({}, { chatgpt_account_id: options.account ?? "acct-1111" }))),
    accessToken: Redacted.make(makeJwt({
      exp: Math.floor((options.expiresAt ?? NOW + HOUR) / 1000),
      jti: options.access ?? refreshToken
    })),
    refreshToken: Redacted.make(refreshToken)
  }, NOW))
  const document = TokenSet.toAuthDocument(tokenSet)
  return { _tag: "ChatGpt", tokenSet, document, bearer: tokenSet.accessToken }
}

const apiKey = (key: string): State.Loaded => {
  const apiKey = Redacted.make(key)
  return { _tag: "ApiKey", apiKey, document: AuthJson.fromApiKey(apiKey), bearer: apiKey }
}

const rejection = new RefreshTokenRejected({ reason: "expired", status: 401, detail: "refresh_token_expired" })

describe("session state transitions", () => {
  it("serves a fresh load, not a stale one; login and logout reset the rejection", () => {
    const fresh = chatGpt("rt-1")
    const served = State.serving(State.initial, fresh)
    assert.strictEqual(State.servable(served, NOW), fresh)
    assert.isUndefined(State.servable(State.serving(State.initial, chatGpt("rt-2", { expiresAt: NOW })), NOW))
    assert.isUndefined(State.servable(State.forgotten(served), NOW))
    const dead = State.rejected(served, fresh.tokenSet.refreshToken, rejection)
    assert.strictEqual(State.knownRejection(dead, Redacted.make("rt-1")), rejection)
    assert.isUndefined(State.knownRejection(dead, Redacted.make("rt-other")))
    const relogged = State.loggedIn(dead, chatGpt("rt-3"))
    assert.isUndefined(relogged.permanentFailure)
    assert.strictEqual(
      Redacted.value((relogged.current as { bearer: Redacted.Redacted<string> }).bearer).length > 0,
      true
    )
    const out = State.loggedOut(dead)
    assert.isUndefined(out.current)
    assert.isUndefined(out.permanentFailure)
    // Values, not cells: the old state is unchanged.
    assert.strictEqual(served.current, fresh)
    assert.isUndefined(served.permanentFailure)
  })

  it("after a reload under the lock: serve, refresh, or refuse another account", () => {
    const ours = chatGpt("rt-1")
    const state = State.serving(State.initial, ours)
    // The same fresh tokens: served, unless forced.
    assert.strictEqual(State.afterReload(state, ours, false, NOW), "serve")
    assert.strictEqual(State.afterReload(state, ours, true, NOW), "refresh")
    // Newer tokens another process stored for the same account: they are the answer, even when forced.
    const theirs = chatGpt("rt-2")
    assert.strictEqual(State.afterReload(state, theirs, true, NOW), "serve")
    // Expired in the store: refresh.
    assert.strictEqual(State.afterReload(State.initial, chatGpt("rt-4", { expiresAt: NOW }), false, NOW), "refresh")
    // Another account's: refused, unless ours are dead.
    const other = chatGpt("rt-9", { account: "acct-2222" })
    assert.strictEqual(State.afterReload(state, other, false, NOW), "account-changed")
    const dead = State.rejected(state, ours.tokenSet.refreshToken, rejection)
    assert.strictEqual(State.afterReload(dead, other, false, NOW), "serve")
    // A change of kind (ChatGPT → API key) is adopted; an API key is never refreshed.
    assert.strictEqual(State.afterReload(state, apiKey("sk-1"), true, NOW), "serve")
  })

  it("an ambiguous failure holds the background refresh until another token is held", () => {
    const ours = chatGpt("rt-1")
    const state = State.ambiguous(State.serving(State.initial, ours), ours.tokenSet.refreshToken)
    assert.isTrue(State.spentMaybe(state))
    assert.isFalse(State.spentMaybe(State.serving(state, chatGpt("rt-2"))))
  })

  it("the proactive refresh wakes shortly before the token needs it, never sooner than a second", () => {
    const ours = chatGpt("rt-1", { expiresAt: NOW + HOUR })
    const delay = State.proactiveDelayMillis(State.serving(State.initial, ours), NOW)
    assert.strictEqual(delay, HOUR - TokenSet.refreshSkewMillis + 1_000)
    assert.strictEqual(
      State.proactiveDelayMillis(State.serving(State.initial, chatGpt("rt-2", { expiresAt: NOW })), NOW),
      1_000
    )
    assert.strictEqual(State.proactiveDelayMillis(State.initial, NOW), 60_000)
  })
})

describe("the one §10 check", () => {
  const chatgpt = (workspace?: string): Workspace.Subject => ({
    method: "chatgpt",
    workspace: Option.fromNullable(workspace)
  })
  it("method first, then the workspace of a ChatGPT login", () => {
    assert.isUndefined(Workspace.violation({}, chatgpt("ws-1")))
    assert.deepStrictEqual(Workspace.violation({ forcedLoginMethod: "api" }, chatgpt("ws-1")), {
      _tag: "Method",
      required: "api"
    })
    assert.deepStrictEqual(
      Workspace.violation({ forcedLoginMethod: "chatgpt" }, { method: "api", workspace: Option.none() }),
      { _tag: "Method", required: "chatgpt" }
    )
    assert.deepStrictEqual(Workspace.violation({ forcedWorkspaceIds: ["ws-1"] }, chatgpt("ws-2")), {
      _tag: "Workspace",
      allowed: ["ws-1"],
      found: "ws-2"
    })
    assert.deepStrictEqual(Workspace.violation({ forcedWorkspaceIds: ["ws-1"] }, chatgpt()), {
      _tag: "Workspace",
      allowed: ["ws-1"],
      found: undefined
    })
    assert.isUndefined(
      Workspace.violation({ forcedWorkspaceIds: ["ws-1"] }, { method: "api", workspace: Option.none() })
    )
    assert.isUndefined(Workspace.violation({ forcedWorkspaceIds: [] }, chatgpt()))
  })

  it("as the session's errors: during, removed, and source only when given", () => {
    const method = Workspace.toError({ _tag: "Method", required: "api" }, { during: "login", removed: false })
    assert.instanceOf(method, LoginMethodRestricted)
    assert.isFalse("source" in method)
    assert.strictEqual(method.message, "ChatGPT login is disabled. Use API key login instead.")
    const workspace = Workspace.toError({ _tag: "Workspace", allowed: ["ws-1"], found: "ws-2" }, {
      during: "load",
      removed: true,
      source: "/c/config.toml"
    })
    assert.instanceOf(workspace, WorkspaceRestricted)
    assert.include(workspace.message, "The stored credentials were removed.")
    assert.include(workspace.message, "forced_chatgpt_workspace_id in /c/config.toml")
  })
})

describe("single flight", () => {
  it.scoped("one run for every caller that arrives while it runs; the next call runs again", () =>
    Effect.gen(function*() {
      const flight = SingleFlight.make<number, never>(yield* Effect.scope)
      let runs = 0
      const gate = yield* Deferred.make<void>()
      const work = Effect.zipRight(Deferred.await(gate), Effect.sync(() => ++runs))
      const callers = yield* Effect.forkAll([flight.run(work), flight.run(work), flight.run(work)])
      yield* TestClock.adjust(1)
      assert.isTrue(flight.busy())
      yield* Deferred.succeed(gate, undefined)
      assert.deepStrictEqual(yield* Fiber.join(callers), [1, 1, 1])
      assert.isFalse(flight.busy())
      assert.strictEqual(yield* flight.run(work), 2)
    }))

  it.scoped("interrupting the first caller leaves the run going for the others", () =>
    Effect.gen(function*() {
      const flight = SingleFlight.make<string, never>(yield* Effect.scope)
      const gate = yield* Deferred.make<void>()
      const work = Effect.as(Deferred.await(gate), "done")
      const first = yield* Effect.fork(flight.run(work))
      yield* TestClock.adjust(1)
      const second = yield* Effect.fork(flight.run(work))
      yield* TestClock.adjust(1)
      yield* Fiber.interrupt(first)
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(yield* Fiber.join(second), "done")
    }))
})
