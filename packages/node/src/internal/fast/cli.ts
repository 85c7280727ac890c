/**
 * The CLI's fast path: `token`, `headers` and `status` (with or without `--json`) answered from a readable
 * `auth.json` without loading Effect, for the hot loops that call them. It answers only what the full CLI would
 * answer from the same state without a refresh, a lock or any write — the file store, a file that parses, a token
 * that is fresh by §9 (for `token` and `headers`) — and otherwise returns `undefined`, so the full CLI runs and gives
 * the real answer and the real errors. It never writes anything.
 */
import * as Format from "@codex-auth/cli/CliFormat"
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as BoundedRead from "../boundedRead.ts"
import * as Platform from "./platform.ts"

/** What the process prints and how it exits. */
export interface Answer {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

type Command = "status" | "token" | "headers"

interface Parsed {
  readonly command: Command
  readonly json: boolean
  readonly codexHome: string | undefined
}

/** CODEX_AUTH_STORE names another store (PostgreSQL, the keyring, …): the full CLI decides, this path never does. */
export const fileStoreByDefault = (env: Readonly<Record<string, string | undefined>>): boolean => {
  const chosen = env["CODEX_AUTH_STORE"]
  return chosen === undefined || chosen === "file"
}

/** The argument shapes the fast path understands; anything else (help, other flags, `=` forms) is the full CLI's. */
export const parseArgs = (args: ReadonlyArray<string>): Parsed | undefined => {
  const [command, ...rest] = args
  if (command !== "status" && command !== "token" && command !== "headers") return undefined
  let json = false
  let store = false
  let codexHome: string | undefined
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === "--json" && !json) {
      json = true
    } else if (arg === "--store" && !store && rest[i + 1] === "file") {
      store = true
      i++
    } else if (arg === "--codex-home" && codexHome === undefined) {
      const value = rest[i + 1]
      if (value === undefined || value.startsWith("-") || value.trim() === "") return undefined
      codexHome = value
      i++
    } else {
      return undefined
    }
  }
  return { command, json, codexHome }
}

const isDirectory = (path: string): boolean => {
  try {
    return Fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** `CODEX_HOME` as the full CLI resolves it (§8), without creating anything: `undefined` when that would be needed. */
export const resolveCodexHome = (
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  homeDirectory: string = Os.homedir()
): string | undefined => {
  const variable = explicit ?? env["CODEX_HOME"]
  if (variable !== undefined && variable.trim() !== "") {
    if (!isDirectory(variable)) return undefined
    try {
      return Fs.realpathSync(variable)
    } catch {
      return undefined
    }
  }
  const home = Path.join(homeDirectory, ".codex")
  return isDirectory(home) ? home : undefined
}

// The bounds of the full CLI (SecretFile.defaultMaxReadBytes, HttpClientConfig.maxCaBundleBytes), not imported: this
// path loads no Effect. Anything refused here (too large, not a regular file, not UTF-8) is the full CLI's to report.
const maxAuthFileBytes = 1024 * 1024
const maxCaBundleBytes = 16 * 1024 * 1024

const readText = (path: string, maxBytes: number): string | undefined => {
  try {
    return BoundedRead.readTextSync(path, maxBytes)
  } catch {
    return undefined
  }
}

const trimmed = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim()

/**
 * Whether the HTTP client the full CLI builds before any command runs would build (§12): the CA bundle named by
 * `CODEX_CA_CERTIFICATE`, else `SSL_CERT_FILE`, must read and parse; a proxy is left to the full CLI.
 */
export const httpClientWouldBuild = (env: Readonly<Record<string, string | undefined>>): boolean => {
  if (trimmed(env["HTTPS_PROXY"]) !== undefined || trimmed(env["https_proxy"]) !== undefined) return false
  const bundle = trimmed(env["CODEX_CA_CERTIFICATE"]) ?? trimmed(env["SSL_CERT_FILE"])
  if (bundle === undefined) return true
  const text = readText(bundle, maxCaBundleBytes)
  return text !== undefined && StoredAuth.parsePemBundle(text).ok
}

/** The session's status of a stored document, or `undefined` when it holds no login (the full CLI answers). */
const plainStatus = (
  document: StoredAuth.Document,
  credentials: StoredAuth.Credentials | undefined,
  location: string
): Format.PlainStatus | undefined => {
  // An access-token (Agent Identity) login: its claims, never the token.
  const agent = StoredAuth.agentIdentityStatus(document)
  if (agent !== undefined) {
    return {
      loggedIn: true,
      mode: "agentIdentity",
      email: agent.email,
      plan: agent.planType,
      accountId: agent.accountId,
      fedramp: agent.fedramp,
      accessTokenExpiresAt: agent.expiresAt,
      lastRefresh: undefined,
      store: "file",
      location
    }
  }
  if (credentials === undefined) return undefined
  const chatGpt = credentials._tag === "ChatGpt" ? credentials : undefined
  return {
    loggedIn: true,
    mode: credentials.mode,
    email: chatGpt?.tokens.idTokenClaims.email,
    plan: chatGpt === undefined
      ? undefined
      : chatGpt.tokens.idTokenClaims.chatgptPlanType ?? chatGpt.accessTokenClaims?.chatgptPlanType,
    accountId: chatGpt?.workspaceId,
    fedramp: chatGpt?.tokens.idTokenClaims.chatgptAccountIsFedramp,
    accessTokenExpiresAt: chatGpt?.accessTokenExpiresAt,
    lastRefresh: chatGpt?.lastRefresh,
    store: "file",
    location
  }
}

const modeOf = (path: string): number | undefined => {
  try {
    return Fs.statSync(path).mode
  } catch {
    return undefined
  }
}

/** The full CLI's warning line for an exposed auth.json or CODEX_HOME (none on Windows), to prefix stderr with. */
const insecureModeWarning = (directory: string, location: string): string =>
  process.platform === "win32"
    ? ""
    : Format.insecureModeWarning(
      { path: location, mode: modeOf(location) },
      { path: directory, mode: modeOf(directory) }
    ) ?? ""

/** The answer of the fast path, or `undefined` when the full CLI must answer. */
export const run = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  now: number
): Answer | undefined => {
  const parsed = parseArgs(args)
  if (parsed === undefined || !httpClientWouldBuild(env) || !fileStoreByDefault(env)) return undefined
  const directory = resolveCodexHome(parsed.codexHome, env)
  if (directory === undefined) return undefined
  // config.toml's §10 policy (or a file Codex refuses) is the engine's to apply.
  const configPath = Path.join(directory, "config.toml")
  if (!StoredAuth.configAllowsFastPath(readText(configPath, maxAuthFileBytes), configPath)) return undefined
  const location = Path.join(directory, "auth.json")
  const answer = answerFrom(parsed, env, now, location)
  return answer === undefined
    ? undefined
    : { ...answer, stderr: insecureModeWarning(directory, location) + answer.stderr }
}

const answerFrom = (
  parsed: Parsed,
  env: Readonly<Record<string, string | undefined>>,
  now: number,
  location: string
): Answer | undefined => {
  const text = readText(location, maxAuthFileBytes)
  if (text === undefined) return undefined
  const document = StoredAuth.parse(text)
  if (!document.ok) return undefined
  const credentials = StoredAuth.credentials(document.value)

  if (parsed.command === "status") {
    const status = plainStatus(document.value, credentials, location)
    if (status === undefined) return undefined
    // API-key mode: Codex's line and mask, never the key.
    const masked = credentials?._tag === "ApiKey" ? StoredAuth.maskApiKey(credentials.apiKey) : undefined
    if (parsed.json) return { stdout: Format.jsonText(Format.statusJsonWithKey(status, masked)), stderr: "", code: 0 }
    const lines = masked === undefined ? Format.statusLines(status, now) : Format.apiKeyStatusLines(masked, status)
    return { stdout: "", stderr: Format.line(lines), code: 0 }
  }

  // An access-token (Agent Identity) login has no bearer: the engine refuses `token` / `headers` with its error.
  if (credentials === undefined) return undefined
  if (!StoredAuth.isFresh(credentials, now)) return undefined
  const bearer = credentials._tag === "ChatGpt" ? credentials.tokens.accessToken : credentials.apiKey

  if (parsed.command === "token") {
    if (!parsed.json) return { stdout: Format.line(bearer), stderr: "", code: 0 }
    const chatGpt = credentials._tag === "ChatGpt"
      ? { expiresAt: credentials.accessTokenExpiresAt, accountId: credentials.tokens.accountId }
      : undefined
    return { stdout: Format.jsonText(Format.tokenJson(bearer, chatGpt)), stderr: "", code: 0 }
  }

  const headers = StoredAuth.headers({
    bearer,
    accountId: credentials._tag === "ChatGpt" ? credentials.workspaceId : undefined,
    fedramp: credentials._tag === "ChatGpt" && credentials.tokens.idTokenClaims.chatgptAccountIsFedramp === true,
    originator: StoredAuth.defaultOriginator,
    userAgent: Platform.userAgent(StoredAuth.defaultOriginator, StoredAuth.codexVersion, env)
  })
  const entries = Format.headerEntries(headers)
  return {
    stdout: parsed.json ? Format.jsonText(Object.fromEntries(entries)) : Format.line(Format.headersText(entries)),
    stderr: "",
    code: 0
  }
}
