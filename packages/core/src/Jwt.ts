/**
 * Decoding (not verifying) the JWTs the issuer hands out, and reading the claims Codex relies on (PROTOCOL.md §9).
 *
 * Tokens come straight from the token endpoint over TLS, so — like the Codex CLI — nothing here checks a signature.
 * The claims are decoded with `Schema` at this boundary; a claim of the wrong type is treated as absent rather than
 * failing the whole token, and unknown claims are ignored.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as internal from "./internal/jwt.ts"

/**
 * A token is not a decodable JWT. The message names the part that is wrong and never contains token text.
 *
 * @since 0.1.0
 */
export class JwtMalformed extends Schema.TaggedError<JwtMalformed>("@codex-auth/core/JwtMalformed")("JwtMalformed", {
  /** Which token it was, for the message: e.g. "id token". */
  token: Schema.String,
  part: Schema.Literal("token", "header", "payload", "signature"),
  reason: Schema.String
}) {
  override get message(): string {
    const where = this.part === "token" ? "The" : `The ${this.part} of the`
    return `${where} ${this.token} is not a valid JWT: ${this.reason}. ` +
      "The issuer did not return a usable token, or the stored credentials are damaged: sign in again."
  }
}

/**
 * The ChatGPT plans Codex knows by name.
 *
 * @since 0.1.0
 */
export const knownPlans: ReadonlyArray<KnownPlan> = [
  "free",
  "go",
  "plus",
  "pro",
  "team",
  "business",
  "enterprise",
  "edu"
]

/**
 * @since 0.1.0
 */
export type KnownPlan = "free" | "go" | "plus" | "pro" | "team" | "business" | "enterprise" | "edu"

/**
 * The `chatgpt_plan_type` claim: a known plan, or `"unknown"` for anything else; `raw` is always the claim as sent.
 *
 * @since 0.1.0
 */
export interface PlanType {
  readonly plan: KnownPlan | "unknown"
  readonly raw: string
}

/**
 * The claims of §9, from an id token or an access token. Every claim is optional.
 *
 * @since 0.1.0
 */
export interface Claims {
  /** `email`, else `https://api.openai.com/profile`.`email`. */
  readonly email: Option.Option<string>
  /** `https://api.openai.com/auth`.`chatgpt_account_id` (the workspace; stored as `tokens.account_id`). */
  readonly chatgptAccountId: Option.Option<string>
  readonly chatgptPlanType: Option.Option<PlanType>
  /** `chatgpt_user_id`, else `user_id`. */
  readonly chatgptUserId: Option.Option<string>
  readonly organizationId: Option.Option<string>
  readonly projectId: Option.Option<string>
  readonly completedPlatformOnboarding: Option.Option<boolean>
  readonly isOrgOwner: Option.Option<boolean>
  readonly chatgptAccountIsFedramp: Option.Option<boolean>
  /** `exp`, in seconds since the epoch, as in the token. */
  readonly exp: Option.Option<number>
}

/**
 * The claims of an id token.
 *
 * @since 0.1.0
 */
export interface IdTokenInfo extends Claims {}

/**
 * The claims of an access token (`plan_type` for the success redirect and `exp` for refresh come from here).
 *
 * @since 0.1.0
 */
export interface AccessTokenInfo extends Claims {}

/**
 * The namespaced claim that carries the ChatGPT account data.
 *
 * @since 0.1.0
 */
export const authClaim: typeof internal.authClaim = internal.authClaim

/**
 * The namespaced claim that carries the profile (the `email` fallback).
 *
 * @since 0.1.0
 */
export const profileClaim: typeof internal.profileClaim = internal.profileClaim

const isKnownPlan = (raw: string): raw is KnownPlan => (knownPlans as ReadonlyArray<string>).includes(raw)

/**
 * The plain claims (the one reading of them, shared with the Effect-free `StoredAuth`) as `Option`s.
 *
 * @since 0.1.0
 */
export const fromPlainClaims = (plain: internal.PlainClaims): Claims => ({
  email: Option.fromNullable(plain.email),
  chatgptAccountId: Option.fromNullable(plain.chatgptAccountId),
  chatgptPlanType: Option.map(
    Option.fromNullable(plain.chatgptPlanType),
    (raw): PlanType => ({ plan: isKnownPlan(raw) ? raw : "unknown", raw })
  ),
  chatgptUserId: Option.fromNullable(plain.chatgptUserId),
  organizationId: Option.fromNullable(plain.organizationId),
  projectId: Option.fromNullable(plain.projectId),
  completedPlatformOnboarding: Option.fromNullable(plain.completedPlatformOnboarding),
  isOrgOwner: Option.fromNullable(plain.isOrgOwner),
  chatgptAccountIsFedramp: Option.fromNullable(plain.chatgptAccountIsFedramp),
  exp: Option.fromNullable(plain.exp)
})

/**
 * The claims as plain values (`undefined` for none), the inverse of {@link fromPlainClaims}: what the read model
 * (`ReadModel`) decides on.
 *
 * @since 0.1.0
 */
export const toPlainClaims = (claims: Claims): internal.PlainClaims => ({
  email: Option.getOrUndefined(claims.email),
  chatgptAccountId: Option.getOrUndefined(claims.chatgptAccountId),
  chatgptPlanType: Option.getOrUndefined(Option.map(claims.chatgptPlanType, (plan) => plan.raw)),
  chatgptUserId: Option.getOrUndefined(claims.chatgptUserId),
  organizationId: Option.getOrUndefined(claims.organizationId),
  projectId: Option.getOrUndefined(claims.projectId),
  completedPlatformOnboarding: Option.getOrUndefined(claims.completedPlatformOnboarding),
  isOrgOwner: Option.getOrUndefined(claims.isOrgOwner),
  chatgptAccountIsFedramp: Option.getOrUndefined(claims.chatgptAccountIsFedramp),
  exp: Option.getOrUndefined(claims.exp)
})

const reveal = (token: string | Redacted.Redacted<string>): string =>
  Redacted.isRedacted(token) ? Redacted.value(token) : token

/**
 * Decodes any compact JWT into its claims, naming the token in a failure (e.g. `"id token"`).
 *
 * @since 0.1.0
 */
export const decodeClaimsEither = (
  token: string | Redacted.Redacted<string>,
  name: string
): Either.Either<Claims, JwtMalformed> => {
  const decoded = internal.decodeClaims(reveal(token))
  return decoded.ok
    ? Either.right(fromPlainClaims(decoded.value))
    : Either.left(new JwtMalformed({ token: name, part: decoded.error.part, reason: decoded.error.reason }))
}

/**
 * Decodes an id token's claims.
 *
 * @since 0.1.0
 */
export const decodeIdTokenEither = (
  token: string | Redacted.Redacted<string>
): Either.Either<IdTokenInfo, JwtMalformed> => decodeClaimsEither(token, "id token")

/**
 * Decodes an access token's claims.
 *
 * @since 0.1.0
 */
export const decodeAccessTokenEither = (
  token: string | Redacted.Redacted<string>
): Either.Either<AccessTokenInfo, JwtMalformed> => decodeClaimsEither(token, "access token")

/**
 * Decodes an id token's claims.
 *
 * @since 0.1.0
 */
export const decodeIdToken = (token: string | Redacted.Redacted<string>): Effect.Effect<IdTokenInfo, JwtMalformed> =>
  decodeIdTokenEither(token)

/**
 * Decodes an access token's claims.
 *
 * @since 0.1.0
 */
export const decodeAccessToken = (
  token: string | Redacted.Redacted<string>
): Effect.Effect<AccessTokenInfo, JwtMalformed> => decodeAccessTokenEither(token)

/**
 * `exp` as epoch milliseconds, when present.
 *
 * @since 0.1.0
 */
export const expiresAtMillis = (claims: Claims): Option.Option<number> =>
  Option.map(claims.exp, (seconds) => seconds * 1000)

/**
 * The success redirect's `needs_setup`: the user owns the organization but has not finished platform onboarding.
 *
 * @since 0.1.0
 */
export const needsSetup = (claims: Claims): boolean =>
  !Option.getOrElse(claims.completedPlatformOnboarding, () => false) && Option.getOrElse(claims.isOrgOwner, () => false)

/**
 * Which part of a compact JWT is wrong, and why (never any text of the token).
 *
 * @since 0.1.0
 */
export type JwtProblem = internal.JwtProblem

/**
 * The decoded (not verified) header and payload of a compact JWT.
 *
 * @since 0.1.0
 */
export type DecodedJwt = internal.DecodedJwt

/**
 * Splits and decodes a compact JWT (three parts, base64url JSON header and payload), without verifying it; for a
 * product that verifies signatures itself (the access-token login).
 *
 * @since 0.1.0
 */
export const decodeCompact: (token: string) => internal.Result<DecodedJwt, JwtProblem> = internal.decodeCompact

/**
 * Decodes base64url (RFC 4648 §5) as Codex does (`URL_SAFE_NO_PAD`; exact padding allowed).
 *
 * @since 0.1.0
 */
export const decodeBase64Url: (text: string) => internal.Result<Uint8Array, string> = internal.decodeBase64Url
