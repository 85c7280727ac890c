// Small rules in plain TypeScript (no `effect`), so the Effect modules and the startup fast paths (`StoredAuth`)
// share one implementation: the §9 refresh rule, the §11 User-Agent and the profile's defaults.

export const refreshSkewMillis = 5 * 60 * 1000

export const refreshIntervalMillis = 8 * 24 * 60 * 60 * 1000

/**
 * §9: refresh when the access token's `exp` is within 5 minutes (or past); without a readable `exp`, when
 * `last_refresh` is more than 8 days old; with neither, refresh.
 */
export const needsRefresh = (
  expiresAtMillis: number | undefined,
  lastRefreshMillis: number | undefined,
  nowMillis: number
): boolean => {
  if (expiresAtMillis !== undefined) return expiresAtMillis - nowMillis <= refreshSkewMillis
  if (lastRefreshMillis !== undefined) return nowMillis - lastRefreshMillis > refreshIntervalMillis
  return true
}

export const defaultOriginator = "codex_cli_rs"

export const codexVersion = "0.169.0"

// Header values must be visible ASCII; Codex replaces anything else the same way.
const sanitize = (value: string): string => value.replace(/[^\x20-\x7e]/g, "_")

/** What the §11 `User-Agent` is made of. */
export interface UserAgentInfo {
  readonly originator: string
  readonly version: string
  /** e.g. `Linux`, `Mac OS`, `Windows`. */
  readonly os: string
  readonly osVersion: string
  /** e.g. `x86_64`, `arm64`. */
  readonly arch: string
  /** The terminal, e.g. `xterm-256color`; empty when unknown. */
  readonly terminal: string
}

/** `{originator}/{version} ({os} {os_version}; {arch}) {terminal}`. */
export const userAgent = (info: UserAgentInfo): string =>
  sanitize(`${info.originator}/${info.version} (${info.os} ${info.osVersion}; ${info.arch}) ${info.terminal}`.trim())

/** The §11 headers as a record (lower-case names, in this order); the bearer is unwrapped by the caller. */
export const headerRecord = (input: {
  readonly bearer: string
  readonly accountId: string | undefined
  readonly fedramp: boolean
  readonly originator: string
  readonly userAgent: string
}): Record<string, string> => {
  const record: Record<string, string> = { authorization: `Bearer ${input.bearer}` }
  if (input.accountId !== undefined) record["chatgpt-account-id"] = input.accountId
  record["originator"] = input.originator
  record["user-agent"] = input.userAgent
  if (input.fedramp) record["x-openai-fedramp"] = "true"
  return record
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

/**
 * §12's one scan of a PEM bundle: each certificate's base64 body (whitespace removed) goes to `keep`; the failure
 * says what is wrong (no file text).
 */
const scanPemBundle = (text: string, keep: (body: string) => void): string | undefined => {
  if (text.trim() === "") return "the file is empty"
  let count = 0
  for (const match of text.matchAll(pemBlock)) {
    const label = match[1]!
    if (label !== "CERTIFICATE") continue
    const body = match[2]!.replace(/\s+/g, "")
    if (body === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) {
      return `certificate ${count + 1} is not valid base64`
    }
    // DER starts with a SEQUENCE tag (0x30): base64 "M".
    if (!body.startsWith("M")) return `certificate ${count + 1} is not DER`
    count++
    keep(body)
  }
  return count === 0 ? "it holds no PEM certificate" : undefined
}

/** §12: the largest CA bundle read (16 MiB): a bigger file is refused, not read. */
export const maxCaBundleBytes = 16 * 1024 * 1024

/** §12: the certificates of a PEM bundle, each re-armoured; the failure says what is wrong (no file text). */
export const parsePemBundle = (
  text: string
): { readonly ok: true; readonly value: ReadonlyArray<string> } | { readonly ok: false; readonly error: string } => {
  const certificates: Array<string> = []
  const error = scanPemBundle(
    text,
    (body) =>
      certificates.push(
        `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`
      )
  )
  return error === undefined ? { ok: true, value: certificates } : { ok: false, error }
}

/** Codex's API-key mask (`sk-proj-***ABCDE`): the first 8 and last 5 characters; `***` for 13 bytes or fewer. */
export const maskApiKey = (key: string): string => {
  if (new TextEncoder().encode(key).length <= 13) return "***"
  const chars = Array.from(key)
  return `${chars.slice(0, 8).join("")}***${chars.slice(-5).join("")}`
}
