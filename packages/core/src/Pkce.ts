/**
 * PKCE (RFC 7636, method S256) and the OAuth `state`, from the platform CSPRNG (PROTOCOL.md §2).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"

/**
 * @since 0.1.0
 * @category models
 */
export interface PkceCodes {
  /** 64 random bytes, base64url without padding (86 characters). */
  readonly codeVerifier: Redacted.Redacted<string>
  /** base64url-nopad(SHA-256(ASCII verifier)). */
  readonly codeChallenge: string
}

/**
 * `n` bytes from `crypto.getRandomValues`.
 *
 * @since 0.1.0
 * @category random
 */
export const randomBytes = (n: number): Effect.Effect<Uint8Array> =>
  Effect.sync(() => crypto.getRandomValues(new Uint8Array(n)))

/**
 * @since 0.1.0
 * @category encoding
 */
export const base64UrlNoPad = (bytes: Uint8Array): string => Encoding.encodeBase64Url(bytes)

/**
 * The S256 challenge of a verifier.
 *
 * @since 0.1.0
 * @category constructors
 */
export const challengeOf = (codeVerifier: Redacted.Redacted<string>): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(Redacted.value(codeVerifier)))).pipe(
    Effect.map((digest) => base64UrlNoPad(new Uint8Array(digest)))
  )

/**
 * A fresh verifier and its challenge.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generate: Effect.Effect<PkceCodes> = Effect.gen(function*() {
  const codeVerifier = Redacted.make(base64UrlNoPad(yield* randomBytes(64)))
  const codeChallenge = yield* challengeOf(codeVerifier)
  return { codeVerifier, codeChallenge }
})

/**
 * A fresh `state`: 32 random bytes, base64url without padding (43 characters).
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateState: Effect.Effect<string> = Effect.map(randomBytes(32), base64UrlNoPad)

/**
 * Compares two strings in time that depends only on their lengths, so a callback's `state` cannot be
 * guessed byte by byte from response timing.
 *
 * @since 0.1.0
 * @category utils
 */
export const constantTimeEquals = (a: string, b: string): boolean => {
  const length = Math.max(a.length, b.length)
  let difference = a.length ^ b.length
  for (let i = 0; i < length; i++) {
    difference |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  }
  return difference === 0
}
