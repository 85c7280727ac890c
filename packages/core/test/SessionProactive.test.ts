// Proactive refresh (`proactiveRefresh: true`) under TestClock: the session's background fiber refreshes shortly
// before the access token's exp (one grant, shared with callers), keeps the stored auth.json fresh cycle after
// cycle, comes back after a transient failure, and ends with the session's scope (no fiber left, no refresh after).
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { makeTest as stubOAuthClient, OAuthClient } from "@codex-auth/core/OAuthClient"
import type * as OAuthClientModule from "@codex-auth/core/OAuthClient"
import { RefreshTransientError } from "@codex-auth/core/OAuthError"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import { Buffer } from "node:buffer"

const home = "/home/user/.codex"
const authFile = `${home}/auth.json`
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (claims: unknown) => `${b64({ alg: "none" })}.${b64(claims)}.c2ln`
const auth = { chatgpt_account_id: "acct-1", chatgpt_plan_type: "pro" }
const accessToken = (label: string, expSeconds: number) =>
  jwt({ exp: expSeconds, label, "https://api.openai.com/auth": auth })
const idToken = jwt({ email: "user@example.com", "https://api.openai.com/auth": { ...auth, chatgpt_user_id: "u-1" } })

const hourMillis = 60 * 60 * 1000
const skew = TokenSet.refreshSkewMillis
/** The first access token expires one hour after the test starts (the TestClock starts at 0). */
const firstExpiry = hourMillis

const authText = (access: string, refresh: string) =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: { id_token: idToken, access_token: access, refresh_token: refresh, account_id: "acct-1" },
      last_refresh: "1970-01-01T00:00:00Z"
    },
    null,
    2
  )

interface Grant {
  readonly refreshToken: string
  readonly atMillis: number
}

interface Fake {
  readonly grants: Array<Grant>
  /** Answers the n-th refresh request (1-based); by default a new token set valid for one hour from now. */
  respond: (call: number, nowMillis: number) => Effect.Effect<OAuthClientModule.RefreshResponse, RefreshTransientError>
}

const rotated = (call: number, nowMillis: number): OAuthClientModule.RefreshResponse => ({
  idToken: Option.some(Redacted.make(idToken)),
  accessToken: Option.some(Redacted.make(accessToken(`new-${call}`, (nowMillis + hourMillis) / 1000))),
  refreshToken: Option.some(Redacted.make(`rt-${call + 1}`))
})

const oauthLayer = (fake: Fake) =>
  Layer.succeed(
    OAuthClient,
    stubOAuthClient({
      refresh: (refreshToken) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          fake.grants.push({ refreshToken: Redacted.value(refreshToken), atMillis: now })
          return fake.respond(fake.grants.length, now)
        }),
      revoke: () => Effect.void
    })
  )

/**
 * A proactive session over the file store (in-memory files) in its own scope, with every fiber it starts tracked.
 * Starts at time 0 with a token that expires at `firstExpiry`.
 */
const harness = (options: Session.Options = {}, respond?: Fake["respond"]) =>
  Effect.gen(function*() {
    const files = yield* SecretFile.makeMemory({ directories: [home] })
    yield* Effect.orDie(files.writeAtomic(authFile, authText(accessToken("first", firstExpiry / 1000), "rt-1"), {
      mode: 0o600
    }))
    const fake: Fake = { grants: [], respond: respond ?? ((call, now) => Effect.succeed(rotated(call, now))) }
    const context = Layer.mergeAll(
      FileCredentialStore.layer.pipe(
        Layer.provideMerge(CodexHome.layer(home)),
        Layer.provide(Layer.succeed(SecretFile.SecretFile, files))
      ),
      oauthLayer(fake),
      ProviderProfile.layer()
    )
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const fibers = yield* Supervisor.track
    const session = yield* Session.make({ proactiveRefresh: true, refreshRetryDelayMillis: 100, ...options }).pipe(
      Effect.provide(context),
      Scope.extend(scope),
      Effect.supervised(fibers)
    )
    /** The access token and refresh token in the stored auth.json, and whether the file still parses. */
    const stored = Effect.gen(function*() {
      const text = Option.getOrThrow(yield* Effect.orDie(files.read(authFile)))
      const document = yield* Effect.orDie(AuthJson.parse(text, { path: authFile }))
      const tokenSet = Option.getOrThrow(TokenSet.fromAuthDocument(document))
      return {
        access: Redacted.value(tokenSet.accessToken),
        refresh: Redacted.value(tokenSet.refreshToken),
        expiresAt: Option.getOrThrow(tokenSet.accessTokenExpiresAt)
      }
    })
    const running = Effect.map(fibers.value, (all) => all.length)
    return { session, fake, files, stored, scope, running }
  })

/** Moves the TestClock to an absolute time, running every sleep due by then. */
const at = (millis: number) => TestClock.setTime(millis)

describe("Session: proactive refresh", () => {
  it.scoped("refreshes in the background before exp: one grant, the stored file fresh, callers served from memory", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      yield* h.session.getToken // loads the stored (fresh) token
      yield* at(firstExpiry - skew - 1_000)
      assert.strictEqual(h.fake.grants.length, 0, "nothing before the refresh window")
      yield* at(firstExpiry - skew + 2_000)
      assert.strictEqual(h.fake.grants.length, 1, "refreshed once as the window opened")
      const grant = h.fake.grants[0]!
      assert.strictEqual(grant.refreshToken, "rt-1")
      assert.isBelow(grant.atMillis, firstExpiry, "before the access token expired")
      const stored = yield* h.stored
      assert.strictEqual(stored.refresh, "rt-2")
      assert.isAbove(stored.expiresAt, firstExpiry)
      // Past the old exp, callers get the refreshed token from memory: no second grant.
      yield* at(firstExpiry + 1_000)
      assert.strictEqual(Redacted.value(yield* h.session.getToken), stored.access)
      assert.strictEqual(h.fake.grants.length, 1)
    }))

  it.scoped("without any caller it loads the store itself, and keeps the file fresh cycle after cycle", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      // Nobody calls getToken: three hours later the file must still hold a token that is not expired.
      for (let minute = 1; minute <= 180; minute++) {
        yield* at(minute * 60_000)
        const stored = yield* h.stored
        assert.isAbove(stored.expiresAt, minute * 60_000, `the stored token is valid at minute ${minute}`)
      }
      // One grant per hour-long token, each from the previous one's refresh token (a chain, never a reuse).
      assert.deepStrictEqual(h.fake.grants.map((g) => g.refreshToken), ["rt-1", "rt-2", "rt-3"])
      let expiry = firstExpiry
      for (const grant of h.fake.grants) {
        assert.isBelow(grant.atMillis, expiry, "refreshed before the token it replaces expired")
        assert.isAtLeast(grant.atMillis, expiry - skew, "and not before the refresh window opened")
        expiry = grant.atMillis + hourMillis // the fake's tokens live one hour from their grant
      }
    }))

  it.scoped("the background refresh and callers arriving during it share one grant", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const h = yield* harness({}, (call, now) => Effect.as(Deferred.await(gate), rotated(call, now)))
      yield* h.session.getToken
      yield* at(firstExpiry - skew + 2_000)
      assert.strictEqual(h.fake.grants.length, 1, "the background fiber is in the middle of its refresh")
      const callers = yield* Effect.fork(
        Effect.all(Array.from({ length: 100 }, () => h.session.getToken), { concurrency: "unbounded" })
      )
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      const tokens = yield* Fiber.join(callers)
      assert.strictEqual(h.fake.grants.length, 1)
      assert.deepStrictEqual(new Set(tokens.map(Redacted.value)), new Set([(yield* h.stored).access]))
    }))

  it.scoped("a failure that spent nothing (429) is survived: the fiber tries again and the file ends fresh", () =>
    Effect.gen(function*() {
      // One retry inside a refresh, so two failing calls exhaust that refresh; the third call succeeds.
      const h = yield* harness({ refreshRetries: 1 }, (call, now) =>
        call <= 2
          ? Effect.fail(new RefreshTransientError({ status: 429, detail: "", kind: "busy" }))
          : Effect.succeed(rotated(call, now)))
      yield* h.session.getToken
      const first = yield* h.stored
      yield* at(firstExpiry - skew + 2_000)
      assert.strictEqual(h.fake.grants.length, 2, "the refresh and its retry failed")
      assert.strictEqual((yield* h.stored).access, first.access, "a failed refresh leaves the file as it was")
      yield* at(firstExpiry - skew + 2_000 + Duration.toMillis("40 seconds"))
      assert.strictEqual(h.fake.grants.length, 3, "tried again after the back-off")
      assert.deepStrictEqual(h.fake.grants.map((g) => g.refreshToken), ["rt-1", "rt-1", "rt-1"])
      const after = yield* h.stored
      assert.strictEqual(after.refresh, "rt-4")
      assert.isAbove(after.expiresAt, firstExpiry)
      assert.isBelow(h.fake.grants[2]!.atMillis, firstExpiry, "still before the old token expired")
      // And the loop goes on: the next token is refreshed before its own exp too.
      yield* at(after.expiresAt - skew + 2_000)
      assert.strictEqual(h.fake.grants.length, 4, JSON.stringify({ grants: h.fake.grants, after }))
      assert.isAbove((yield* h.stored).expiresAt, after.expiresAt)
    }))

  it.scoped("closing the session's scope stops the fiber: nothing left running, no refresh after close", () =>
    Effect.gen(function*() {
      const h = yield* harness()
      yield* h.session.getToken
      assert.isAbove(yield* h.running, 0, "the background fiber runs while the session is open")
      const before = yield* h.stored
      yield* Scope.close(h.scope, Exit.void)
      assert.strictEqual(yield* h.running, 0, "no fiber outlives the session's scope")
      yield* at(firstExpiry + 10 * hourMillis)
      assert.strictEqual(h.fake.grants.length, 0)
      assert.deepStrictEqual(yield* h.stored, before)
    }))

  it.scoped("closing the scope while a background grant is in flight finishes it: the rotated tokens are saved", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const h = yield* harness({}, (call, now) => Effect.as(Deferred.await(gate), rotated(call, now)))
      yield* h.session.getToken
      const before = yield* h.stored
      yield* at(firstExpiry - skew + 2_000)
      assert.strictEqual(h.fake.grants.length, 1)
      // The grant has spent the old refresh token: closing waits for its answer and keeps it.
      const closing = yield* Effect.fork(Scope.close(h.scope, Exit.void))
      yield* Effect.yieldNow()
      assert.isNull(closing.unsafePoll(), "the scope closed while the issuer's answer was still outstanding")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(closing)
      assert.strictEqual(yield* h.running, 0)
      yield* at(firstExpiry + 10 * hourMillis)
      assert.strictEqual(h.fake.grants.length, 1)
      assert.notDeepEqual(yield* h.stored, before, "the rotated tokens were dropped")
    }))

  it.scoped("without the option no background fiber runs and nothing refreshes on its own", () =>
    Effect.gen(function*() {
      const h = yield* harness({ proactiveRefresh: false })
      yield* h.session.getToken
      assert.strictEqual(yield* h.running, 0)
      yield* at(firstExpiry + hourMillis)
      assert.strictEqual(h.fake.grants.length, 0)
    }))
})
