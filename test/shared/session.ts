// Conformance: the session lifecycle (PROTOCOL.md §5, §7, §9, §13 "Refresh" and "Logout") on the file store of the
// runtime's SecretFile, through the runtime's HttpClient, against the emulator served by the runtime.
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import { SecretFile } from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as Emulator from "@codex-auth/emulator/Emulator"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as assert from "./assert.ts"
import type { Harness, RunningEmulator } from "./harness.ts"

/** auth.json as Codex 0.169 writes it, holding tokens the emulator minted. */
export const authJsonText = (minted: Emulator.MintedTokens, issuer: string): string =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: "app_EMoamEEZ73f0CkXaXp7hrann" },
        account_id: minted.account_id
      },
      last_refresh: "2026-11-21T22:18:32.564613152Z"
    },
    null,
    2
  )

export const refreshGrants = (
  requests: ReadonlyArray<Emulator.RequestLogEntry>
): ReadonlyArray<Emulator.RequestLogEntry> =>
  requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")

export const sessionSuite = (h: Harness): void => {
  const files = Effect.provide(SecretFile, h.layer)

  /** A session on the file store in `home`, its own in-memory state, as a separate process would have. */
  const sessionIn = (home: string, issuer: string, options: Session.Options = {}) => {
    const profile = ProviderProfile.layer(ProviderProfile.make({ issuer }))
    const store = FileCredentialStore.layer.pipe(Layer.provide(CodexHome.layer(home)), Layer.provide(h.layer))
    // Built into the test's scope: the HTTP client (an undici dispatcher on Node) lives as long as the session.
    return Layer.build(
      Layer.mergeAll(OAuthClient.layer.pipe(Layer.provide(Layer.merge(h.layer, profile))), profile, store)
    ).pipe(
      Effect.flatMap((context) => Effect.provide(Session.make({ refreshRetryDelayMillis: 5, ...options }), context))
    )
  }

  const seeded = (mint: Emulator.MintRequest) =>
    Effect.gen(function*() {
      const emulator = yield* h.serveEmulator()
      const home = yield* h.tempDir
      const fs = yield* files
      const minted = yield* emulator.admin.mintTokens(mint)
      const authFile = fs.join(home, "auth.json")
      const text = authJsonText(minted, emulator.url)
      yield* fs.writeAtomic(authFile, text, { mode: 0o600 })
      return { emulator, home, fs, minted, authFile, text }
    })

  const grants = (emulator: RunningEmulator) => Effect.map(emulator.admin.requests, refreshGrants)

  h.live(
    "session: a fresh access token is served from the file, then from memory; no refresh",
    () =>
      Effect.gen(function*() {
        const { emulator, home, minted } = yield* seeded({})
        const session = yield* sessionIn(home, emulator.url)
        assert.equal(Redacted.value(yield* session.getToken), minted.access_token)
        assert.equal(Redacted.value(yield* session.getToken), minted.access_token)
        const headers = yield* session.getHeaders
        assert.equal(headers["chatgpt-account-id"], minted.account_id)
        assert.equal(headers["originator"], "codex_cli_rs")
        const status = yield* session.status
        assert.isTrue(status.loggedIn)
        assert.deepEqual(status.email, Option.some("user@example.com"))
        assert.equal(status.store, "file")
        assert.equal((yield* grants(emulator)).length, 0)
      })
  )

  h.live(
    "session: an expired token + 25 concurrent getToken → one refresh; auth.json rewritten 0600, Codex's shape",
    () =>
      Effect.gen(function*() {
        const { authFile, emulator, fs, home, minted } = yield* seeded({ accessTokenTtlSeconds: -60 })
        const session = yield* sessionIn(home, emulator.url)
        const tokens = yield* Effect.all(Array.from({ length: 25 }, () => session.getToken), {
          concurrency: "unbounded"
        })
        assert.equal(new Set(tokens.map(Redacted.value)).size, 1, "one token for everyone")
        const token = Redacted.value(tokens[0]!)
        assert.notEqual(token, minted.access_token)
        const log = yield* grants(emulator)
        assert.equal(log.length, 1, "refresh grants")
        assert.equal(log[0]!.refreshToken, minted.refresh_token)
        assert.deepEqual(log[0]!.bodyKeys, ["client_id", "grant_type", "refresh_reason", "refresh_token"])
        const text = Option.getOrThrow(yield* fs.read(authFile))
        const file = JSON.parse(text)
        assert.equal(file.tokens.access_token, token)
        assert.notEqual(file.tokens.refresh_token, minted.refresh_token, "the rotated refresh token is stored")
        assert.notEqual(file.last_refresh, "2026-11-21T22:18:32.564613152Z")
        assert.deepEqual(Object.keys(file), ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"])
        assert.deepEqual(Object.keys(file.tokens), [
          "id_token",
          "access_token",
          "refresh_token",
          "oauth_provenance",
          "account_id"
        ])
        assert.equal(Option.getOrThrow(yield* fs.stat(authFile)).mode, 0o600)
        assert.isFalse(text.endsWith("\n"))
        assert.isTrue(Option.isSome(yield* fs.stat(fs.join(home, "auth.lock"))), "the refresh ran under auth.lock")
      })
  )

  h.live(
    "session: two sessions on one CODEX_HOME waiting on auth.lock → one grant; the second adopts the rotation",
    () =>
      Effect.gen(function*() {
        const { emulator, fs, home, minted } = yield* seeded({ accessTokenTtlSeconds: -60 })
        const first = yield* sessionIn(home, emulator.url)
        const second = yield* sessionIn(home, emulator.url)
        // Both read the expired tokens while a third party (a Codex CLI, say) holds the lock.
        const [a, b] = yield* Effect.scoped(Effect.gen(function*() {
          yield* fs.lock(fs.join(home, "auth.lock"))
          const a = yield* Effect.fork(first.getToken)
          const b = yield* Effect.fork(second.getToken)
          yield* Effect.sleep("100 millis")
          return [a, b] as const
        }))
        const tokens = [Redacted.value(yield* Fiber.join(a)), Redacted.value(yield* Fiber.join(b))]
        assert.equal(tokens[0], tokens[1], "both hold the same new token")
        assert.notEqual(tokens[0], minted.access_token)
        assert.equal((yield* grants(emulator)).length, 1, "exactly one refresh grant")
        assert.isFalse((yield* emulator.admin.requests).some((r) => r.errorCode === "refresh_token_reused"))
      })
  )

  h.live(
    "session: a used refresh token → refresh_token_reused, permanent, no retry; the file is untouched",
    () =>
      Effect.gen(function*() {
        const { authFile, emulator, fs, home, text } = yield* seeded({ accessTokenTtlSeconds: -60 })
        yield* (yield* sessionIn(home, emulator.url)).getToken
        // Another program used the token and kept the result to itself (its file was put back afterwards).
        yield* fs.writeAtomic(authFile, text, { mode: 0o600 })
        const session = yield* sessionIn(home, emulator.url)
        const error = yield* Effect.flip(session.getToken)
        assert.equal(error._tag, "RefreshTokenRejected")
        assert.include(error.message, "already used")
        yield* Effect.flip(session.getToken)
        const log = yield* grants(emulator)
        assert.equal(log.length, 2, "the permanent failure is remembered")
        assert.equal(log[1]!.errorCode, "refresh_token_reused")
        assert.equal(Option.getOrThrow(yield* fs.read(authFile)), text, "stored auth untouched")
      })
  )

  h.live(
    "session: a 500 may have spent the token — sent once, never retried; the stored auth is kept",
    () =>
      Effect.gen(function*() {
        const { authFile, emulator, fs, home, text } = yield* seeded({ accessTokenTtlSeconds: -60 })
        yield* emulator.admin.addFault({ path: "/oauth/token", kind: "status", status: 500, count: 10 })
        const session = yield* sessionIn(home, emulator.url, { refreshRetries: 2 })
        const error = yield* Effect.flip(session.getToken)
        assert.equal(error._tag, "RefreshTransientError")
        assert.equal((yield* grants(emulator)).length, 1)
        assert.equal(Option.getOrThrow(yield* fs.read(authFile)), text)
      })
  )

  h.live("session: a 429 spent nothing — retried with back-off, then saved", () =>
    Effect.gen(function*() {
      const { authFile, emulator, fs, home, text } = yield* seeded({ accessTokenTtlSeconds: -60 })
      yield* emulator.admin.addFault({ path: "/oauth/token", kind: "rate_limit", count: 2 })
      const session = yield* sessionIn(home, emulator.url, { refreshRetries: 2 })
      yield* session.getToken
      assert.equal((yield* grants(emulator)).length, 3)
      assert.notEqual(Option.getOrThrow(yield* fs.read(authFile)), text)
    }))

  h.live(
    "session: logout revokes the refresh token (§7 body) and removes auth.json; a revoke 500 still removes it",
    () =>
      Effect.gen(function*() {
        const { authFile, emulator, fs, home } = yield* seeded({})
        const session = yield* sessionIn(home, emulator.url)
        assert.deepEqual(yield* session.logout, { removed: true, revoke: "revoked" })
        const revokes = (yield* emulator.admin.requests).filter((r) => r.path === "/oauth/revoke")
        assert.equal(revokes.length, 1)
        assert.deepEqual(revokes[0]!.bodyKeys, ["token", "token_type_hint", "client_id"])
        assert.isTrue(Option.isNone(yield* fs.stat(authFile)))
        assert.isFalse((yield* session.status).loggedIn)
        const again = yield* sessionIn(home, emulator.url)
        yield* fs.writeAtomic(authFile, authJsonText(yield* emulator.admin.mintTokens({}), emulator.url), {
          mode: 0o600
        })
        yield* emulator.admin.addFault({ path: "/oauth/revoke", kind: "status", status: 500 })
        assert.deepEqual(yield* again.logout, { removed: true, revoke: "failed" })
        assert.isTrue(Option.isNone(yield* fs.stat(authFile)))
        assert.deepEqual(yield* again.logout, { removed: false, revoke: "skipped" })
      })
  )
}
