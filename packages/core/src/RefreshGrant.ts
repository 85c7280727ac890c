/**
 * One refresh grant as plain, synchronous functions: where it goes (§5), what it sends (§4), how its answer is read
 * and what is saved from it. The session (through the OAuth client and the credential store) and the CLI's startup
 * refresh, which runs without the Effect runtime, call these same functions: neither decides anything about a grant
 * by itself. Nothing here sends, waits or writes.
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as AuthJson from "./AuthJson.ts"
import * as Journal from "./internal/journal.ts"
import * as ResponseBody from "./internal/responseBody.ts"
import * as Jwt from "./Jwt.ts"
import { MalformedResponse } from "./OAuthError.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"
import * as TokenSet from "./TokenSet.ts"

const trimSlashes = (url: string): string => url.replace(/\/+$/, "")

/**
 * Where a refresh of `tokenSet` goes when it is not the profile's `refreshTokenUrl`: an explicit override (a session
 * option), else `CODEX_REFRESH_TOKEN_URL_OVERRIDE` (kept by the profile), else the issuer recorded with the tokens
 * when it is not the profile's (§5: refresh where the tokens came from). `undefined`: the profile's URL.
 *
 * @since 0.2.0
 * @category decisions
 */
export const url = (
  profile: ProviderProfile,
  tokenSet: TokenSet.TokenSet,
  override?: string | undefined
): string | undefined => {
  if (override !== undefined && override.trim() !== "") return override.trim()
  if (Option.isSome(profile.refreshTokenUrlOverride)) return profile.refreshTokenUrlOverride.value
  return Option.match(tokenSet.provenance, {
    onNone: () => undefined,
    onSome: ({ issuer }) =>
      trimSlashes(issuer) === trimSlashes(profile.issuer) ? undefined : `${trimSlashes(issuer)}/oauth/token`
  })
}

/**
 * The URL the grant is sent to: {@link url}, else the profile's `refreshTokenUrl`.
 *
 * @since 0.2.0
 * @category decisions
 */
export const endpoint = (
  profile: ProviderProfile,
  tokenSet: TokenSet.TokenSet,
  override?: string | undefined
): string => url(profile, tokenSet, override) ?? profile.refreshTokenUrl

/**
 * The headers of every request to the issuer besides the body's own: Codex's `originator` and `User-Agent`.
 *
 * @since 0.2.0
 * @category requests
 */
export const headers = (profile: ProviderProfile): Readonly<Record<"originator" | "user-agent", string>> => ({
  originator: profile.originator,
  "user-agent": profile.userAgent
})

/**
 * The grant's JSON body (§4), its fields in the order Codex sends them.
 *
 * @since 0.2.0
 * @category requests
 */
export const body = (
  profile: ProviderProfile,
  refreshToken: Redacted.Redacted<string>
): Readonly<Record<"client_id" | "grant_type" | "refresh_reason" | "refresh_token", string>> => ({
  client_id: profile.clientId,
  grant_type: "refresh_token",
  refresh_reason: "proactive_expiry",
  refresh_token: Redacted.value(refreshToken)
})

const SecretString = Schema.Redacted(Schema.String)
const OptionalSecret = Schema.optionalWith(SecretString, { as: "Option", nullable: true })

const AnswerBody = Schema.Struct({
  id_token: OptionalSecret,
  access_token: OptionalSecret,
  refresh_token: OptionalSecret
})

const isPlausibleToken = (token: string): boolean => token.length >= 8 && !/\s/.test(token)

/**
 * A successful (2xx) answer's body read at `now` (epoch milliseconds). It is a refresh only when it carries a usable
 * access token: a JWT that has not expired. Anything else (`{}`, `{"error":…}` with 200, an empty or garbage token)
 * is a `MalformedResponse`, and the stored tokens stay as they were.
 *
 * @since 0.2.0
 * @category answers
 */
export const decodeAnswer = (
  text: string,
  now: number
): Either.Either<TokenSet.RefreshedTokens, MalformedResponse> =>
  Either.flatMap(ResponseBody.decodeEither("refresh", AnswerBody, text), (answer) => {
    const fail = (reason: string) => Either.left(new MalformedResponse({ operation: "refresh", reason }))
    if (Option.isNone(answer.access_token)) return fail("access_token is missing")
    const claims = Jwt.decodeAccessTokenEither(answer.access_token.value)
    if (Either.isLeft(claims)) return fail("access_token is not a JWT")
    const exp = Jwt.expiresAtMillis(claims.right)
    if (Option.isSome(exp) && exp.value <= now) return fail("access_token has already expired")
    if (Option.isSome(answer.refresh_token) && !isPlausibleToken(Redacted.value(answer.refresh_token.value))) {
      return fail("refresh_token is empty or not a token")
    }
    if (Option.isSome(answer.id_token) && Either.isLeft(Jwt.decodeIdTokenEither(answer.id_token.value))) {
      return fail("id_token is not a JWT")
    }
    return Either.right({
      idToken: answer.id_token,
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token
    })
  })

/**
 * What the store saves after a refresh of `stored` answered `refreshed` at `now`: the merged token set
 * (`TokenSet.mergeEither`) and its `auth.json` document, which keeps what the stored document held besides the tokens
 * (`TokenSet.toAuthDocument`).
 *
 * @since 0.2.0
 * @category answers
 */
export const apply = (
  stored: { readonly tokenSet: TokenSet.TokenSet; readonly document: AuthJson.AuthDocument },
  refreshed: TokenSet.RefreshedTokens,
  now: number
): Either.Either<
  { readonly tokenSet: TokenSet.TokenSet; readonly document: AuthJson.AuthDocument },
  Jwt.JwtMalformed
> =>
  Either.map(
    TokenSet.mergeEither(stored.tokenSet, refreshed, now),
    (tokenSet) => ({ tokenSet, document: TokenSet.toAuthDocument(tokenSet, stored.document) })
  )

/**
 * The journal's name beside `auth.json` (`FileCredentialStore.journalName`). While it exists, a refresh is the
 * store's to finish or sweep (`FileCredentialStore.withJournal`): a startup path never refreshes past it.
 *
 * @since 0.2.0
 * @category journal
 */
export const journalName: string = Journal.journalName

/**
 * The journal's text before a grant of `current` is sent: a reservation, padded so the disk has room for the entry
 * and, once the journal is truncated to it, for the temporary of `auth.json`.
 *
 * @since 0.2.0
 * @category journal
 */
export const journalReservation: (current: AuthJson.AuthDocument) => string = Journal.reservation

/**
 * The journal's text once the issuer answered a grant of `current`: the `auth.json` text of `next` and the refresh
 * token it replaces, which the store's `load` restores when the save did not happen.
 *
 * @since 0.2.0
 * @category journal
 */
export const journalEntry: (current: AuthJson.AuthDocument, next: AuthJson.AuthDocument) => string = Journal.entry
