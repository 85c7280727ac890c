/**
 * The stored credentials read without Effect: the same reading of `auth.json` (syntax, rules, JWT claims,
 * `last_refresh`) and the same §9 refresh rule that `AuthJson`, `Jwt` and `TokenSet` use — they wrap these plain
 * functions — for startup fast paths that must not load the Effect runtime (the CLI's `token` / `headers` /
 * `status`, the facade's first `getToken`). This module imports nothing from `effect`.
 *
 * Values here are plain strings: a fast path must hand a token straight to where it is sent (stdout, a header)
 * and keep it nowhere else. Anything that needs more (a refresh, a lock, a login) belongs to the Effect engine.
 *
 * @since 0.1.0
 */
import type { UnknownFields } from "./AuthJson.ts"
import * as agentIdentityPlain from "./internal/agentIdentityPlain.ts"
import * as read from "./internal/authJsonRead.ts"
import * as timestamp from "./internal/authJsonTimestamp.ts"
import * as codexConfig from "./internal/codexConfigPlain.ts"
import * as jwt from "./internal/jwt.ts"
import * as rules from "./internal/plainRules.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Result<A, E> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: E }

/**
 * The claims of PROTOCOL.md §9 as plain values (`undefined` when absent or of the wrong type).
 *
 * @since 0.1.0
 * @category models
 */
export type Claims = jwt.PlainClaims

/**
 * @since 0.1.0
 * @category models
 */
export interface Provenance {
  readonly issuer: string
  readonly clientId: string
  readonly unknownFields: UnknownFields
}

/**
 * `tokens` of `auth.json`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tokens {
  readonly idToken: string
  readonly idTokenClaims: Claims
  readonly accessToken: string
  readonly refreshToken: string
  readonly oauthProvenance: Provenance | undefined
  readonly loginOwnerId: string | undefined
  readonly accountId: string | undefined
  readonly unknownFields: UnknownFields
}

/**
 * `auth.json`, read by the rules of `AuthJson` (a file `AuthJson.parse` rejects is rejected here, for the same
 * reason).
 *
 * @since 0.1.0
 * @category models
 */
export interface Document {
  readonly authMode: string | undefined
  readonly openaiApiKey: string | undefined
  /** `agent_identity`: the Agent Identity JWT of an access-token login. */
  readonly agentIdentity: string | undefined
  readonly tokens: Tokens | undefined
  readonly lastRefresh: string | undefined
  readonly unknownFields: UnknownFields
}

/**
 * Reads the text of an `auth.json`; the failure is the reason `AuthFileInvalid` would give.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse: (text: string) => Result<Document, string> = read.read

/**
 * Decodes (does not verify) a compact JWT's claims.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeClaims = (token: string): Claims | undefined => {
  const decoded = jwt.decodeClaims(token)
  return decoded.ok ? decoded.value : undefined
}

/**
 * An RFC 3339 timestamp (`last_refresh`) as epoch milliseconds.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseTimestamp: (text: string) => number | undefined = timestamp.parseTimestamp

/**
 * The mode of §8: `auth_mode`, else `apikey` when `OPENAI_API_KEY` is set, else `chatgpt`.
 *
 * @since 0.1.0
 * @category getters
 */
export const resolvedMode = (document: Document): string =>
  read.resolvedMode(document.authMode, document.openaiApiKey !== undefined)

/**
 * The refresh rule of §9 (`TokenSet.needsRefresh` is this function).
 *
 * @since 0.1.0
 * @category rules
 */
export const needsRefresh: (
  expiresAtMillis: number | undefined,
  lastRefreshMillis: number | undefined,
  nowMillis: number
) => boolean = rules.needsRefresh

/**
 * The §11 `User-Agent` (`Headers.userAgent` is this function).
 *
 * @since 0.1.0
 * @category rules
 */
export const userAgent: (info: rules.UserAgentInfo) => string = rules.userAgent

/**
 * The §11 headers as a record of lower-case names (`Headers.make` is this function).
 *
 * @since 0.1.0
 * @category rules
 */
export const headers: (input: {
  readonly bearer: string
  readonly accountId: string | undefined
  readonly fedramp: boolean
  readonly originator: string
  readonly userAgent: string
}) => Record<string, string> = rules.headerRecord

/**
 * The CA bundle check of §12 (`HttpClientConfig.parsePemBundle` is this function): a fast path that skips building
 * the HTTP client must still fail over to the engine when the bundle named by `CODEX_CA_CERTIFICATE` /
 * `SSL_CERT_FILE` is unusable, so the user sees the engine's error.
 *
 * @since 0.1.0
 * @category rules
 */
export const parsePemBundle: (text: string) => Result<ReadonlyArray<string>, string> = rules.parsePemBundle

/**
 * Codex's API-key mask for `status` (`ApiKeyAuth.mask` is this function).
 *
 * @since 0.1.0
 * @category rules
 */
export const maskApiKey: (key: string) => string = rules.maskApiKey

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultOriginator: string = rules.defaultOriginator

/**
 * @since 0.1.0
 * @category constants
 */
export const codexVersion: string = rules.codexVersion

/**
 * What the session would serve from a document on first use, before any refresh.
 *
 * @since 0.1.0
 * @category models
 */
export type Credentials =
  | {
    readonly _tag: "ChatGpt"
    readonly mode: string
    readonly tokens: Tokens
    /** The access token's `exp`, in epoch milliseconds. */
    readonly accessTokenExpiresAt: number | undefined
    readonly accessTokenClaims: Claims | undefined
    readonly lastRefresh: number | undefined
    /** The stored account id, else the id token's `chatgpt_account_id` (the `ChatGPT-Account-ID` header). */
    readonly workspaceId: string | undefined
  }
  | { readonly _tag: "ApiKey"; readonly mode: string; readonly apiKey: string }

/**
 * The credentials in a document, as the session reads them (API-key mode needs a key; any other mode needs
 * tokens); `undefined` when there are none (logged out).
 *
 * @since 0.1.0
 * @category getters
 */
export const credentials = (document: Document): Credentials | undefined => {
  const mode = resolvedMode(document)
  if (mode === "apikey") {
    return document.openaiApiKey === undefined ? undefined : { _tag: "ApiKey", mode, apiKey: document.openaiApiKey }
  }
  const tokens = document.tokens
  if (tokens === undefined) return undefined
  const accessTokenClaims = decodeClaims(tokens.accessToken)
  const exp = accessTokenClaims?.exp
  return {
    _tag: "ChatGpt",
    mode,
    tokens,
    accessTokenExpiresAt: exp === undefined ? undefined : exp * 1000,
    accessTokenClaims,
    lastRefresh: document.lastRefresh === undefined ? undefined : parseTimestamp(document.lastRefresh),
    workspaceId: tokens.accountId ?? tokens.idTokenClaims.chatgptAccountId
  }
}

/**
 * What a status shows of an access-token (Agent Identity) login, decoded (not verified) from the stored token; never
 * the token itself.
 *
 * @since 0.1.0
 * @category models
 */
export type AgentIdentityStatus = agentIdentityPlain.PlainAgentIdentityStatus

/**
 * The status claims of an access-token login (`auth_mode: agentIdentity` with a token), `undefined` for any other
 * document. Such a login has no bearer ({@link credentials} is `undefined` for it): `token` and `headers` belong to
 * the engine, which refuses them with `BearerTokenUnavailable`.
 *
 * @since 0.1.0
 * @category getters
 */
export const agentIdentityStatus = (document: Document): AgentIdentityStatus | undefined => {
  const token = agentIdentityPlain.storedToken({
    authMode: document.authMode,
    hasApiKey: document.openaiApiKey !== undefined,
    agentIdentity: document.agentIdentity
  })
  return token === undefined ? undefined : agentIdentityPlain.statusClaims(token)
}

/**
 * Whether the credentials can be served as they are at `nowMillis` (an API key always; tokens by §9).
 *
 * @since 0.1.0
 * @category rules
 */
export const isFresh = (credentials: Credentials, nowMillis: number): boolean =>
  credentials._tag === "ApiKey" ||
  !needsRefresh(credentials.accessTokenExpiresAt, credentials.lastRefresh, nowMillis)

/**
 * Whether `CODEX_HOME/config.toml`'s text (`undefined`: no file) lets a fast path answer: it parses and forces
 * neither a workspace nor a login method. Otherwise the engine must read it (and refuse, or apply §10).
 *
 * @since 0.1.0
 */
export const configAllowsFastPath = (text: string | undefined, path: string): boolean => {
  if (text === undefined) return true
  const parsed = codexConfig.parsePolicy(text, path)
  return parsed.ok && parsed.value.forcedWorkspaceIds === undefined && parsed.value.forcedLoginMethod === undefined
}
