// Every setting this project reads from the environment, in plain TypeScript (no `effect`, no runtime API): the names
// (the only place they are spelled) and how each value is parsed. `Environment` builds the `Config` values of the
// Effect side from these; the Effect-free startup paths call `read` over the record their runtime gives. One table, so
// every entry point (Effect API, CLI, facade, pool, Deno) reads the same setting from the same variable the same way.

/** An environment as a plain record (the runtime package's environment variables, or a test's map). */
export type Env = Readonly<Record<string, string | undefined>>

/** The variable of each setting. */
export const names = {
  /** §8: the directory of `auth.json`. */
  codexHome: "CODEX_HOME",
  /** Codex's override of the refresh grant's URL (wins over any issuer). */
  refreshTokenUrlOverride: "CODEX_REFRESH_TOKEN_URL_OVERRIDE",
  /** Codex's override of the revocation URL. */
  revokeTokenUrlOverride: "CODEX_REVOKE_TOKEN_URL_OVERRIDE",
  /** The issuer (an emulator, a company issuer); default the OpenAI one. */
  issuer: "CODEX_AUTH_ISSUER",
  /** The credential store: file, keyring, auto, memory, postgres. */
  store: "CODEX_AUTH_STORE",
  /** The AES key that seals stored rows and pending two-step logins. */
  storeKey: "CODEX_AUTH_STORE_KEY",
  storeKeyPrevious: "CODEX_AUTH_STORE_KEY_PREVIOUS",
  storeAccount: "CODEX_AUTH_STORE_ACCOUNT",
  storeLockTimeoutMillis: "CODEX_AUTH_STORE_LOCK_TIMEOUT_MS",
  storeLeaseTimeoutMillis: "CODEX_AUTH_STORE_LEASE_TIMEOUT_MS",
  databaseUrl: "CODEX_AUTH_DATABASE_URL",
  /** §12: the CA bundle, in order of precedence. */
  caCertificate: "CODEX_CA_CERTIFICATE",
  sslCertFile: "SSL_CERT_FILE",
  httpsProxy: "HTTPS_PROXY",
  httpsProxyLower: "https_proxy",
  noProxy: "NO_PROXY",
  noProxyLower: "no_proxy",
  /** The planner's and the browser opener's overrides (`1`/`0`, a method). */
  wsl: "CODEX_AUTH_WSL",
  loginMethod: "CODEX_AUTH_LOGIN_METHOD",
  interactive: "CODEX_AUTH_INTERACTIVE",
  browser: "CODEX_AUTH_BROWSER",
  /** The user's browser command (xdg-open's and Python's `webbrowser` convention); `none` means no browser. */
  browserCommand: "BROWSER",
  /** `1`: the CLI skips its startup path (the full CLI answers every command). */
  noFastPath: "CODEX_AUTH_NO_FAST_PATH",
  /**
   * `0`: a `token` / `headers` whose startup path took auth.lock for a refresh hands it to the Effect engine instead of
   * sending the grant itself (the engine's own tests; a way around the startup refresh should it ever misbehave).
   */
  fastRefresh: "CODEX_AUTH_FAST_REFRESH",
  /** A file the CLI appends one line to per process: `fast` or `engine` (whether it loaded the engine). Tests count. */
  startupTrace: "CODEX_AUTH_STARTUP_TRACE",
  /**
   * The directory of the CLI's V8 code cache (what a cold refresh compiled, kept for the next process); `off` keeps
   * none. Default: the user's cache directory (`$XDG_CACHE_HOME/codex-auth`, `~/Library/Caches/codex-auth`,
   * `%LOCALAPPDATA%\codex-auth\Cache`).
   */
  codeCache: "CODEX_AUTH_CODE_CACHE",
  /** The terminal named in the Codex `User-Agent`. */
  termProgram: "TERM_PROGRAM",
  term: "TERM"
} as const

/** The variables that name a CA bundle, in order of precedence. */
export type CaVariable = typeof names.caCertificate | typeof names.sslCertFile

export const caVariables: ReadonlyArray<CaVariable> = [names.caCertificate, names.sslCertFile]

export type StoreChoice = "file" | "keyring" | "auto" | "memory" | "postgres"

export const storeChoices: ReadonlyArray<StoreChoice> = ["file", "keyring", "auto", "memory", "postgres"]

/** A value, trimmed; empty (or only blanks) means unset. */
export const trimmed = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  return text === "" ? undefined : text
}

/** `CODEX_HOME` as given (not trimmed: it is a path), when it is not blank. */
export const codexHome = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value

/** The CA bundle of §12: `CODEX_CA_CERTIFICATE`, else `SSL_CERT_FILE` (each trimmed; empty means unset). */
export const caBundle = (
  codex: string | undefined,
  ssl: string | undefined
): { readonly variable: CaVariable; readonly path: string } | undefined => {
  const first = trimmed(codex)
  if (first !== undefined) return { variable: names.caCertificate, path: first }
  const second = trimmed(ssl)
  return second === undefined ? undefined : { variable: names.sslCertFile, path: second }
}

/**
 * A proxy URL undici (and Deno) can dial, or what to do about it. The value is never echoed (it may carry
 * credentials).
 */
export const proxyUrl = (
  name: string,
  value: string | undefined
): { readonly ok: true; readonly value: string | undefined } | { readonly ok: false; readonly error: string } => {
  const text = trimmed(value)
  if (text === undefined) return { ok: true, value: undefined }
  try {
    const url = new URL(text)
    if (url.protocol === "http:" || url.protocol === "https:") return { ok: true, value: text }
  } catch {
    // not a URL at all
  }
  return {
    ok: false,
    error: `${name} is not a proxy URL (expected one such as http://proxy.example:3128). Fix ${name}, or unset it to ` +
      "connect directly."
  }
}

/** `CODEX_AUTH_STORE` names no other store than the file one (the default): the only store the startup paths read. */
export const fileStoreByDefault = (store: string | undefined): boolean => store === undefined || store === "file"

/** The settings the Effect-free startup paths decide on, read once from a plain environment. */
export interface Settings {
  readonly codexHome: string | undefined
  readonly store: string | undefined
  readonly issuer: string | undefined
  readonly refreshTokenUrlOverride: string | undefined
  readonly revokeTokenUrlOverride: string | undefined
  readonly caBundle: { readonly variable: CaVariable; readonly path: string } | undefined
  /** `HTTPS_PROXY` (else `https_proxy`), trimmed; not validated here (the full path reports a bad one). */
  readonly httpsProxy: string | undefined
  readonly noProxy: string | undefined
  readonly noFastPath: boolean
  /** `CODEX_AUTH_FAST_REFRESH` is not `0`: the startup path sends the refresh grant itself. */
  readonly fastRefresh: boolean
  readonly startupTrace: string | undefined
  /** `CODEX_AUTH_CODE_CACHE`, trimmed: a directory, `off`, or unset (the runtime's default place). */
  readonly codeCache: string | undefined
  /** The terminal of the `User-Agent` (`TERM_PROGRAM`, else `TERM`, else empty). */
  readonly terminal: string
}

/** Reads every setting of {@link Settings} from `env`, with the same parsing as the `Config` side. */
export const read = (env: Env): Settings => ({
  codexHome: codexHome(env[names.codexHome]),
  store: env[names.store],
  issuer: trimmed(env[names.issuer]),
  refreshTokenUrlOverride: trimmed(env[names.refreshTokenUrlOverride]),
  revokeTokenUrlOverride: trimmed(env[names.revokeTokenUrlOverride]),
  caBundle: caBundle(env[names.caCertificate], env[names.sslCertFile]),
  httpsProxy: trimmed(env[names.httpsProxy]) ?? trimmed(env[names.httpsProxyLower]),
  noProxy: trimmed(env[names.noProxy]) ?? trimmed(env[names.noProxyLower]),
  noFastPath: env[names.noFastPath] === "1",
  fastRefresh: env[names.fastRefresh] !== "0",
  startupTrace: trimmed(env[names.startupTrace]),
  codeCache: trimmed(env[names.codeCache]),
  terminal: terminal(env)
})

/** The terminal named in the Codex `User-Agent`: `TERM_PROGRAM`, else `TERM`, else empty. */
export const terminal = (env: Env): string => env[names.termProgram] ?? env[names.term] ?? ""
