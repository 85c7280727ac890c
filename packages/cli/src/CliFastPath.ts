/**
 * The CLI's startup path, once for every runtime: `token`, `headers` and `status` (with or without `--json`) answered
 * from a readable `auth.json` in plain TypeScript (no `effect`), over the few synchronous reads a runtime passes in
 * ({@link Io}). It answers only what the full CLI would answer from the same state without a refresh, a lock or any
 * write — the file store, a file that parses, no config.toml policy (§10), an HTTP client that would build (§12), a
 * token that is fresh by §9 (for `token` and `headers`) — and otherwise returns `undefined`, so the full CLI runs and
 * gives the real answer and the real errors. It never writes anything. Node's bin and Deno's `cli.ts` run it before
 * they load the engine; the decisions are the read model's (`@codex-auth/core/ReadModel`), the bytes `CliFormat`'s.
 *
 * @since 0.1.0
 */
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Format from "./CliFormat.ts"

/**
 * What the process prints and how it exits.
 *
 * @since 0.1.0
 * @category model
 */
export interface Answer {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

/**
 * The synchronous reads the startup path makes, in the runtime's own API. None may throw: a read that fails is
 * `undefined` (or `false`), and the full CLI then answers.
 *
 * @since 0.1.0
 * @category model
 */
export interface Io {
  /** A regular file's text, at most `maxBytes`, valid UTF-8; `undefined` for anything else (missing, a FIFO, …). */
  readonly readText: (path: string, maxBytes: number) => string | undefined
  readonly isDirectory: (path: string) => boolean
  /** The canonical path (symbolic links resolved), `undefined` when it cannot be resolved. */
  readonly realPath: (path: string) => string | undefined
  /** The mode bits of a path, `undefined` when unknown. */
  readonly modeOf: (path: string) => number | undefined
  /** The user's home directory, as the runtime's `CodexHome` layer takes it. */
  readonly homeDirectory: () => string
  /** The platform's `path.join`. */
  readonly join: (...segments: ReadonlyArray<string>) => string
  /** Mode bits mean nothing here (Windows): no insecure-mode warning, as the full CLI. */
  readonly windows: boolean
  /** The Codex `User-Agent` of this machine (the runtime's session builds the same one). */
  readonly userAgent: (originator: string, version: string) => string
}

/**
 * The command and the flags the startup path understands.
 *
 * @since 0.1.0
 * @category model
 */
export interface Parsed {
  readonly command: "status" | "token" | "headers"
  readonly json: boolean
  readonly codexHome: string | undefined
  /** `--store file` was given. */
  readonly fileStore: boolean
}

/**
 * What a runtime may do about a stale ChatGPT token instead of handing it to the engine: Node waits for auth.lock
 * and adopts what another process saved. `reread` reads auth.json's credentials again. `undefined`: the engine.
 *
 * @since 0.1.0
 * @category model
 */
export type OnStale = (stale: {
  readonly served: StoredAuth.Credentials
  readonly directory: string
  readonly reread: () => StoredAuth.Credentials | undefined
}) => StoredAuth.Credentials | undefined

/**
 * CODEX_AUTH_STORE names another store (PostgreSQL, the keyring, …): the full CLI decides, this path never does.
 *
 * @since 0.1.0
 * @category decisions
 */
export const fileStoreByDefault = (env: ReadModel.Env): boolean =>
  ReadModel.fileStoreByDefault(ReadModel.environment(env).store)

/**
 * The argument shapes the startup path understands; anything else (help, other flags, `=` forms) is the full CLI's.
 *
 * @since 0.1.0
 * @category decisions
 */
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

/**
 * `CODEX_HOME` as the full CLI resolves it (§8), without creating anything: `undefined` when that would be needed.
 *
 * @since 0.1.0
 * @category decisions
 */
export const resolveCodexHome = (
  explicit: string | undefined,
  env: ReadModel.Env,
  io: Pick<Io, "isDirectory" | "realPath" | "homeDirectory" | "join">
): string | undefined => {
  const choice = ReadModel.codexHome({
    explicit,
    variable: ReadModel.environment(env).codexHome,
    homeDirectory: io.homeDirectory(),
    join: io.join
  })
  if (!io.isDirectory(choice.path)) return undefined
  return choice._tag === "Default" ? choice.path : io.realPath(choice.path)
}

/**
 * The bound of the full CLI (`SecretFile.defaultMaxReadBytes`), not imported:
 * this path loads no Effect. Anything refused under them (too large, not a regular file, not UTF-8) is the full
 * CLI's to report.
 *
 * @since 0.1.0
 * @category decisions
 */
export const maxAuthFileBytes = 1024 * 1024

/**
 * The answer of the startup path, or `undefined` when the full CLI must answer. `onStale` (default: none) may
 * answer a stale ChatGPT token from credentials another process saved.
 *
 * @since 0.1.0
 * @category answer
 */
export const run = (
  args: ReadonlyArray<string>,
  env: ReadModel.Env,
  now: number,
  io: Io,
  onStale?: OnStale
): Answer | undefined => {
  const parsed = parseArgs(args)
  // The §12 settings (CA bundle, proxy) matter only for the network: the full CLI builds its HTTP client on the
  // first request, so a fresh token is served whatever they say, here as there.
  if (parsed === undefined || !fileStoreByDefault(env)) return undefined
  const directory = resolveCodexHome(parsed.codexHome, env, io)
  if (directory === undefined) return undefined
  // config.toml's §10 policy (or a file Codex refuses) is the engine's to apply.
  const configPath = io.join(directory, "config.toml")
  if (!StoredAuth.configAllowsFastPath(io.readText(configPath, maxAuthFileBytes), configPath)) return undefined
  const location = io.join(directory, "auth.json")
  const answer = answerFrom(parsed, now, location, directory, io, onStale)
  if (answer === undefined) return undefined
  const warning = io.windows ? undefined : Format.insecureModeWarning(
    { path: location, mode: io.modeOf(location) },
    { path: directory, mode: io.modeOf(directory) }
  )
  return { ...answer, stderr: (warning ?? "") + answer.stderr }
}

const readDocument = (location: string, io: Io): StoredAuth.Document | undefined => {
  const text = io.readText(location, maxAuthFileBytes)
  if (text === undefined) return undefined
  const document = StoredAuth.parse(text)
  return document.ok ? document.value : undefined
}

const answerFrom = (
  parsed: Parsed,
  now: number,
  location: string,
  directory: string,
  io: Io,
  onStale: OnStale | undefined
): Answer | undefined => {
  const document = readDocument(location, io)
  if (document === undefined) return undefined
  let credentials = StoredAuth.credentials(document)

  if (parsed.command === "status") {
    const status = ReadModel.status(document, { kind: "file", location })
    // No login: the full CLI's "Not logged in" (and its exit code).
    if (!status.loggedIn) return undefined
    // API-key mode: Codex's line and mask, never the key.
    const masked = credentials?._tag === "ApiKey" ? StoredAuth.maskApiKey(credentials.apiKey) : undefined
    if (parsed.json) return { stdout: Format.jsonText(Format.statusJsonWithKey(status, masked)), stderr: "", code: 0 }
    const lines = masked === undefined ? Format.statusLines(status, now) : Format.apiKeyStatusLines(masked, status)
    return { stdout: "", stderr: Format.line(lines), code: 0 }
  }

  // An access-token (Agent Identity) login has no bearer: the engine refuses `token` / `headers` with its error.
  if (credentials === undefined) return undefined
  if (!ReadModel.isFresh(credentials, now)) {
    if (onStale === undefined || credentials._tag !== "ChatGpt") return undefined
    const adopted = onStale({
      served: credentials,
      directory,
      reread: () => {
        const current = readDocument(location, io)
        return current === undefined ? undefined : StoredAuth.credentials(current)
      }
    })
    if (adopted === undefined) return undefined
    credentials = adopted
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
    userAgent: io.userAgent(StoredAuth.defaultOriginator, StoredAuth.codexVersion)
  })
  const entries = Format.headerEntries(headers)
  return {
    stdout: parsed.json ? Format.jsonText(Object.fromEntries(entries)) : Format.line(Format.headersText(entries)),
    stderr: "",
    code: 0
  }
}
