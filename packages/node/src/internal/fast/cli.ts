/**
 * The CLI's fast path: `token`, `headers` and `status` (with or without `--json`) answered from a readable
 * `auth.json` without loading Effect, for the hot loops that call them. It answers only what the full CLI would
 * answer from the same state without a refresh, a lock or any write — the file store, a file that parses, a token
 * that is fresh by §9 (for `token` and `headers`) — and otherwise returns `undefined`, so the full CLI runs and gives
 * the real answer and the real errors. It never writes anything.
 */
import * as Format from "@codex-auth/cli/CliFormat"
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as BoundedRead from "../boundedRead.ts"
import * as Platform from "./platform.ts"
import * as Waiter from "./waiter.ts"

/** What the process prints and how it exits. */
export interface Answer {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

type Command = "status" | "token" | "headers"

/** A command line the fast path understands. */
export interface Parsed {
  readonly command: Command
  readonly json: boolean
  readonly codexHome: string | undefined
  /** `--store file` was given. */
  readonly fileStore: boolean
}

/** CODEX_AUTH_STORE names another store (PostgreSQL, the keyring, …): the full CLI decides, this path never does. */
export const fileStoreByDefault = (env: ReadModel.Env): boolean =>
  ReadModel.fileStoreByDefault(ReadModel.environment(env).store)

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
  return { command, json, codexHome, fileStore: store }
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
  env: ReadModel.Env,
  homeDirectory: string = Os.homedir()
): string | undefined => {
  const choice = ReadModel.codexHome({
    explicit,
    variable: ReadModel.environment(env).codexHome,
    homeDirectory,
    join: Path.join
  })
  if (!isDirectory(choice.path)) return undefined
  if (choice._tag === "Default") return choice.path
  try {
    return Fs.realpathSync(choice.path)
  } catch {
    return undefined
  }
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

/**
 * Whether the HTTP client the full CLI builds before any command runs would build (§12): the CA bundle named by
 * `CODEX_CA_CERTIFICATE`, else `SSL_CERT_FILE`, must read and parse; a proxy is left to the full CLI.
 */
export const httpClientWouldBuild = (env: ReadModel.Env): boolean =>
  ReadModel.httpClientWouldBuild(ReadModel.environment(env), (path) => readText(path, maxCaBundleBytes))

/** The session's status of a stored document (`ReadModel.status`), or `undefined` when it holds no login. */
const plainStatus = (document: StoredAuth.Document, location: string): Format.PlainStatus | undefined => {
  const status = ReadModel.status(document, { kind: "file", location })
  return status.loggedIn ? status : undefined
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

/**
 * How a stale token is handled: by default the full CLI answers; with `waitForRefresh` (the bin) the fast path waits
 * for auth.lock and answers from the token another process saved (`Waiter`), handing the lock to the engine when
 * this process is the one to refresh.
 */
export interface Options {
  readonly waitForRefresh?: boolean
  /** `false` (a terminal): when another process holds auth.lock, the full CLI waits, with its progress line. */
  readonly waitWhenBusy?: boolean
  readonly clock?: () => number
}

/** The answer of the fast path, or `undefined` when the full CLI must answer. */
export const run = (
  args: ReadonlyArray<string>,
  env: ReadModel.Env,
  now: number,
  options: Options = {}
): Answer | undefined => {
  const parsed = parseArgs(args)
  if (parsed === undefined || !httpClientWouldBuild(env) || !fileStoreByDefault(env)) return undefined
  const directory = resolveCodexHome(parsed.codexHome, env)
  if (directory === undefined) return undefined
  // config.toml's §10 policy (or a file Codex refuses) is the engine's to apply.
  const configPath = Path.join(directory, "config.toml")
  if (!StoredAuth.configAllowsFastPath(readText(configPath, maxAuthFileBytes), configPath)) return undefined
  const location = Path.join(directory, "auth.json")
  const answer = answerFrom(parsed, env, now, location, directory, options)
  return answer === undefined
    ? undefined
    : { ...answer, stderr: insecureModeWarning(directory, location) + answer.stderr }
}

const readDocument = (location: string): StoredAuth.Document | undefined => {
  const text = readText(location, maxAuthFileBytes)
  if (text === undefined) return undefined
  const document = StoredAuth.parse(text)
  return document.ok ? document.value : undefined
}

const answerFrom = (
  parsed: Parsed,
  env: ReadModel.Env,
  now: number,
  location: string,
  directory: string,
  options: Options
): Answer | undefined => {
  const document = readDocument(location)
  if (document === undefined) return undefined
  let credentials = StoredAuth.credentials(document)

  if (parsed.command === "status") {
    const status = plainStatus(document, location)
    if (status === undefined) return undefined
    // API-key mode: Codex's line and mask, never the key.
    const masked = credentials?._tag === "ApiKey" ? StoredAuth.maskApiKey(credentials.apiKey) : undefined
    if (parsed.json) return { stdout: Format.jsonText(Format.statusJsonWithKey(status, masked)), stderr: "", code: 0 }
    const lines = masked === undefined ? Format.statusLines(status, now) : Format.apiKeyStatusLines(masked, status)
    return { stdout: "", stderr: Format.line(lines), code: 0 }
  }

  // An access-token (Agent Identity) login has no bearer: the engine refuses `token` / `headers` with its error.
  if (credentials === undefined) return undefined
  if (!ReadModel.isFresh(credentials, now)) {
    if (options.waitForRefresh !== true || credentials._tag !== "ChatGpt") return undefined
    const outcome = Waiter.awaitRefresh({
      lockPath: Path.join(directory, "auth.lock"),
      served: credentials,
      read: () => {
        const current = readDocument(location)
        return current === undefined ? undefined : StoredAuth.credentials(current)
      },
      clock: options.clock ?? Date.now,
      ...(options.waitWhenBusy === undefined ? {} : { waitWhenBusy: options.waitWhenBusy })
    })
    if (outcome._tag !== "Adopted") return undefined
    credentials = outcome.credentials
  }
  const bearer = ReadModel.bearer(credentials)

  if (parsed.command === "token") {
    if (!parsed.json) return { stdout: Format.line(bearer), stderr: "", code: 0 }
    const chatGpt = credentials._tag === "ChatGpt"
      ? { expiresAt: credentials.accessTokenExpiresAt, accountId: credentials.tokens.accountId }
      : undefined
    return { stdout: Format.jsonText(Format.tokenJson(bearer, chatGpt)), stderr: "", code: 0 }
  }

  const headers = ReadModel.headers(credentials, {
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
