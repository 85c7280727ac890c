// Small encoding and crypto helpers for the emulator (the server side shares no protocol module with the client;
// only core's plain base64 helper). Only Web Crypto and TextEncoder: no runtime APIs.
import * as Base64 from "@codex-auth/core/Base64"
import * as Effect from "effect/Effect"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const base64UrlEncode: (bytes: Uint8Array) => string = Base64.encodeUrl

export const base64UrlEncodeString = (text: string): string => base64UrlEncode(encoder.encode(text))

export const base64UrlDecode: (text: string) => Uint8Array<ArrayBuffer> | undefined = Base64.decodeUrl

export const base64UrlDecodeString = (text: string): string | undefined => {
  const bytes = base64UrlDecode(text)
  return bytes === undefined ? undefined : decoder.decode(bytes)
}

export const randomBytes = (length: number): Uint8Array<ArrayBuffer> => crypto.getRandomValues(new Uint8Array(length))

/** A random base64url string made of `bytes` random bytes. */
export const randomToken = (bytes: number): string => base64UrlEncode(randomBytes(bytes))

const userCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

/** A user code like `ABCD-EFGH` from an alphabet without look-alike characters. */
export const randomUserCode = (): string => {
  const bytes = randomBytes(8)
  let code = ""
  for (let i = 0; i < bytes.length; i++) {
    if (i === 4) code += "-"
    code += userCodeAlphabet[bytes[i]! % userCodeAlphabet.length]
  }
  return code
}

export const sha256 = (text: string): Effect.Effect<Uint8Array> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", encoder.encode(text))).pipe(
    Effect.map((digest) => new Uint8Array(digest))
  )

/** RFC 7636 S256: base64url-nopad(SHA-256(ASCII verifier)). */
export const s256Challenge = (verifier: string): Effect.Effect<string> => Effect.map(sha256(verifier), base64UrlEncode)

export const constantTimeEqual = (a: string, b: string): boolean => {
  const left = encoder.encode(a)
  const right = encoder.encode(b)
  let diff = left.length ^ right.length
  const length = Math.max(left.length, right.length)
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0)
  return diff === 0
}

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const isValidVerifier = (verifier: string): boolean => /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)

/** A base64url SHA-256 digest is exactly 43 characters. */
export const isValidS256Challenge = (challenge: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(challenge)

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(
    /'/g,
    "&#39;"
  )
