/**
 * Base64 (RFC 4648 §4) and base64url without padding (§5), over bytes: a plain module (no Effect), with only
 * `btoa`/`atob`, so every package and runtime can use the one encoding.
 *
 * @since 0.1.0
 */

const binaryOf = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!)
  return binary
}

/**
 * Standard base64, padded.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (bytes: Uint8Array): string => btoa(binaryOf(bytes))

/**
 * The bytes of standard base64 text; `undefined` when it is not base64.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  try {
    const binary = atob(text)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return undefined
  }
}

/**
 * base64url without padding.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeUrl = (bytes: Uint8Array): string =>
  encode(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

/**
 * The bytes of base64url text (padding omitted); `undefined` when it has any other character or is not base64url.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeUrl = (text: string): Uint8Array<ArrayBuffer> | undefined =>
  /^[A-Za-z0-9_-]*$/.test(text)
    ? decode(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4))
    : undefined
