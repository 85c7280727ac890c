// AES-256-GCM through WebCrypto (Node 20 and Deno alike): the row's document sealed with CODEX_AUTH_STORE_KEY, the
// row's id (the account) as associated data, so a sealed document copied to another row does not open there.
// The text form is `sealed:v1:<key id>:<iv, base64>:<ciphertext+tag, base64>`; the key id (8 hex digits of the key's
// SHA-256) picks which configured key opens it during a rotation.

import * as Base64 from "@codex-auth/core/Base64"

export const sealedPrefix = "sealed:v1:"

export interface Key {
  readonly id: string
  readonly key: CryptoKey
}

/** A key from its base64 text; a string saying what is wrong otherwise (never the key itself). */
export const importKey = async (base64: string): Promise<Key | string> => {
  const raw = Base64.decode(base64.trim())
  if (raw === undefined) return "it is not base64"
  if (raw.length !== 32) return `it decodes to ${raw.length} bytes, not 32`
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw))
  const id = Array.from(digest.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("")
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
  return { id, key }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const seal = async (key: Key, account: string, plaintext: string): Promise<string> => {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(account) },
    key.key,
    encoder.encode(plaintext)
  )
  return `${sealedPrefix}${key.id}:${Base64.encode(iv)}:${Base64.encode(new Uint8Array(sealed))}`
}

export const isSealed = (text: string): boolean => text.startsWith(sealedPrefix)

/** The plaintext, or a reason it cannot be opened (no secret in it). */
export const open = async (
  keys: ReadonlyArray<Key>,
  account: string,
  text: string
): Promise<{ readonly ok: true; readonly plaintext: string } | { readonly ok: false; readonly reason: string }> => {
  const [id, ivText, bodyText] = text.slice(sealedPrefix.length).split(":")
  const iv = ivText === undefined ? undefined : Base64.decode(ivText)
  const body = bodyText === undefined ? undefined : Base64.decode(bodyText)
  if (id === undefined || iv === undefined || body === undefined) {
    return { ok: false, reason: "sealed document is malformed" }
  }
  const key = keys.find((k) => k.id === id)
  if (key === undefined) {
    return {
      ok: false,
      reason: keys.length === 0
        ? `sealed with key ${id}, and no CODEX_AUTH_STORE_KEY is set`
        : `sealed with key ${id}, which is neither CODEX_AUTH_STORE_KEY nor CODEX_AUTH_STORE_KEY_PREVIOUS`
    }
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(account) },
      key.key,
      body
    )
    return { ok: true, plaintext: decoder.decode(plain) }
  } catch {
    return { ok: false, reason: `sealed document does not open with key ${id} (tampered, or moved from another row)` }
  }
}
