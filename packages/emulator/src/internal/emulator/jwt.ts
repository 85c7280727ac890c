// HS256 JWT minting and verification with a per-emulator key. Codex decodes the tokens without verifying
// them; the emulator verifies its own tokens where a real issuer would (API-key exchange, revoke).
import * as Effect from "effect/Effect"
import {
  base64UrlDecode,
  base64UrlDecodeString,
  base64UrlEncode,
  base64UrlEncodeString,
  randomBytes
} from "./encoding.ts"

export interface SigningKey {
  readonly key: CryptoKey
}

export const makeSigningKey: Effect.Effect<SigningKey> = Effect.promise(() =>
  crypto.subtle.importKey("raw", randomBytes(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"])
).pipe(Effect.map((key) => ({ key })))

const encoder = new TextEncoder()

export const sign = (signingKey: SigningKey, claims: Record<string, unknown>): Effect.Effect<string> => {
  const header = base64UrlEncodeString(JSON.stringify({ alg: "HS256", typ: "JWT" }))
  const payload = base64UrlEncodeString(JSON.stringify(claims))
  const input = `${header}.${payload}`
  return Effect.promise(() => crypto.subtle.sign("HMAC", signingKey.key, encoder.encode(input))).pipe(
    Effect.map((signature) => `${input}.${base64UrlEncode(new Uint8Array(signature))}`)
  )
}

/** The claims of a token this emulator signed, or undefined when the token is malformed or forged. */
export const verify = (
  signingKey: SigningKey,
  token: string
): Effect.Effect<Record<string, unknown> | undefined> => {
  const parts = token.split(".")
  if (parts.length !== 3) return Effect.succeed(undefined)
  const [header, payload, signature] = parts as [string, string, string]
  const signatureBytes = base64UrlDecode(signature)
  if (signatureBytes === undefined) return Effect.succeed(undefined)
  return Effect.promise(() =>
    crypto.subtle.verify("HMAC", signingKey.key, signatureBytes, encoder.encode(`${header}.${payload}`))
  ).pipe(Effect.map((valid) => {
    if (!valid) return undefined
    const json = base64UrlDecodeString(payload)
    if (json === undefined) return undefined
    try {
      const claims: unknown = JSON.parse(json)
      return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : undefined
    } catch {
      return undefined
    }
  }))
}
