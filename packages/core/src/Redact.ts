/**
 * Redacting the secrets we hold from text that came from elsewhere (an issuer's error body or description) before
 * it goes into an error message: every run of at least {@link minimumRun} consecutive characters that also occurs in
 * one of the secrets is replaced, so a body echoing a token, or a token minus a few characters, or a slice of one,
 * never reaches a message. Secrets shorter than that are replaced where they occur whole. Pure; no `effect`.
 *
 * @since 0.1.0
 */

/**
 * The shortest slice of a secret that is redacted: 12 characters of a base64url token carry 72 bits.
 *
 * @since 0.1.0
 */
export const minimumRun = 12

/**
 * What a redacted run becomes.
 *
 * @since 0.1.0
 */
export const placeholder = "[redacted]"

/**
 * `text` with every run of ≥ `minimum` characters shared with any of `secrets` (and every whole occurrence of a
 * shorter non-empty secret) replaced by {@link placeholder}; adjacent or overlapping runs become one placeholder.
 *
 * @since 0.1.0
 */
export const secrets = (text: string, held: ReadonlyArray<string>, minimum: number = minimumRun): string => {
  const width = Math.max(1, Math.floor(minimum))
  const windows = new Set<string>()
  const short: Array<string> = []
  for (const secret of held) {
    if (secret.length === 0) continue
    if (secret.length < width) {
      short.push(secret)
      continue
    }
    for (let start = 0; start + width <= secret.length; start++) windows.add(secret.slice(start, start + width))
  }
  if (windows.size === 0 && short.length === 0) return text

  // Mark every character inside a window of `width` characters that is a slice of a secret: the union of those
  // windows covers every shared run of ≥ `width` characters.
  const marked = new Uint8Array(text.length)
  let any = false
  if (windows.size > 0) {
    for (let start = 0; start + width <= text.length; start++) {
      if (windows.has(text.slice(start, start + width))) {
        marked.fill(1, start, start + width)
        any = true
      }
    }
  }
  for (const secret of short) {
    for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
      marked.fill(1, at, at + secret.length)
      any = true
    }
  }
  if (!any) return text

  let out = ""
  for (let index = 0; index < text.length;) {
    if (marked[index] === 1) {
      while (index < text.length && marked[index] === 1) index++
      out += placeholder
    } else {
      const start = index
      while (index < text.length && marked[index] !== 1) index++
      out += text.slice(start, index)
    }
  }
  return out
}
