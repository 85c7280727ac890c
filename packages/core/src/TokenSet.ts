/**
 * The token set a session works with: the three tokens (`Redacted`), what their claims say, when the access token
 * expires and when it was last refreshed — built from `auth.json` or from a token-endpoint response, merged after a
 * refresh, written back to `auth.json`, and the refresh rule of PROTOCOL.md §9.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as AuthJson from "./AuthJson.ts"
import * as rules from "./internal/plainRules.ts"
import * as Jwt from "./Jwt.ts"

/**
 * Which issuer and OAuth client the tokens belong to (`tokens.oauth_provenance`).
 *
 * @since 0.1.0
 */
export interface Provenance {
  readonly issuer: string
  readonly clientId: string
}

/**
 * @since 0.1.0
 */
export interface TokenSet {
  readonly idToken: Redacted.Redacted<string>
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  /** The ChatGPT account (workspace) id: `tokens.account_id`, from the id token's `chatgpt_account_id` at login. */
  readonly accountId: Option.Option<string>
  readonly idTokenInfo: Jwt.IdTokenInfo
  /** The access token's claims; none when the access token is not a readable JWT. */
  readonly accessTokenInfo: Option.Option<Jwt.AccessTokenInfo>
  /** The access token's `exp` as epoch milliseconds; none when absent or unreadable. */
  readonly accessTokenExpiresAt: Option.Option<number>
  /** `last_refresh` as epoch milliseconds. */
  readonly lastRefresh: Option.Option<number>
  /** `last_refresh` as it will be written: the stored text (nanoseconds kept) until the next refresh replaces it. */
  readonly lastRefreshText: Option.Option<string>
  readonly provenance: Option.Option<Provenance>
}

/**
 * The three tokens a token endpoint returns from an authorization-code exchange.
 *
 * @since 0.1.0
 */
export interface TokenResponse {
  readonly idToken: Redacted.Redacted<string>
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
}

/**
 * What a refresh returned: any of the three may be missing (§5), and a missing one keeps its current value.
 *
 * @since 0.1.0
 */
export interface RefreshedTokens {
  readonly idToken: Option.Option<Redacted.Redacted<string>>
  readonly accessToken: Option.Option<Redacted.Redacted<string>>
  readonly refreshToken: Option.Option<Redacted.Redacted<string>>
}

/**
 * Refresh when the access token expires within this window (5 minutes).
 *
 * @since 0.1.0
 */
export const refreshSkewMillis: number = rules.refreshSkewMillis

/**
 * Without a readable `exp`, refresh when `last_refresh` is older than this (8 days, Codex's
 * `TOKEN_REFRESH_INTERVAL`).
 *
 * @since 0.1.0
 */
export const refreshIntervalMillis: number = rules.refreshIntervalMillis

const accessTokenClaims = (accessToken: Redacted.Redacted<string>): Option.Option<Jwt.AccessTokenInfo> =>
  Either.getRight(Jwt.decodeAccessTokenEither(accessToken))

const expiresAt = (claims: Option.Option<Jwt.AccessTokenInfo>): Option.Option<number> =>
  Option.flatMap(claims, Jwt.expiresAtMillis)

/** The token set of three tokens and what else is known of them; the access token's claims and `exp` read here. */
const assemble = (
  tokens: TokenResponse,
  known: Pick<TokenSet, "accountId" | "idTokenInfo" | "lastRefresh" | "lastRefreshText" | "provenance">
): TokenSet => {
  const accessTokenInfo = accessTokenClaims(tokens.accessToken)
  return {
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accountId: known.accountId,
    idTokenInfo: known.idTokenInfo,
    accessTokenInfo,
    accessTokenExpiresAt: expiresAt(accessTokenInfo),
    lastRefresh: known.lastRefresh,
    lastRefreshText: known.lastRefreshText,
    provenance: known.provenance
  }
}

/**
 * The token set stored in a document; none when the document holds no tokens (API-key mode, or logged out).
 *
 * @since 0.1.0
 */
export const fromAuthDocument = (document: AuthJson.AuthDocument): Option.Option<TokenSet> =>
  Option.map(document.tokens, (tokens) =>
    assemble(tokens, {
      accountId: tokens.accountId,
      idTokenInfo: tokens.idTokenInfo,
      lastRefresh: AuthJson.lastRefreshMillis(document),
      lastRefreshText: document.lastRefresh,
      provenance: Option.map(tokens.oauthProvenance, ({ clientId, issuer }) => ({ issuer, clientId }))
    }))

/**
 * Options of {@link fromTokenResponse}.
 *
 * @since 0.1.0
 */
export interface FromTokenResponseOptions {
  /** The issuer and client that issued the tokens, recorded as `oauth_provenance`. */
  readonly provenance?: Provenance | undefined
}

/**
 * The token set of a fresh login, refreshed `now` (epoch milliseconds). The account id comes from the id token.
 *
 * @since 0.1.0
 */
export const fromTokenResponseEither = (
  response: TokenResponse,
  now: number,
  options?: FromTokenResponseOptions
): Either.Either<TokenSet, Jwt.JwtMalformed> =>
  Either.map(Jwt.decodeIdTokenEither(response.idToken), (idTokenInfo) =>
    assemble(response, {
      accountId: idTokenInfo.chatgptAccountId,
      idTokenInfo,
      lastRefresh: Option.some(now),
      lastRefreshText: Option.some(AuthJson.formatTimestamp(now)),
      provenance: Option.fromNullable(options?.provenance)
    }))

/**
 * The token set of a fresh login, refreshed `now` (epoch milliseconds). The account id comes from the id token.
 *
 * @since 0.1.0
 */
export const fromTokenResponse = (
  response: TokenResponse,
  now: number,
  options?: FromTokenResponseOptions
): Effect.Effect<TokenSet, Jwt.JwtMalformed> => fromTokenResponseEither(response, now, options)

/**
 * Applies a refresh response at `now` (epoch milliseconds): present tokens replace the current ones, absent ones are
 * kept (a refresh without `id_token` keeps the old one), and `last_refresh` becomes `now`. The account id stays as
 * stored; only a token set that had none takes the new id token's.
 *
 * @since 0.1.0
 */
export const mergeEither = (
  current: TokenSet,
  refreshed: RefreshedTokens,
  now: number
): Either.Either<TokenSet, Jwt.JwtMalformed> =>
  Either.gen(function*() {
    const idTokenInfo = Option.isSome(refreshed.idToken)
      ? yield* Jwt.decodeIdTokenEither(refreshed.idToken.value)
      : current.idTokenInfo
    const accessToken = Option.getOrElse(refreshed.accessToken, () => current.accessToken)
    const accessTokenInfo = Option.isSome(refreshed.accessToken)
      ? accessTokenClaims(accessToken)
      : current.accessTokenInfo
    return {
      idToken: Option.getOrElse(refreshed.idToken, () => current.idToken),
      accessToken,
      refreshToken: Option.getOrElse(refreshed.refreshToken, () => current.refreshToken),
      accountId: Option.orElse(current.accountId, () => idTokenInfo.chatgptAccountId),
      idTokenInfo,
      accessTokenInfo,
      accessTokenExpiresAt: expiresAt(accessTokenInfo),
      lastRefresh: Option.some(now),
      lastRefreshText: Option.some(AuthJson.formatTimestamp(now)),
      provenance: current.provenance
    }
  })

/**
 * Applies a refresh response at `now` (epoch milliseconds); see {@link mergeEither}.
 *
 * @since 0.1.0
 */
export const merge = (
  current: TokenSet,
  refreshed: RefreshedTokens,
  now: number
): Effect.Effect<TokenSet, Jwt.JwtMalformed> => mergeEither(current, refreshed, now)

/**
 * Options of {@link toAuthDocument}.
 *
 * @since 0.1.0
 */
export interface ToAuthDocumentOptions {
  /**
   * `OPENAI_API_KEY` to write. Omitted: the previous document's key is kept (a refresh keeps it); a login passes
   * what its API-key exchange returned, or `Option.none()`, so a stale key is not carried over.
   */
  readonly openaiApiKey?: Option.Option<Redacted.Redacted<string>> | undefined
}

/**
 * The `auth.json` document for a token set. With the document it replaces, that document's unknown fields (at every
 * level), `login_owner_id` and API key are kept, and a missing `auth_mode` stays missing when the old file was in
 * ChatGPT mode (what Codex does on refresh); otherwise `auth_mode` is `chatgpt`.
 *
 * @since 0.1.0
 */
export const toAuthDocument = (
  tokenSet: TokenSet,
  previous?: AuthJson.AuthDocument,
  options?: ToAuthDocumentOptions
): AuthJson.AuthDocument => {
  const previousTokens = Option.flatMap(Option.fromNullable(previous), (document) => document.tokens)
  const previousProvenance = Option.flatMap(previousTokens, (tokens) => tokens.oauthProvenance)
  const oauthProvenance: Option.Option<AuthJson.OAuthProvenance> = Option.match(tokenSet.provenance, {
    onNone: () => previousProvenance,
    onSome: ({ clientId, issuer }) =>
      Option.some({
        issuer,
        clientId,
        unknownFields: Option.match(previousProvenance, {
          onNone: () => [],
          onSome: (old) => old.issuer === issuer && old.clientId === clientId ? old.unknownFields : []
        })
      })
  })
  const keepMissingMode = previous !== undefined && Option.isNone(previous.authMode) &&
    AuthJson.resolvedMode(previous) === "chatgpt"
  return {
    authMode: keepMissingMode ? Option.none() : Option.some("chatgpt"),
    openaiApiKey: options?.openaiApiKey ?? Option.flatMap(Option.fromNullable(previous), (doc) => doc.openaiApiKey),
    // A ChatGPT login replaces an access-token login outright (Codex writes no `agent_identity` with tokens).
    agentIdentity: Option.none(),
    tokens: Option.some({
      idToken: tokenSet.idToken,
      idTokenInfo: tokenSet.idTokenInfo,
      accessToken: tokenSet.accessToken,
      refreshToken: tokenSet.refreshToken,
      oauthProvenance,
      loginOwnerId: Option.flatMap(previousTokens, (tokens) => tokens.loginOwnerId),
      accountId: tokenSet.accountId,
      unknownFields: Option.match(previousTokens, { onNone: () => [], onSome: (tokens) => tokens.unknownFields })
    }),
    lastRefresh: Option.orElse(
      tokenSet.lastRefreshText,
      () => Option.map(tokenSet.lastRefresh, AuthJson.formatTimestamp)
    ),
    unknownFields: previous?.unknownFields ?? []
  }
}

/**
 * The rule of §9: refresh when the access token's `exp` is within 5 minutes of `nowMillis` (or past). Without a
 * readable `exp`, refresh when `last_refresh` is more than 8 days old. With neither, refresh: nothing says the token
 * is still good, and a refresh records a `last_refresh` so the question does not come up again for 8 days.
 *
 * @since 0.1.0
 */
export const needsRefresh = (tokenSet: TokenSet, nowMillis: number): boolean =>
  rules.needsRefresh(
    Option.getOrUndefined(tokenSet.accessTokenExpiresAt),
    Option.getOrUndefined(tokenSet.lastRefresh),
    nowMillis
  )

/**
 * Whether two token sets belong to the same ChatGPT account (used before adopting tokens another process stored).
 * The account (the stored account id, else the id token's `chatgpt_account_id`) must be present on both sides and
 * equal; the user (`chatgpt_user_id`) must be equal when both sides carry it, so two members of one workspace are
 * told apart. Without account ids the user ids, else the emails, decide. With nothing to compare: `false`.
 *
 * @since 0.1.0
 */
export const sameAccount = (a: TokenSet, b: TokenSet): boolean => {
  const account = (tokens: TokenSet) => Option.orElse(tokens.accountId, () => tokens.idTokenInfo.chatgptAccountId)
  const accountA = account(a)
  const accountB = account(b)
  const userA = a.idTokenInfo.chatgptUserId
  const userB = b.idTokenInfo.chatgptUserId
  const bothUsers = Option.isSome(userA) && Option.isSome(userB)
  if (Option.isSome(accountA) || Option.isSome(accountB)) {
    return Option.isSome(accountA) && Option.isSome(accountB) && accountA.value === accountB.value &&
      (!bothUsers || userA.value === userB.value)
  }
  if (bothUsers) return userA.value === userB.value
  const emailA = a.idTokenInfo.email
  const emailB = b.idTokenInfo.email
  return Option.isSome(emailA) && Option.isSome(emailB) && emailA.value === emailB.value
}
