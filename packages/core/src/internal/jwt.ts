// Plain TypeScript, no `effect` import: the startup fast paths (StoredAuth) decode with exactly this code.

/** A success or a failure (this module must not load `effect`). */
export type Result<A, E> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: E }

const ok = <A>(value: A): Result<A, never> => ({ ok: true, value })
const err = <E>(error: E): Result<never, E> => ({ ok: false, error })

/** Which part of a compact JWT is wrong. */
export type JwtPart = "token" | "header" | "payload" | "signature"

/** A token-free description of what is wrong. Never holds any text of the token. */
export interface JwtProblem {
  readonly part: JwtPart
  readonly reason: string
}

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const BASE64URL_VALUES: ReadonlyMap<string, number> = new Map(
  Array.from(BASE64URL_ALPHABET, (char, index) => [char, index] as const)
)

/**
 * Decodes base64url (RFC 4648 §5). Padding is optional but, when present, must be exact; standard-base64 `+` and
 * `/` are rejected like Codex's `URL_SAFE_NO_PAD` engine does.
 */
export const decodeBase64Url = (text: string): Result<Uint8Array, string> => {
  let body = text
  const padStart = body.indexOf("=")
  if (padStart !== -1) {
    const padding = body.slice(padStart)
    body = body.slice(0, padStart)
    if (!/^=+$/.test(padding) || (body.length + padding.length) % 4 !== 0) {
      return err("it has misplaced base64 padding")
    }
  }
  if (body.length % 4 === 1) return err("its base64url length is impossible")
  const bytes = new Uint8Array(Math.floor(body.length * 3 / 4))
  let buffer = 0
  let bits = 0
  let offset = 0
  for (const char of body) {
    const value = BASE64URL_VALUES.get(char)
    if (value === undefined) return err("it contains characters outside the base64url alphabet")
    buffer = (buffer << 6) | value
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[offset++] = (buffer >> bits) & 0xff
    }
  }
  // Leftover bits must be zero in canonical base64; Codex's decoder rejects non-canonical trailing bits too.
  if ((buffer & ((1 << bits) - 1)) !== 0) return err("it has non-zero trailing base64url bits")
  return ok(bytes)
}

/** Encodes bytes as base64url without padding. */
export const encodeBase64Url = (bytes: Uint8Array): string => {
  let out = ""
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = ((buffer & 0xffff) << 8) | byte
    bits += 8
    while (bits >= 6) {
      bits -= 6
      out += BASE64URL_ALPHABET[(buffer >> bits) & 0x3f]
    }
  }
  if (bits > 0) out += BASE64URL_ALPHABET[(buffer << (6 - bits)) & 0x3f]
  return out
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const decodeJsonObjectPart = (
  part: "header" | "payload",
  segment: string
): Result<Record<string, unknown>, JwtProblem> => {
  if (segment.length === 0) return err({ part, reason: "it is empty" })
  const bytes = decodeBase64Url(segment)
  if (!bytes.ok) return err({ part, reason: `it is not base64url: ${bytes.error}` })
  let text: string
  try {
    text = utf8.decode(bytes.value)
  } catch {
    return err({ part, reason: "it is not UTF-8 text" })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's own message quotes the input, so it is dropped on purpose.
    return err({ part, reason: "it is not valid JSON" })
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return err({ part, reason: "it is not a JSON object" })
  }
  return ok(value as Record<string, unknown>)
}

/** The decoded (not verified) parts of a compact JWT. */
export interface DecodedJwt {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

/** Splits and decodes a compact JWT: exactly three dot-separated parts, base64url JSON header and payload. */
export const decodeCompact = (token: string): Result<DecodedJwt, JwtProblem> => {
  const segments = token.split(".")
  if (segments.length !== 3) {
    return err({
      part: "token",
      reason: `it has ${segments.length} dot-separated part${
        segments.length === 1 ? "" : "s"
      } where a JWT has exactly 3 (header.payload.signature)`
    })
  }
  const [headerSegment, payloadSegment, signatureSegment] = segments as [string, string, string]
  const header = decodeJsonObjectPart("header", headerSegment)
  if (!header.ok) return header
  const payload = decodeJsonObjectPart("payload", payloadSegment)
  if (!payload.ok) return payload
  // The signature is not verified (the token comes straight from the token endpoint over TLS), only checked to be
  // base64url. It may be empty: an unsecured JWT (`alg: none`) has an empty signature (RFC 7519 §6.1).
  if (signatureSegment.length > 0 && !decodeBase64Url(signatureSegment).ok) {
    return err({ part: "signature", reason: "it is not base64url" })
  }
  return ok({ header: header.value, payload: payload.value })
}

/** The claims of §9 as plain values (`undefined` when absent or of the wrong type). */
export interface PlainClaims {
  readonly email: string | undefined
  readonly chatgptAccountId: string | undefined
  /** `chatgpt_plan_type` exactly as sent. */
  readonly chatgptPlanType: string | undefined
  readonly chatgptUserId: string | undefined
  readonly organizationId: string | undefined
  readonly projectId: string | undefined
  readonly completedPlatformOnboarding: boolean | undefined
  readonly isOrgOwner: boolean | undefined
  readonly chatgptAccountIsFedramp: boolean | undefined
  /** Seconds since the epoch. */
  readonly exp: number | undefined
}

export const authClaim = "https://api.openai.com/auth" as const
export const profileClaim = "https://api.openai.com/profile" as const

const own = (record: object | undefined, key: string): unknown =>
  record !== undefined && Object.prototype.hasOwnProperty.call(record, key)
    ? (record as Record<string, unknown>)[key]
    : undefined

const objectClaim = (record: object | undefined, key: string): object | undefined => {
  const value = own(record, key)
  return typeof value === "object" && value !== null ? value : undefined
}

// A claim of the wrong type is treated as absent: one odd claim must not make the whole token unusable.
const stringClaim = (record: object | undefined, key: string): string | undefined => {
  const value = own(record, key)
  return typeof value === "string" ? value : undefined
}

const booleanClaim = (record: object | undefined, key: string): boolean | undefined => {
  const value = own(record, key)
  return typeof value === "boolean" ? value : undefined
}

/** Reads the claims of §9 from a decoded payload. */
export const claimsOf = (payload: Record<string, unknown>): PlainClaims => {
  const auth = objectClaim(payload, authClaim)
  const profile = objectClaim(payload, profileClaim)
  const exp = own(payload, "exp")
  return {
    email: stringClaim(payload, "email") ?? stringClaim(profile, "email"),
    chatgptAccountId: stringClaim(auth, "chatgpt_account_id"),
    chatgptPlanType: stringClaim(auth, "chatgpt_plan_type"),
    chatgptUserId: stringClaim(auth, "chatgpt_user_id") ?? stringClaim(auth, "user_id"),
    organizationId: stringClaim(auth, "organization_id"),
    projectId: stringClaim(auth, "project_id"),
    completedPlatformOnboarding: booleanClaim(auth, "completed_platform_onboarding"),
    isOrgOwner: booleanClaim(auth, "is_org_owner"),
    chatgptAccountIsFedramp: booleanClaim(auth, "chatgpt_account_is_fedramp"),
    exp: typeof exp === "number" && Number.isFinite(exp) ? exp : undefined
  }
}

/** Decodes a compact JWT's claims. */
export const decodeClaims = (token: string): Result<PlainClaims, JwtProblem> => {
  const decoded = decodeCompact(token)
  return decoded.ok ? ok(claimsOf(decoded.value.payload)) : decoded
}
