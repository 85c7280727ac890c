/**
 * What `codex-auth status`, `token` and `headers` print, in plain TypeScript (no `effect`): the full CLI on every
 * runtime and Node's startup fast path format through these functions, so their output is the same bytes.
 *
 * @since 0.1.0
 */
import type * as ReadModel from "@codex-auth/core/ReadModel"

// The last instant a Date can hold: a token's `exp` beyond it (`1e300`) is as far in the future as `token` treats it,
// and is shown as that instant rather than crashing `toISOString`.
const MAX_DATE_MILLIS = 8.64e15

const toIso = (millis: number): string =>
  new Date(Math.max(-MAX_DATE_MILLIS, Math.min(MAX_DATE_MILLIS, millis))).toISOString()

export const formatTime = (millis: number, now: number): string => {
  const minutes = Math.round((Math.max(-MAX_DATE_MILLIS, Math.min(MAX_DATE_MILLIS, millis)) - now) / 60_000)
  const when = toIso(millis)
  if (minutes === 0) return `${when} (now)`
  if (Math.abs(minutes) < 120) return minutes > 0 ? `${when} (in ${minutes} min)` : `${when} (${-minutes} min ago)`
  const hours = Math.round(minutes / 60)
  if (Math.abs(hours) < 48) return hours > 0 ? `${when} (in ${hours} h)` : `${when} (${-hours} h ago)`
  const days = Math.round(hours / 24)
  return days > 0 ? `${when} (in ${days} days)` : `${when} (${-days} days ago)`
}

export const iso = (millis: number | undefined): string | null => millis === undefined ? null : toIso(millis)

/** A session status with plain values (`undefined` = none). */
export type PlainStatus = ReadModel.Status

/** The `status --json` document. */
export interface StatusJson {
  readonly loggedIn: boolean
  readonly mode: string | null
  readonly email: string | null
  readonly plan: string | null
  readonly accountId: string | null
  readonly fedramp: boolean | null
  readonly accessTokenExpiresAt: string | null
  readonly lastRefresh: string | null
  readonly store: string
  readonly location: string
  readonly maskedApiKey?: string
}

export const statusJson = (status: PlainStatus): StatusJson => ({
  loggedIn: status.loggedIn,
  mode: status.mode ?? null,
  email: status.email ?? null,
  plan: status.plan ?? null,
  accountId: status.accountId ?? null,
  fedramp: status.fedramp ?? null,
  accessTokenExpiresAt: iso(status.accessTokenExpiresAt),
  lastRefresh: iso(status.lastRefresh),
  store: status.store,
  location: status.location
})

const modeName = (mode: string | undefined): string =>
  mode === "apikey" ? "an API key" : mode === "agentIdentity" ? "an access token (Agent Identity)" : "ChatGPT"

/**
 * The human lines of a logged-in `status` (stderr). An access-token (Agent Identity) login shows the token's claims
 * (its `exp` as the access token's expiry), never the token.
 */
export const statusLines = (status: PlainStatus, now: number): string => {
  const who = status.email ?? status.accountId ?? "your account"
  const plan = status.plan === undefined ? "" : ` (${status.plan})`
  const lines = [
    `✓ Logged in to ChatGPT as ${who}${plan} using ${modeName(status.mode)}`,
    ...(status.accountId === undefined ? [] : [`  - Account: ${status.accountId}`]),
    ...(status.fedramp === true ? ["  - FedRAMP workspace: yes"] : []),
    ...(status.accessTokenExpiresAt === undefined
      ? []
      : [`  - Access token expires: ${formatTime(status.accessTokenExpiresAt, now)}`]),
    ...(status.lastRefresh === undefined ? [] : [`  - Last refresh: ${formatTime(status.lastRefresh, now)}`]),
    `  - Stored in: ${status.location} (${status.store})`
  ]
  return lines.join("\n")
}

/** API-key mode (Codex's line and mask, never the key). */
export const apiKeyStatusLines = (maskedApiKey: string, status: Pick<PlainStatus, "location" | "store">): string =>
  `✓ API key configured - ${maskedApiKey}\n  - Stored in: ${status.location} (${status.store})`

/** `status --json`: the status, and `maskedApiKey` in API-key mode. */
export const statusJsonWithKey = (status: PlainStatus, maskedApiKey: string | undefined): StatusJson => ({
  ...statusJson(status),
  ...(maskedApiKey === undefined ? {} : { maskedApiKey })
})

export const notLoggedIn = (location: string): string =>
  `✗ Not logged in (no credentials in ${location}). Run \`codex-auth login\` to sign in.`

/** `token --json`. */
export interface TokenJson {
  readonly token: string
  readonly mode: "apikey" | "chatgpt"
  readonly expiresAt: string | null
  readonly accountId: string | null
}

export const tokenJson = (
  token: string,
  chatGpt: { readonly expiresAt: number | undefined; readonly accountId: string | undefined } | undefined
): TokenJson =>
  chatGpt === undefined
    ? { token, mode: "apikey", expiresAt: null, accountId: null }
    : { token, mode: "chatgpt", expiresAt: iso(chatGpt.expiresAt), accountId: chatGpt.accountId ?? null }

// Headers are kept lower-cased; print them as the backend documents them.
const display: Record<string, string> = {
  authorization: "Authorization",
  "chatgpt-account-id": "ChatGPT-Account-ID",
  originator: "originator",
  "user-agent": "User-Agent",
  "x-openai-fedramp": "X-OpenAI-Fedramp"
}

export const headerEntries = (headers: Record<string, string>): ReadonlyArray<readonly [string, string]> =>
  Object.entries(headers).map(([name, value]) => [display[name] ?? name, value] as const)

export const headersText = (entries: ReadonlyArray<readonly [string, string]>): string =>
  entries.map(([name, value]) => `${name}: ${value}`).join("\n")

/** JSON documents and secrets on stdout end with one newline, as the full CLI writes them. */
export const line = (text: string): string => text.endsWith("\n") ? text : `${text}\n`

export const jsonText = (value: unknown): string => line(JSON.stringify(value, null, 2))

/**
 * The one warning line `status`, `token` and `headers` print on stderr when the credentials are exposed: `auth.json`
 * readable or writable by others than its owner, or `CODEX_HOME` writable by others (who could replace the file).
 * Codex itself neither warns nor refuses, so the command still runs. `undefined` when the modes are fine or unknown.
 */
export const insecureModeWarning = (
  authFile: { readonly path: string; readonly mode: number | undefined },
  codexHome: { readonly path: string; readonly mode: number | undefined }
): string | undefined => {
  const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, "0")}`
  const problems: Array<string> = []
  const fixes: Array<string> = []
  if (authFile.mode !== undefined && (authFile.mode & 0o077) !== 0) {
    problems.push(`${authFile.path} is open to other users (mode ${octal(authFile.mode)}), who can use this login`)
    fixes.push(`chmod 600 '${authFile.path}'`)
  }
  if (codexHome.mode !== undefined && (codexHome.mode & 0o022) !== 0) {
    problems.push(
      `${codexHome.path} is writable by other users (mode ${octal(codexHome.mode)}), who can replace auth.json`
    )
    fixes.push(`chmod 700 '${codexHome.path}'`)
  }
  if (problems.length === 0) return undefined
  return `Warning: ${problems.join("; ")}. Run: ${fixes.join(" && ")}\n`
}
