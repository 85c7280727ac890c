import * as Either from "effect/Either"

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
export const decodeBase64Url = (text: string): Either.Either<Uint8Array, string> => {
  let body = text
  const padStart = body.indexOf("=")
  if (padStart !== -1) {
    const padding = body.slice(padStart)
    body = body.slice(0, padStart)
    if (!/^=+$/.test(padding) || (body.length + padding.length) % 4 !== 0) {
      return Either.left("it has misplaced base64 padding")
    }
  }
  if (body.length % 4 === 1) return Either.left("its base64url length is impossible")
  const bytes = new Uint8Array(Math.floor(body.length * 3 / 4))
  let buffer = 0
  let bits = 0
  let offset = 0
  for (const char of body) {
    const value = BASE64URL_VALUES.get(char)
    if (value === undefined) return Either.left("it contains characters outside the base64url alphabet")
    buffer = (buffer << 6) | value
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[offset++] = (buffer >> bits) & 0xff
    }
  }
  // Leftover bits must be zero in canonical base64; Codex's decoder rejects non-canonical trailing bits too.
  if ((buffer & ((1 << bits) - 1)) !== 0) return Either.left("it has non-zero trailing base64url bits")
  return Either.right(bytes)
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
): Either.Either<Record<string, unknown>, JwtProblem> => {
  if (segment.length === 0) return Either.left({ part, reason: "it is empty" })
  const bytes = decodeBase64Url(segment)
  if (Either.isLeft(bytes)) return Either.left({ part, reason: `it is not base64url: ${bytes.left}` })
  let text: string
  try {
    text = utf8.decode(bytes.right)
  } catch {
    return Either.left({ part, reason: "it is not UTF-8 text" })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's own message quotes the input, so it is dropped on purpose.
    return Either.left({ part, reason: "it is not valid JSON" })
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Either.left({ part, reason: "it is not a JSON object" })
  }
  return Either.right(value as Record<string, unknown>)
}

/** The decoded (not verified) parts of a compact JWT. */
export interface DecodedJwt {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

/** Splits and decodes a compact JWT: exactly three dot-separated parts, base64url JSON header and payload. */
export const decodeCompact = (token: string): Either.Either<DecodedJwt, JwtProblem> => {
  const segments = token.split(".")
  if (segments.length !== 3) {
    return Either.left({
      part: "token",
      reason: `it has ${segments.length} dot-separated part${
        segments.length === 1 ? "" : "s"
      } where a JWT has exactly 3 (header.payload.signature)`
    })
  }
  const [headerSegment, payloadSegment, signatureSegment] = segments as [string, string, string]
  const header = decodeJsonObjectPart("header", headerSegment)
  if (Either.isLeft(header)) return Either.left(header.left)
  const payload = decodeJsonObjectPart("payload", payloadSegment)
  if (Either.isLeft(payload)) return Either.left(payload.left)
  // The signature is not verified (the token comes straight from the token endpoint over TLS), only checked to be
  // base64url. It may be empty: an unsecured JWT (`alg: none`) has an empty signature (RFC 7519 §6.1).
  if (signatureSegment.length > 0 && Either.isLeft(decodeBase64Url(signatureSegment))) {
    return Either.left({ part: "signature", reason: "it is not base64url" })
  }
  return Either.right({ header: header.right, payload: payload.right })
}
