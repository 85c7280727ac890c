/**
 * The read model: every decision of reading credentials, as plain functions (no `effect`, no runtime API) — what
 * `status` reports, the §11 headers of a login, §9 freshness, §8's `CODEX_HOME` rule, whether §12's HTTP client
 * settings let a startup path answer, and when a bearer another process wrote replaces the one served. The session
 * wraps these (in `Option`s and `Redacted`s); the startup paths of each runtime (the CLI fast path, the facade's
 * startup and warm cache) call them and only do the I/O. Change a decision here and every path follows.
 *
 * The environment is read here too ({@link environment}): the names and the parsing of every setting, the same
 * table `Environment` turns into `Config` values.
 *
 * @since 0.1.0
 */
import type { AuthMode } from "./AuthJson.ts"
import type { StoreKind } from "./CredentialStore.ts"
import * as rules from "./internal/plainRules.ts"
import type { CaVariable, Env, Settings, StoreChoice } from "./internal/read/environment.ts"
import * as plainEnvironment from "./internal/read/environment.ts"
import * as StoredAuth from "./StoredAuth.ts"

export type {
  /**
   * @since 0.1.0
   * @category environment
   */
  CaVariable,
  /**
   * @since 0.1.0
   * @category environment
   */
  Env,
  /**
   * @since 0.1.0
   * @category environment
   */
  Settings,
  /**
   * @since 0.1.0
   * @category environment
   */
  StoreChoice
}

// ---------------------------------------------------------------------------------------------------------------
// environment
// ---------------------------------------------------------------------------------------------------------------

/**
 * The variable of each setting (the only place the names are spelled).
 *
 * @since 0.1.0
 * @category environment
 */
export const environmentNames: typeof plainEnvironment.names = plainEnvironment.names

/**
 * Every setting the startup paths decide on, read once from a plain environment record.
 *
 * @since 0.1.0
 * @category environment
 */
export const environment: (env: Env) => Settings = plainEnvironment.read

/**
 * The terminal named in the Codex `User-Agent` (`TERM_PROGRAM`, else `TERM`, else empty), reading only those two
 * variables through `get` (for runtimes whose environment is granted per name).
 *
 * @since 0.1.0
 * @category environment
 */
export const terminal = (get: (name: string) => string | undefined): string =>
  plainEnvironment.terminal({
    [plainEnvironment.names.termProgram]: get(plainEnvironment.names.termProgram),
    [plainEnvironment.names.term]: get(plainEnvironment.names.term)
  })

// ---------------------------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where the credentials are kept, as `status` names it.
 *
 * @since 0.1.0
 * @category status
 */
export interface StoreFacts {
  readonly kind: StoreKind
  readonly location: string
}

/**
 * What `status` reports, in plain values (`undefined`: unknown; times in epoch milliseconds). The session
 * (`Session.Status`, in `Option`s), the facade (`null`s and `Date`s) and the CLI show exactly these fields, derived
 * from this one definition: a new field is added here (and shown by the CLI's format), nowhere else.
 *
 * @since 0.1.0
 * @category status
 */
export interface Status {
  readonly loggedIn: boolean
  /** `agentIdentity` for an access-token login: logged in, with claims to show, but no bearer. */
  readonly mode: AuthMode | undefined
  readonly email: string | undefined
  readonly plan: string | undefined
  /** The ChatGPT account (workspace) id. */
  readonly accountId: string | undefined
  /** The `chatgpt_account_is_fedramp` claim (id token, or Agent Identity token), when present. */
  readonly fedramp: boolean | undefined
  /** The access token's `exp` (for an access-token login, the Agent Identity token's). */
  readonly accessTokenExpiresAt: number | undefined
  readonly lastRefresh: number | undefined
  readonly store: StoreKind
  readonly location: string
}

/**
 * The fields every status has; all others may be unknown.
 *
 * @since 0.1.0
 * @category status
 */
export type RequiredStatusField = "loggedIn" | "store" | "location"

/**
 * The fields that are instants (epoch milliseconds here; `Date`s in the facade).
 *
 * @since 0.1.0
 * @category status
 */
export type TimeStatusField = "accessTokenExpiresAt" | "lastRefresh"

const requiredStatusFields: ReadonlySet<string> = new Set<RequiredStatusField>(["loggedIn", "store", "location"])
const timeStatusFields: ReadonlySet<string> = new Set<TimeStatusField>(["accessTokenExpiresAt", "lastRefresh"])

/**
 * A status in another shape, field by field in order: every field that may be unknown goes through `optional`
 * (told whether it is an instant); the others are kept. The session, the facade and the CLI derive theirs this way.
 *
 * @since 0.1.0
 * @category status
 */
export const mapStatus = <S>(
  status: { readonly [K in keyof Status]: unknown },
  optional: (value: any, isTime: boolean) => unknown
): S => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(status)) {
    out[key] = requiredStatusFields.has(key) ? value : optional(value, timeStatusFields.has(key))
  }
  return out as S
}

/**
 * The status of a stored document (`undefined`: the store holds none): an access-token login shows its claims
 * (never the token); a ChatGPT login its id token's claims; an API-key login only its mode.
 *
 * @since 0.1.0
 * @category status
 */
export const status = (document: StoredAuth.Document | undefined, store: StoreFacts): Status => {
  const agent = document === undefined ? undefined : StoredAuth.agentIdentityStatus(document)
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
      store: store.kind,
      location: store.location
    }
  }
  const credentials = document === undefined ? undefined : StoredAuth.credentials(document)
  const chatGpt = credentials?._tag === "ChatGpt" ? credentials : undefined
  return {
    loggedIn: credentials !== undefined,
    mode: credentials?.mode,
    email: chatGpt?.tokens.idTokenClaims.email,
    plan: chatGpt === undefined
      ? undefined
      : chatGpt.tokens.idTokenClaims.chatgptPlanType ?? chatGpt.accessTokenClaims?.chatgptPlanType,
    accountId: chatGpt?.workspaceId,
    fedramp: chatGpt?.tokens.idTokenClaims.chatgptAccountIsFedramp,
    accessTokenExpiresAt: chatGpt?.accessTokenExpiresAt,
    lastRefresh: chatGpt?.lastRefresh,
    store: store.kind,
    location: store.location
  }
}

/**
 * The status as the Promise facade resolves it: `null` for unknown, instants as `Date`s.
 *
 * @since 0.1.0
 * @category status
 */
export type NullableStatus = {
  readonly [K in keyof Status]: K extends RequiredStatusField ? Status[K]
    : (K extends TimeStatusField ? Date : NonNullable<Status[K]>) | null
}

/**
 * The facade's shape of a status.
 *
 * @since 0.1.0
 * @category status
 */
export const nullable = (status: Status): NullableStatus =>
  mapStatus(status, (value: unknown, isTime) => value === undefined ? null : isTime ? new Date(value as number) : value)

// ---------------------------------------------------------------------------------------------------------------
// freshness (§9) and the bearer
// ---------------------------------------------------------------------------------------------------------------

/**
 * §9: whether a token whose `exp` is `expiresAtMillis` (else last refreshed at `lastRefreshMillis`) must be refreshed
 * before it is served at `nowMillis`.
 *
 * @since 0.1.0
 * @category freshness
 */
export const needsRefresh: (
  expiresAtMillis: number | undefined,
  lastRefreshMillis: number | undefined,
  nowMillis: number
) => boolean = rules.needsRefresh

/**
 * Whether credentials can be served as they are at `nowMillis` (an API key always; tokens by §9).
 *
 * @since 0.1.0
 * @category freshness
 */
export const isFresh: (credentials: StoredAuth.Credentials, nowMillis: number) => boolean = StoredAuth.isFresh

/**
 * The bearer of credentials: the access token (ChatGPT) or the API key.
 *
 * @since 0.1.0
 * @category freshness
 */
export const bearer = (credentials: StoredAuth.Credentials): string =>
  credentials._tag === "ChatGpt" ? credentials.tokens.accessToken : credentials.apiKey

/**
 * The access token's `exp` in epoch milliseconds, `undefined` when it has none readable (an API key, an opaque
 * token): what the warm caches key freshness on.
 *
 * @since 0.1.0
 * @category freshness
 */
export const expiresAtOf = (token: string): number | undefined => {
  const exp = StoredAuth.decodeClaims(token)?.exp
  return exp === undefined ? undefined : exp * 1000
}

/**
 * Adopt-newer: before a forced refresh, the store holds `current` while the caller was served `served`. A
 * different bearer is the answer (another process refreshed), so no grant is made; the same one (or nothing to
 * compare) means refresh. `equals` compares secrets (the session's compares unwrapped `Redacted` values).
 *
 * @since 0.1.0
 * @category freshness
 */
export const adoptsNewer = <A>(
  served: A | undefined,
  current: A | undefined,
  equals: (a: A, b: A) => boolean = (a, b) => a === b
): boolean => served !== undefined && current !== undefined && !equals(current, served)

// ---------------------------------------------------------------------------------------------------------------
// headers (§11)
// ---------------------------------------------------------------------------------------------------------------

/**
 * What the headers of a login carry besides the bearer: the `ChatGPT-Account-ID` (none in API-key mode) and whether
 * the account is FedRAMP.
 *
 * @since 0.1.0
 * @category headers
 */
export const accountHeaders = (
  login:
    | { readonly _tag: "ApiKey" }
    | {
      readonly _tag: "ChatGpt"
      readonly workspaceId: string | undefined
      readonly fedramp: boolean | undefined
    }
): { readonly accountId: string | undefined; readonly fedramp: boolean } =>
  login._tag === "ChatGpt"
    ? { accountId: login.workspaceId, fedramp: login.fedramp === true }
    : { accountId: undefined, fedramp: false }

/**
 * The §11 headers of stored credentials, as a record (lower-case names).
 *
 * @since 0.1.0
 * @category headers
 */
export const headers = (
  credentials: StoredAuth.Credentials,
  client: { readonly originator: string; readonly userAgent: string }
): Record<string, string> =>
  rules.headerRecord({
    bearer: bearer(credentials),
    ...accountHeaders(
      credentials._tag === "ChatGpt"
        ? {
          _tag: "ChatGpt",
          workspaceId: credentials.workspaceId,
          fedramp: credentials.tokens.idTokenClaims.chatgptAccountIsFedramp
        }
        : credentials
    ),
    originator: client.originator,
    userAgent: client.userAgent
  })

/**
 * The bearer a header record carries (`authorization: Bearer …`), if any.
 *
 * @since 0.1.0
 * @category headers
 */
export const bearerOfHeaders = (record: Readonly<Record<string, string>>): string | undefined => {
  const value = record["authorization"]
  return value !== undefined && value.startsWith("Bearer ") ? value.slice("Bearer ".length) : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// CODEX_HOME (§8)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where §8 looks for `CODEX_HOME`: an explicit directory (an option, `--codex-home`), else the `CODEX_HOME`
 * variable (either blank: the default) — both must exist, and are canonicalised — else `~/.codex`, created when missing.
 *
 * @since 0.1.0
 * @category codexHome
 */
export type CodexHomeChoice =
  | { readonly _tag: "Given"; readonly path: string; readonly source: "option" | "variable" }
  | { readonly _tag: "Default"; readonly path: string }

/**
 * §8's choice, before any I/O: the runtime then checks a given directory (missing or not a directory is
 * `CodexHomeNotFound`) or ensures the default one.
 *
 * @since 0.1.0
 * @category codexHome
 */
export const codexHome = (options: {
  readonly explicit: string | undefined
  readonly variable: string | undefined
  readonly homeDirectory: string
  readonly join: (...segments: ReadonlyArray<string>) => string
}): CodexHomeChoice => {
  // An explicit directory replaces the variable, even a blank one (which, like a blank variable, means the default).
  const given = plainEnvironment.codexHome(options.explicit ?? options.variable)
  if (given !== undefined) {
    return { _tag: "Given", path: given, source: options.explicit === undefined ? "variable" : "option" }
  }
  return { _tag: "Default", path: options.join(options.homeDirectory, ".codex") }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP client settings (§12)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Whether a startup path may read this store at all: the file store (the default), nothing else.
 *
 * @since 0.1.0
 * @category httpClient
 */
export const fileStoreByDefault: (store: string | undefined) => boolean = plainEnvironment.fileStoreByDefault

/**
 * §12: the largest CA bundle read; a bigger file is refused (`HttpClientConfig.maxCaBundleBytes`).
 *
 * @since 0.2.0
 * @category trust
 */
export const maxCaBundleBytes: number = rules.maxCaBundleBytes

/**
 * §12: the certificates of a PEM bundle, each re-armoured, or what is wrong with it (never the file's text): the
 * reading `HttpClientConfig.parsePemBundle` gives the Effect side.
 *
 * @since 0.2.0
 * @category trust
 */
export const parsePemBundle: (
  text: string
) => { readonly ok: true; readonly value: ReadonlyArray<string> } | { readonly ok: false; readonly error: string } =
  rules.parsePemBundle
