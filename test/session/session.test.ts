// The Node session against the real emulator over HTTP, on a real CODEX_HOME: refresh with rotation, the
// single-flight guarantee on the wire, reuse detection, logout's revoke, and status.
import * as Session from "@codex-auth/core/Session"
import type * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeSession from "@codex-auth/node/NodeSession"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "./fixtures.ts"

const sessionIn = (codexHome: string, issuer: string, options: NodeSession.Options = {}) =>
  Effect.flatMap(
    Layer.build(
      NodeSession.layer({ profile: { issuer }, refreshRetryDelayMillis: 10, ...options }).pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", codexHome]]))))
      )
    ),
    (context) => Effect.succeed(Context.get(context, Session.Session))
  )

const refreshGrants = (requests: ReadonlyArray<Emulator.RequestLogEntry>) =>
  requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")

/**
 * An expired login whose refresh token another program already spent: what it got (`theirs`, the file it `saved`) and
 * auth.json put back to the `stale` login.
 */
const spentElsewhere = Effect.gen(function*() {
  const emulator = yield* startEmulator()
  const home = yield* tempCodexHome
  const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
  const stale = authJsonText(minted, emulator.url)
  writeAuthJson(home, stale)
  const first = yield* sessionIn(home, emulator.url)
  const theirs = Redacted.value(yield* first.getToken)
  const saved = Fs.readFileSync(Path.join(home, "auth.json"), "utf8")
  writeAuthJson(home, stale)
  return { emulator, home, stale, saved, theirs }
})

describe("Session on Node against the emulator", () => {
  it.scopedLive("an expired access token is refreshed once; auth.json is rewritten in Codex's shape", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      writeAuthJson(home, authJsonText(minted, emulator.url))
      const session = yield* sessionIn(home, emulator.url)
      const token = Redacted.value(yield* session.getToken)
      assert.notStrictEqual(token, minted.access_token)
      assert.strictEqual(Redacted.value(yield* session.getToken), token)
      const grants = refreshGrants(yield* emulator.admin.requests)
      assert.strictEqual(grants.length, 1)
      assert.strictEqual(grants[0]!.refreshToken, minted.refresh_token)
      assert.deepStrictEqual(grants[0]!.bodyKeys, ["client_id", "grant_type", "refresh_reason", "refresh_token"])
      const file = readAuthJson(home)
      assert.strictEqual(file.tokens.access_token, token)
      assert.notStrictEqual(file.tokens.refresh_token, minted.refresh_token)
      assert.deepStrictEqual(Object.keys(file), ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"])
      assert.deepStrictEqual(Object.keys(file.tokens), [
        "id_token",
        "access_token",
        "refresh_token",
        "oauth_provenance",
        "account_id"
      ])
      assert.strictEqual(Fs.statSync(Path.join(home, "auth.json")).mode & 0o777, 0o600)
      assert.isFalse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8").endsWith("\n"))
      assert.isTrue(Fs.existsSync(Path.join(home, "auth.lock")), "the refresh ran under auth.lock")
    }))

  it.scopedLive("10,000 concurrent getToken on an expired token: one refresh request on the wire", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      writeAuthJson(home, authJsonText(minted, emulator.url))
      const session = yield* sessionIn(home, emulator.url)
      const tokens = yield* Effect.all(Array.from({ length: 10_000 }, () => session.getToken), {
        concurrency: "unbounded"
      })
      assert.strictEqual(new Set(tokens.map(Redacted.value)).size, 1)
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1)
    }))

  it.scopedLive("a refresh token already used elsewhere: refresh_token_reused is permanent and not retried", () =>
    Effect.gen(function*() {
      // Another program used the token and kept the result to itself (its file was put back afterwards).
      const { emulator, home, stale } = yield* spentElsewhere
      const second = yield* sessionIn(home, emulator.url)
      const error = yield* Effect.flip(second.getToken)
      assert.strictEqual(error._tag, "RefreshTokenRejected")
      assert.include(error.message, "already used")
      yield* Effect.flip(second.getToken)
      const grants = refreshGrants(yield* emulator.admin.requests)
      assert.strictEqual(grants.length, 2)
      assert.strictEqual(grants[1]!.errorCode, "refresh_token_reused")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), stale, "stored auth untouched")
    }))

  it.scopedLive(
    "refresh_token_reused while another process is about to save: its tokens are adopted once it has (Codex's race)",
    () =>
      Effect.gen(function*() {
        // The other process (the Codex CLI refreshes without holding auth.lock) spends the token first...
        const { emulator, home, saved, theirs } = yield* spentElsewhere
        // ...and saves what it got 300 ms after our grant was refused.
        yield* emulator.admin.clearRequests
        const later = setInterval(() => {
          void Effect.runPromise(emulator.admin.requests).then((requests) => {
            if (refreshGrants(requests).length === 0) return
            clearInterval(later)
            setTimeout(() => writeAuthJson(home, saved), 300)
          })
        }, 10)
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(later)))
        const second = yield* sessionIn(home, emulator.url)
        const token = Redacted.value(yield* second.getToken)
        assert.strictEqual(token, theirs, "the other process's token, adopted")
        const grants = refreshGrants(yield* emulator.admin.requests)
        assert.deepStrictEqual(grants.map((grant) => grant.errorCode), ["refresh_token_reused"], "one grant, refused")
        assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), saved)
      })
  )

  it.scopedLive("a 500 from the token endpoint may have spent the token: sent once, never retried, auth kept", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      const text = authJsonText(minted, emulator.url)
      writeAuthJson(home, text)
      yield* emulator.admin.addFault({ path: "/oauth/token", kind: "status", status: 500, count: 10 })
      const session = yield* sessionIn(home, emulator.url, { refreshRetries: 2 })
      const error = yield* Effect.flip(session.getToken)
      assert.strictEqual(error._tag, "RefreshTransientError")
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1)
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), text)
    }))

  it.scopedLive("a 429 spent nothing: retried with back-off, then the rotated tokens are saved", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      writeAuthJson(home, authJsonText(minted, emulator.url))
      yield* emulator.admin.addFault({ path: "/oauth/token", kind: "rate_limit", count: 2 })
      const session = yield* sessionIn(home, emulator.url, { refreshRetries: 2 })
      const token = yield* session.getToken
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 3)
      const saved = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"))
      assert.strictEqual(saved.tokens.access_token, Redacted.value(token))
      assert.notStrictEqual(saved.tokens.refresh_token, minted.refresh_token)
    }))

  it.scopedLive("logout revokes the refresh token (§7 body) and removes auth.json; status follows", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const minted = yield* emulator.admin.mintTokens({})
      writeAuthJson(home, authJsonText(minted, emulator.url))
      const session = yield* sessionIn(home, emulator.url)
      const before = yield* session.status
      assert.isTrue(before.loggedIn)
      assert.deepStrictEqual(before.email, Option.some("user@example.com"))
      assert.deepStrictEqual(before.accountId, Option.some(minted.account_id))
      assert.deepStrictEqual(yield* session.logout, { removed: true, revoke: "revoked" })
      const revokes = (yield* emulator.admin.requests).filter((r) => r.path === "/oauth/revoke")
      assert.strictEqual(revokes.length, 1)
      assert.deepStrictEqual(revokes[0]!.bodyKeys, ["token", "token_type_hint", "client_id"])
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
      assert.isFalse((yield* session.status).loggedIn)
    }))

  it.scopedLive("logout when revoke answers 500 still removes auth.json", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      writeAuthJson(home, authJsonText(yield* emulator.admin.mintTokens({}), emulator.url))
      yield* emulator.admin.addFault({ path: "/oauth/revoke", kind: "status", status: 500 })
      const session = yield* sessionIn(home, emulator.url)
      assert.deepStrictEqual(yield* session.logout, { removed: true, revoke: "failed" })
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
    }))

  it.scopedLive("logout revokes at the issuer that minted the tokens, not the profile's; an explicit revoke URL wins", () =>
    Effect.gen(function*() {
      const minter = yield* startEmulator()
      const profileIssuer = yield* startEmulator()
      const overridden = yield* startEmulator()
      const revokesAt = (emulator: typeof minter) =>
        Effect.map(emulator.admin.requests, (requests) => requests.filter((r) => r.path === "/oauth/revoke").length)

      const home = yield* tempCodexHome
      writeAuthJson(home, authJsonText(yield* minter.admin.mintTokens({}), minter.url))
      const session = yield* sessionIn(home, profileIssuer.url)
      assert.deepStrictEqual(yield* session.logout, { removed: true, revoke: "revoked" })
      assert.strictEqual(yield* revokesAt(minter), 1)
      assert.strictEqual(yield* revokesAt(profileIssuer), 0)

      const second = yield* tempCodexHome
      writeAuthJson(second, authJsonText(yield* minter.admin.mintTokens({}), minter.url))
      const withOverride = yield* Effect.flatMap(
        Layer.build(
          NodeSession.layer({ profile: { issuer: profileIssuer.url }, refreshRetryDelayMillis: 10 }).pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
              new Map([
                ["CODEX_HOME", second],
                ["CODEX_REVOKE_TOKEN_URL_OVERRIDE", `${overridden.url}/oauth/revoke`]
              ])
            )))
          )
        ),
        (context) => Effect.succeed(Context.get(context, Session.Session))
      )
      assert.deepStrictEqual(yield* withOverride.logout, { removed: true, revoke: "revoked" })
      assert.strictEqual(yield* revokesAt(overridden), 1)
      assert.strictEqual(yield* revokesAt(minter), 1)
    }))

  it.scopedLive("logout without revoke: no call to the issuer, the file removed, and the session forgets the tokens", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      writeAuthJson(home, authJsonText(yield* emulator.admin.mintTokens({}), emulator.url))
      const session = yield* sessionIn(home, emulator.url)
      yield* session.getToken // now held in memory
      assert.deepStrictEqual(yield* session.logoutWith({ revoke: false }), { removed: true, revoke: "skipped" })
      assert.strictEqual((yield* emulator.admin.requests).filter((r) => r.path === "/oauth/revoke").length, 0)
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
      const after = yield* Effect.flip(session.getToken)
      assert.strictEqual(after._tag, "LoginRequired")
    }))
})
