/**
 * Typed failures of the OAuth protocol, and the pure functions that read the issuer's error bodies
 * (PROTOCOL.md §5–§7). No message ever carries a token, code or verifier.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { HttpClientConfigError } from "./HttpClientConfig.ts"
import * as Redact from "./Redact.ts"

// `Schema.TaggedError` with the identifier `@codex-auth/core/<Tag>`: by it `instanceof` holds across copies
// of the engine (`@codex-auth/facade/FacadeErrorIdentity`).
const TaggedError = <Self>() => <Tag extends string, Fields extends Schema.Struct.Fields>(tag: Tag, fields: Fields) =>
  Schema.TaggedError<Self>(`@codex-auth/core/${tag}`)(tag, fields)

const operations = [
  "exchangeCode",
  "exchangeApiKey",
  "refresh",
  "revoke",
  "requestDeviceCode",
  "pollDeviceCode",
  "fetchJwks",
  "registerAgentTask"
] as const

/**
 * The protocol operation an error belongs to.
 *
 * @since 0.1.0
 * @category models
 */
export const Operation: Schema.Literal<[...typeof operations]> = Schema.Literal(...operations)

/**
 * @since 0.1.0
 * @category models
 */
export type Operation = typeof Operation.Type

const operationLabel: Record<Operation, string> = {
  exchangeCode: "authorization code exchange",
  exchangeApiKey: "API key exchange",
  refresh: "token refresh",
  revoke: "token revocation",
  requestDeviceCode: "device code request",
  pollDeviceCode: "device code poll",
  fetchJwks: "agent identity key fetch",
  registerAgentTask: "agent task registration"
}

const withDetail = (detail: string): string => detail === "" ? "" : `: ${detail}`

/**
 * The token endpoint answered a code or API-key exchange with a non-2xx status.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenEndpointError extends TaggedError<TokenEndpointError>()("TokenEndpointError", {
  operation: Operation,
  status: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `The issuer rejected the ${operationLabel[this.operation]} with status ${this.status}${
      withDetail(this.detail)
    }. Start the login again; if it keeps failing, check the issuer URL and client id of the provider profile.`
  }
}

/**
 * A 2xx response whose body is not what the protocol promises (bad JSON, a missing token, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponse extends TaggedError<MalformedResponse>()("MalformedResponse", {
  operation: Operation,
  reason: Schema.String
}) {
  override get message(): string {
    const next = this.operation === "refresh"
      ? "Nothing was stored from it and the stored sign-in was kept, but the issuer may already have replaced the " +
        "refresh token: try once more, and if that reports the token as already used, sign in again with " +
        "`codex-auth login`."
      : "Try again; if it persists, the issuer is not compatible with the Codex sign-in protocol."
    return `The issuer's response to the ${operationLabel[this.operation]} was malformed (${this.reason}). ${next}`
  }
}

/**
 * The issuer could not be reached, or did not answer in time. Transient: retrying may succeed.
 *
 * @since 0.1.0
 * @category errors
 */
export class NetworkError extends TaggedError<NetworkError>()("NetworkError", {
  operation: Operation,
  kind: Schema.Literal("timeout", "transport"),
  detail: Schema.String
}) {
  override get message(): string {
    const what = this.kind === "timeout" ? "timed out" : "could not reach the issuer"
    return `The ${operationLabel[this.operation]} ${what}${withDetail(this.detail)}. ` +
      "Check the network connection and proxy (HTTPS_PROXY) or CA settings (CODEX_CA_CERTIFICATE), then try again."
  }
}

/**
 * Why the issuer refused a refresh token for good.
 *
 * @since 0.1.0
 * @category models
 */
export const RefreshRejectionReason: Schema.Literal<["expired", "reused", "revoked", "unauthorized"]> = Schema
  .Literal("expired", "reused", "revoked", "unauthorized")

/**
 * @since 0.1.0
 * @category models
 */
export type RefreshRejectionReason = typeof RefreshRejectionReason.Type

/**
 * The messages the Codex CLI shows for each permanent refresh failure.
 *
 * @since 0.1.0
 * @category constants
 */
export const refreshRejectionMessages: Readonly<Record<RefreshRejectionReason, string>> = {
  expired:
    "Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again.",
  reused:
    "Your access token could not be refreshed because your refresh token was already used. Please log out and sign in again.",
  revoked:
    "Your access token could not be refreshed because your refresh token was revoked. Please log out and sign in again.",
  unauthorized: "Your access token could not be refreshed. Please log out and sign in again."
}

/**
 * Permanent: the refresh token will never work again. Remember it for this token set; never retry.
 *
 * @since 0.1.0
 * @category errors
 */
export class RefreshTokenRejected extends TaggedError<RefreshTokenRejected>()("RefreshTokenRejected", {
  reason: RefreshRejectionReason,
  status: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return refreshRejectionMessages[this.reason]
  }
}

/**
 * What is known about the refresh token after a failed grant:
 * - `unsent`: the request provably never reached the issuer (connection refused, DNS, TLS before sending): the token
 *   is unspent and the grant is retried.
 * - `busy`: the issuer answered that it did not process the grant (429): unspent, retried after the delay.
 * - `refused`: the issuer answered with an error it does not document as permanent (an unknown 4xx): not retried —
 *   the same request would get the same answer.
 * - `ambiguous`: the request was sent and no usable answer came back (a 5xx, a reset, a timeout): the issuer may have
 *   rotated the token already. Never retried with the same token.
 *
 * @since 0.2.0
 * @category models
 */
export const RefreshFailureKind: Schema.Literal<["unsent", "busy", "refused", "ambiguous"]> = Schema.Literal(
  "unsent",
  "busy",
  "refused",
  "ambiguous"
)

/**
 * @since 0.2.0
 * @category models
 */
export type RefreshFailureKind = typeof RefreshFailureKind.Type

const transientNext: Readonly<Record<RefreshFailureKind, string>> = {
  unsent: "The request never reached the issuer, so the stored sign-in is intact; check the network connection " +
    "and proxy (HTTPS_PROXY) or CA settings (CODEX_CA_CERTIFICATE), then try again.",
  busy: "The issuer asked to slow down and did not use the refresh token; the stored sign-in is intact. Try again " +
    "in a moment.",
  refused: "The stored sign-in was kept. If this keeps happening, sign in again with `codex-auth login`.",
  ambiguous: "The request reached the issuer but no usable answer came back, so the issuer may already have " +
    "replaced the refresh token; the stored sign-in was kept and nothing was retried. Try once more: if that " +
    "reports the refresh token as already used, sign in again with `codex-auth login`."
}

/**
 * A refresh that did not complete, for a reason that need not end the session; `kind` says whether the refresh
 * token may have been spent (and so whether retrying is safe).
 *
 * @since 0.1.0
 * @category errors
 */
export class RefreshTransientError extends TaggedError<RefreshTransientError>()("RefreshTransientError", {
  status: Schema.optional(Schema.Number),
  detail: Schema.String,
  kind: Schema.optionalWith(RefreshFailureKind, { default: () => "ambiguous" })
}) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (status ${this.status})`
    return `Failed to refresh the access token${status}${withDetail(this.detail)}. ${transientNext[this.kind]}`
  }
  /** Whether the refresh token is known to be unspent, so that the same grant may be sent again. */
  get retryable(): boolean {
    return this.kind === "unsent" || this.kind === "busy"
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export type RefreshError =
  | RefreshTokenRejected
  | RefreshTransientError
  | MalformedResponse
  | HttpClientConfigError

/**
 * @since 0.1.0
 * @category refinements
 */
export const isPermanentRefreshFailure = (error: unknown): error is RefreshTokenRejected =>
  Predicate.isTagged(error, "RefreshTokenRejected")

/**
 * The issuer answered the device-code request with 404: device code login is switched off.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeviceCodeNotEnabled extends TaggedError<DeviceCodeNotEnabled>()("DeviceCodeNotEnabled", {
  issuer: Schema.String
}) {
  override get message(): string {
    return `Device code login is not enabled for this account (${this.issuer}). ` +
      "Enable device code authorization in your ChatGPT security settings, or ask your workspace admin to allow it; " +
      "otherwise sign in with the browser login instead."
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class DeviceCodeRequestFailed extends TaggedError<DeviceCodeRequestFailed>()(
  "DeviceCodeRequestFailed",
  { status: Schema.Number, detail: Schema.String }
) {
  override get message(): string {
    return `device code request failed with status ${this.status}${withDetail(this.detail)}. ` +
      "Try again later, or sign in with the browser login instead."
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class DeviceCodePollFailed extends TaggedError<DeviceCodePollFailed>()("DeviceCodePollFailed", {
  status: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `device code poll failed with status ${this.status}${withDetail(this.detail)}. ` +
      "Start the device code login again, or sign in with the browser login instead."
  }
}

/**
 * Nobody approved the device code within its lifetime.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeviceCodeExpired extends TaggedError<DeviceCodeExpired>()("DeviceCodeExpired", {
  lifetimeMinutes: Schema.Number
}) {
  override get message(): string {
    return `The device code expired: it was not approved within ${this.lifetimeMinutes} minutes. ` +
      "Start the login again and enter the new code promptly."
  }
}

/**
 * Revocation failed. Best effort: the local credentials are removed anyway.
 *
 * @since 0.1.0
 * @category errors
 */
export class RevokeFailed extends TaggedError<RevokeFailed>()("RevokeFailed", {
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` with status ${this.status}`
    return `Revoking the token failed${status}${withDetail(this.detail)}. ` +
      "The local credentials are removed regardless; revoke the session from your ChatGPT security settings if needed."
  }
}

// -----------------------------------------------------------------------------
// error bodies
// -----------------------------------------------------------------------------

const maxDetailLength = 300

const jwtLike = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g
const longRun = /[A-Za-z0-9_\-.~+/=]{20,}/g

const looksLikeSecret = (run: string): boolean => {
  const digit = /[0-9]/.test(run)
  return (digit && /[A-Z]/.test(run) && /[a-z]/.test(run)) || (digit && run.length >= 32)
}

/**
 * Removes anything that looks like a token (JWTs, long random-looking runs, any run of 12 or more characters of the
 * given known secrets — see `Redact.secrets`)
 * and truncates, so upstream text can go into an error message.
 *
 * @since 0.1.0
 * @category utils
 */
export const scrub = (text: string, secrets: ReadonlyArray<string> = []): string => {
  // Any ≥ 12-character slice of a secret we sent (the whole token, the token minus a few characters, …).
  let out = Redact.secrets(text, secrets)
  out = out.replace(jwtLike, "[redacted]").replace(longRun, (run) => looksLikeSecret(run) ? "[redacted]" : run)
  out = out.replace(/\s+/g, " ").trim()
  return out.length > maxDetailLength ? `${out.slice(0, maxDetailLength)}…` : out
}

const decodeJson = Schema.decodeUnknownOption(Schema.parseJson())

const nonEmptyString = (u: unknown): Option.Option<string> =>
  Predicate.isString(u) && u.trim() !== "" ? Option.some(u) : Option.none()

const field = (u: unknown, key: string): unknown => Predicate.isRecord(u) ? u[key] : undefined

/**
 * The human-readable detail of an error body: `error_description`, else `error.message`, else `error`
 * (a string) or `error.code`, else the raw body — scrubbed of token-like text and truncated.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseErrorDetail = (body: string, secrets: ReadonlyArray<string> = []): string => {
  const detail = decodeJson(body).pipe(
    Option.flatMap((json) =>
      nonEmptyString(field(json, "error_description")).pipe(
        Option.orElse(() => nonEmptyString(field(field(json, "error"), "message"))),
        Option.orElse(() => nonEmptyString(field(json, "error"))),
        Option.orElse(() => nonEmptyString(field(field(json, "error"), "code")))
      )
    ),
    Option.getOrElse(() => body)
  )
  return scrub(detail, secrets)
}

/**
 * The error code of a refresh failure, lower-cased: `error` (a string), else `error.code`, else the
 * top-level `code`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const refreshErrorCode = (body: string): Option.Option<string> =>
  decodeJson(body).pipe(
    Option.flatMap((json) =>
      nonEmptyString(field(json, "error")).pipe(
        Option.orElse(() => nonEmptyString(field(field(json, "error"), "code"))),
        Option.orElse(() => nonEmptyString(field(json, "code")))
      )
    ),
    Option.map((code) => code.trim().toLowerCase())
  )

const reasonOfCode: ReadonlyMap<string, RefreshRejectionReason> = new Map([
  ["refresh_token_expired", "expired"],
  ["refresh_token_reused", "reused"],
  ["refresh_token_invalidated", "revoked"]
])

/**
 * Classifies a non-2xx refresh response: 401, or 400 with a known refresh-token code, is permanent; a 429 left
 * the token unspent (`busy`); another 4xx is `refused`; anything else (5xx, a 3xx, …) is `ambiguous`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const classifyRefreshFailure = (
  status: number,
  body: string,
  secrets: ReadonlyArray<string> = []
): RefreshTokenRejected | RefreshTransientError => {
  const detail = parseErrorDetail(body, secrets)
  const reason = refreshErrorCode(body).pipe(
    Option.flatMap((code) => Option.fromNullable(reasonOfCode.get(code)))
  )
  if (status === 401) {
    return new RefreshTokenRejected({ reason: Option.getOrElse(reason, () => "unauthorized" as const), status, detail })
  }
  if (status === 400 && Option.isSome(reason)) {
    return new RefreshTokenRejected({ reason: reason.value, status, detail })
  }
  const kind: RefreshFailureKind = status === 429 ? "busy" : status >= 400 && status < 500 ? "refused" : "ambiguous"
  return new RefreshTransientError({ status, detail, kind })
}
