import * as AuthJson from "@codex-auth/core/AuthJson"
import * as TokenSet from "@codex-auth/core/TokenSet"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as files from "./fixtures/authFiles.ts"
import { idTokenClaims, makeJwt } from "./fixtures/jwt.ts"

const path = "/home/someone/.codex/auth.json"
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const NOW = Date.UTC(2026, 10, 21, 22, 18, 32, 564)

const parse = (text: string) => Either.getOrThrow(AuthJson.parseEither(text, { path }))
const fromFile = (text: string) => Option.getOrThrow(TokenSet.fromAuthDocument(parse(text)))
const tokensOf = (document: AuthJson.AuthDocument) => Option.getOrThrow(document.tokens)

const response = (
  accessClaims: Record<string, unknown> = { exp: Math.floor(NOW / 1000) + 3600 },
  idOverrides: Record<string, unknown> = {},
  auth: Record<string, unknown> = {}
): TokenSet.TokenResponse => ({
  idToken: Redacted.make(makeJwt(idTokenClaims(idOverrides, auth))),
  accessToken: Redacted.make(makeJwt(accessClaims)),
  refreshToken: Redacted.make("rt_login")
})

const loginAt = (now: number, accessClaims?: Record<string, unknown>) =>
  Either.getOrThrow(TokenSet.fromTokenResponseEither(response(accessClaims), now))

/** The clock is fixed with TestClock; the rule itself is pure and receives "now" from the clock. */
const needsRefreshNow = (tokenSet: TokenSet.TokenSet) =>
  Effect.map(Clock.currentTimeMillis, (now) => TokenSet.needsRefresh(tokenSet, now))

describe("TokenSet", () => {
  it.effect("builds a token set from a login response", () =>
    Effect.gen(function*() {
      const tokenSet = yield* TokenSet.fromTokenResponse(response(), NOW, {
        provenance: { issuer: "http://127.0.0.1:9999", clientId: "app_test" }
      })
      assert.deepStrictEqual(tokenSet.accountId, Option.some("acct-1111"))
      assert.deepStrictEqual(tokenSet.idTokenInfo.email, Option.some("user@example.com"))
      assert.deepStrictEqual(tokenSet.accessTokenExpiresAt, Option.some((Math.floor(NOW / 1000) + 3600) * 1000))
      assert.deepStrictEqual(tokenSet.lastRefresh, Option.some(NOW))
      assert.deepStrictEqual(tokenSet.lastRefreshText, Option.some("2026-11-21T22:18:32.564Z"))
      assert.deepStrictEqual(
        tokenSet.provenance,
        Option.some({ issuer: "http://127.0.0.1:9999", clientId: "app_test" })
      )
      assert.strictEqual(Redacted.value(tokenSet.refreshToken), "rt_login")
    }))

  it.effect("refuses a login response whose id token is not a JWT, without echoing it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        TokenSet.fromTokenResponse({ ...response(), idToken: Redacted.make("opaque-secret-id-token") }, NOW)
      )
      assert.strictEqual(error._tag, "JwtMalformed")
      assert.notInclude(error.message, "opaque-secret-id-token")
    }))

  it("reads the token set of an auth.json, and none from an API-key file", () => {
    const tokenSet = fromFile(files.current)
    assert.strictEqual(Redacted.value(tokenSet.idToken), files.idToken)
    assert.deepStrictEqual(tokenSet.accountId, Option.some("acct-1111"))
    assert.deepStrictEqual(tokenSet.accessTokenExpiresAt, Option.some(1_800_000_000_000))
    assert.deepStrictEqual(tokenSet.lastRefreshText, Option.some(files.lastRefresh))
    assert.deepStrictEqual(
      tokenSet.provenance,
      Option.some({ issuer: "https://auth.openai.com", clientId: "app_EMoamEEZ73f0CkXaXp7hrann" })
    )
    assert.isTrue(Option.isNone(TokenSet.fromAuthDocument(parse(files.apiKeyOnly))))
  })

  it("writes a file it read back byte for byte (login_owner_id and nanosecond last_refresh kept)", () => {
    for (
      const text of [files.current, files.withoutAuthMode, files.withoutProvenance, files.withUnknownFieldsRewritten]
    ) {
      const document = parse(text)
      const tokenSet = Option.getOrThrow(TokenSet.fromAuthDocument(document))
      assert.strictEqual(AuthJson.stringify(TokenSet.toAuthDocument(tokenSet, document)), text)
    }
  })

  describe("needsRefresh", () => {
    it.effect("at the 5-minute edge: 4:59 before exp → refresh, 5:01 before → not yet", () =>
      Effect.gen(function*() {
        const expSeconds = Math.floor(NOW / 1000) + 3600
        const tokenSet = loginAt(NOW, { exp: expSeconds })
        const exp = expSeconds * 1000
        yield* TestClock.setTime(exp - 5 * MINUTE - 1000)
        assert.isFalse(yield* needsRefreshNow(tokenSet))
        yield* TestClock.adjust("2 seconds")
        assert.isTrue(yield* needsRefreshNow(tokenSet))
        yield* TestClock.setTime(exp - 5 * MINUTE)
        assert.isTrue(yield* needsRefreshNow(tokenSet))
        yield* TestClock.setTime(exp + DAY)
        assert.isTrue(yield* needsRefreshNow(tokenSet))
      }))

    it.effect("without exp, refreshes when last_refresh is more than 8 days old (7 days → no, 9 days → yes)", () =>
      Effect.gen(function*() {
        const tokenSet = loginAt(NOW, { sub: "no-exp" })
        assert.isTrue(Option.isNone(tokenSet.accessTokenExpiresAt))
        yield* TestClock.setTime(NOW + 7 * DAY)
        assert.isFalse(yield* needsRefreshNow(tokenSet))
        yield* TestClock.setTime(NOW + 9 * DAY)
        assert.isTrue(yield* needsRefreshNow(tokenSet))
      }))

    it.effect("an access token that is not a JWT counts as having no exp", () =>
      Effect.gen(function*() {
        const tokenSet = { ...loginAt(NOW), accessToken: Redacted.make("opaque") }
        const merged = yield* TokenSet.merge(tokenSet, {
          idToken: Option.none(),
          accessToken: Option.some(Redacted.make("opaque-access-token")),
          refreshToken: Option.none()
        }, NOW)
        assert.isTrue(Option.isNone(merged.accessTokenExpiresAt))
        yield* TestClock.setTime(NOW + 7 * DAY)
        assert.isFalse(yield* needsRefreshNow(merged))
        yield* TestClock.setTime(NOW + 9 * DAY)
        assert.isTrue(yield* needsRefreshNow(merged))
      }))

    it("a fresh exp wins over an old last_refresh", () => {
      const tokenSet = { ...loginAt(NOW - 30 * DAY, { exp: Math.floor(NOW / 1000) + 3600 }) }
      assert.isFalse(TokenSet.needsRefresh(tokenSet, NOW))
    })

    it("with neither exp nor last_refresh, refreshes", () => {
      const tokenSet = { ...loginAt(NOW, {}), lastRefresh: Option.none(), lastRefreshText: Option.none() }
      assert.isTrue(TokenSet.needsRefresh(tokenSet, NOW))
    })
  })

  describe("merge", () => {
    it.effect("keeps the id token when the refresh returned none, and takes the rotated tokens", () =>
      Effect.gen(function*() {
        const current = fromFile(files.current)
        const newExp = Math.floor(NOW / 1000) + 7200
        const merged = yield* TokenSet.merge(current, {
          idToken: Option.none(),
          accessToken: Option.some(Redacted.make(makeJwt({ exp: newExp }))),
          refreshToken: Option.some(Redacted.make("rt_rotated"))
        }, NOW)
        assert.strictEqual(merged.idToken, current.idToken)
        assert.strictEqual(merged.idTokenInfo, current.idTokenInfo)
        assert.strictEqual(Redacted.value(merged.refreshToken), "rt_rotated")
        assert.deepStrictEqual(merged.accessTokenExpiresAt, Option.some(newExp * 1000))
        assert.deepStrictEqual(merged.lastRefresh, Option.some(NOW))
        assert.deepStrictEqual(merged.lastRefreshText, Option.some("2026-11-21T22:18:32.564Z"))
        assert.deepStrictEqual(merged.accountId, current.accountId)
        assert.deepStrictEqual(merged.provenance, current.provenance)
      }))

    it.effect("keeps everything but last_refresh when the refresh returned nothing", () =>
      Effect.gen(function*() {
        const current = fromFile(files.current)
        const none = { idToken: Option.none(), accessToken: Option.none(), refreshToken: Option.none() }
        const merged = yield* TokenSet.merge(current, none, NOW + DAY)
        assert.deepStrictEqual({
          ...merged,
          lastRefresh: current.lastRefresh,
          lastRefreshText: current.lastRefreshText
        }, current)
        assert.deepStrictEqual(merged.lastRefresh, Option.some(NOW + DAY))
      }))

    it.effect("decodes a new id token, and a token set without account id takes the new one", () =>
      Effect.gen(function*() {
        const current = fromFile(files.withoutAccountId)
        assert.isTrue(Option.isNone(current.accountId))
        const merged = yield* TokenSet.merge(current, {
          idToken: Option.some(Redacted.make(makeJwt(idTokenClaims({ email: "new@example.com" })))),
          accessToken: Option.none(),
          refreshToken: Option.none()
        }, NOW)
        assert.deepStrictEqual(merged.idTokenInfo.email, Option.some("new@example.com"))
        assert.deepStrictEqual(merged.accountId, Option.some("acct-1111"))
        const error = yield* Effect.flip(TokenSet.merge(current, {
          idToken: Option.some(Redacted.make("not-a-jwt")),
          accessToken: Option.none(),
          refreshToken: Option.none()
        }, NOW))
        assert.strictEqual(error._tag, "JwtMalformed")
      }))

    it.effect("a refreshed token set is written with the new last_refresh and everything else kept", () =>
      Effect.gen(function*() {
        const previous = parse(files.withUnknownFields)
        const current = Option.getOrThrow(TokenSet.fromAuthDocument(previous))
        const merged = yield* TokenSet.merge(current, {
          idToken: Option.none(),
          accessToken: Option.some(Redacted.make("new-access")),
          refreshToken: Option.some(Redacted.make("new-refresh"))
        }, NOW + DAY)
        const written = AuthJson.stringify(TokenSet.toAuthDocument(merged, previous))
        const expected = files.withUnknownFieldsRewritten
          .replace(files.accessToken, "new-access")
          .replace(files.refreshToken, "new-refresh")
          .replace(files.lastRefresh, "2026-11-22T22:18:32.564Z")
        assert.strictEqual(written, expected)
      }))
  })

  describe("toAuthDocument", () => {
    it("writes a fresh login in Codex's shape, with no login_owner_id invented", () => {
      const tokenSet = Either.getOrThrow(
        TokenSet.fromTokenResponseEither(response({ exp: 1 }), Date.UTC(2026, 10, 21, 22, 18, 32), {
          provenance: { issuer: "https://auth.openai.com", clientId: "app_EMoamEEZ73f0CkXaXp7hrann" }
        })
      )
      const text = AuthJson.stringify(
        TokenSet.toAuthDocument(tokenSet, undefined, { openaiApiKey: Option.some(Redacted.make("sk-exchanged")) })
      )
      const lines = text.split("\n")
      assert.deepStrictEqual(lines.slice(0, 2), ["{", `  "auth_mode": "chatgpt",`])
      assert.strictEqual(lines[2], `  "OPENAI_API_KEY": "sk-exchanged",`)
      assert.deepStrictEqual(
        lines.map((line) => line.match(/^\s*"([^"]+)"/)?.[1]).filter((key) => key !== undefined),
        [
          "auth_mode",
          "OPENAI_API_KEY",
          "tokens",
          "id_token",
          "access_token",
          "refresh_token",
          "oauth_provenance",
          "issuer",
          "client_id",
          "account_id",
          "last_refresh"
        ]
      )
      assert.include(text, `"account_id": "acct-1111"`)
      assert.include(text, `"last_refresh": "2026-11-21T22:18:32Z"\n}`)
    })

    it("replacing an API-key file switches to chatgpt; a login can drop the stale key", () => {
      const previous = parse(files.apiKeyOnly)
      const tokenSet = loginAt(NOW)
      const kept = TokenSet.toAuthDocument(tokenSet, previous)
      assert.deepStrictEqual(kept.authMode, Option.some("chatgpt"))
      assert.strictEqual(Redacted.value(Option.getOrThrow(kept.openaiApiKey)), files.apiKey)
      const dropped = TokenSet.toAuthDocument(tokenSet, previous, { openaiApiKey: Option.none() })
      assert.isTrue(Option.isNone(dropped.openaiApiKey))
      // An old file without auth_mode but with a key was in API-key mode: writing tokens states the mode.
      const legacy = TokenSet.toAuthDocument(tokenSet, parse(files.withoutAuthModeWithApiKey))
      assert.deepStrictEqual(legacy.authMode, Option.some("chatgpt"))
    })

    it("keeps the previous provenance's unknown fields only for the same issuer and client", () => {
      const previous = parse(files.withUnknownFields)
      const same = TokenSet.toAuthDocument(loginAt(NOW), previous)
      const sameProvenance = Option.getOrThrow(tokensOf(same).oauthProvenance)
      assert.deepStrictEqual(sameProvenance.unknownFields.map(([key]) => key), ["x_provenance_extra"])
      assert.deepStrictEqual(tokensOf(same).loginOwnerId, Option.some(files.loginOwnerId))
      const other = Either.getOrThrow(
        TokenSet.fromTokenResponseEither(response(), NOW, {
          provenance: { issuer: "http://127.0.0.1:1", clientId: "c" }
        })
      )
      const moved = Option.getOrThrow(tokensOf(TokenSet.toAuthDocument(other, previous)).oauthProvenance)
      assert.deepStrictEqual(moved, { issuer: "http://127.0.0.1:1", clientId: "c", unknownFields: [] })
    })
  })

  describe("sameAccount", () => {
    const login = (auth: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
      Either.getOrThrow(TokenSet.fromTokenResponseEither(response(undefined, overrides, auth), NOW))

    it("is true for the same account and user, and false when either differs", () => {
      const a = login({})
      assert.isTrue(TokenSet.sameAccount(a, login({})))
      assert.isTrue(TokenSet.sameAccount(a, fromFile(files.current)))
      assert.isFalse(TokenSet.sameAccount(a, login({ chatgpt_account_id: "acct-2222" })))
      // Two members of one workspace share the account id: still different accounts.
      assert.isFalse(TokenSet.sameAccount(a, login({ chatgpt_user_id: "user-2222" })))
    })

    it("compares the stored account id before the id token's claim", () => {
      const a = login({})
      const b = { ...login({ chatgpt_account_id: "acct-other" }), accountId: Option.some("acct-1111") }
      assert.isTrue(TokenSet.sameAccount(a, b))
    })

    it("is false when only one side knows its account, and falls back to user ids then emails", () => {
      const noAccount = login({ chatgpt_account_id: undefined })
      assert.isTrue(Option.isNone(noAccount.accountId))
      assert.isFalse(TokenSet.sameAccount(login({}), noAccount))
      assert.isTrue(TokenSet.sameAccount(noAccount, login({ chatgpt_account_id: undefined })))
      assert.isFalse(TokenSet.sameAccount(noAccount, login({ chatgpt_account_id: undefined, chatgpt_user_id: "u2" })))
      const emailOnly = (email: string) =>
        login({ chatgpt_account_id: undefined, chatgpt_user_id: undefined }, { email })
      assert.isTrue(TokenSet.sameAccount(emailOnly("a@example.com"), emailOnly("a@example.com")))
      assert.isFalse(TokenSet.sameAccount(emailOnly("a@example.com"), emailOnly("b@example.com")))
      const anonymous = login({ chatgpt_account_id: undefined, chatgpt_user_id: undefined }, { email: undefined })
      assert.isFalse(TokenSet.sameAccount(anonymous, anonymous))
    })
  })
})
