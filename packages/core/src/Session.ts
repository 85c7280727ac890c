/**
 * The session: the token lifecycle an embedder calls — `getToken` / `getHeaders` served from memory while the
 * access token is fresh; otherwise one refresh at a time (single flight in the process, `flock` across processes,
 * re-reading the store first so tokens another process or the Codex CLI already refreshed are adopted), `status`,
 * `logout`, `recoverUnauthorized` and optional proactive refresh.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { AuthFileInvalid } from "./AuthJson.ts"
import * as CodexConfig from "./CodexConfig.ts"
import type { CredentialStore, CredentialStoreError } from "./CredentialStore.ts"
import * as internal from "./internal/session/session.ts"
import * as MemoryCredentialStore from "./MemoryCredentialStore.ts"
import { layer as oauthClientLayer } from "./OAuthClient.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import * as ProviderProfileModule from "./ProviderProfile.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"
import type * as ReadModel from "./ReadModel.ts"
import type { LoginMethodRestricted, SessionError, WorkspaceRestricted } from "./SessionError.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * The credentials a session holds.
 *
 * @since 0.1.0
 * @category models
 */
export type Credentials =
  | { readonly _tag: "ChatGpt"; readonly tokenSet: TokenSet }
  | { readonly _tag: "ApiKey"; readonly apiKey: Redacted.Redacted<string> }

/**
 * What a login hands the session to persist.
 *
 * @since 0.1.0
 * @category models
 */
export type LoginOutcome =
  | {
    readonly _tag: "ChatGpt"
    readonly tokenSet: TokenSet
    /** What the API-key exchange returned (browser login), none otherwise. */
    readonly openaiApiKey: Option.Option<Redacted.Redacted<string>>
  }
  | { readonly _tag: "ApiKey"; readonly apiKey: Redacted.Redacted<string> }
  /** An access-token (Agent Identity) login, its token verified by the caller; the session serves no bearer from it. */
  | { readonly _tag: "AccessToken"; readonly token: Redacted.Redacted<string> }

/**
 * What `saveLogin` saved: the credentials the session now serves, or the access-token login (which it does not serve).
 *
 * @since 0.1.0
 * @category models
 */
export type SavedLogin = Credentials | { readonly _tag: "AccessToken"; readonly token: Redacted.Redacted<string> }

/**
 * What `status` reports (`ReadModel.Status`, the one definition), each field that may be unknown in an `Option`.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = {
  readonly [K in keyof ReadModel.Status]: K extends ReadModel.RequiredStatusField ? ReadModel.Status[K]
    : Option.Option<NonNullable<ReadModel.Status[K]>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LogoutOptions {
  /** Revoke the refresh token at the issuer first (best effort). Default true. */
  readonly revoke?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LogoutResult {
  /** Whether any credentials were removed. */
  readonly removed: boolean
  /** `failed` still removed the local credentials (revocation is best effort). */
  readonly revoke: "revoked" | "failed" | "skipped"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Run when `getToken` finds no credentials. Without it the session asks its caller's context for `OnDemandLogin`,
   * and without that fails with `LoginRequired` (the non-interactive guard). Its result is saved through the session's
   * store.
   */
  readonly login?: Effect.Effect<LoginOutcome, unknown> | undefined
  /** `forced_chatgpt_workspace_id`: the allowed ChatGPT workspace ids (empty: any). */
  readonly forcedWorkspaceIds?: ReadonlyArray<string> | undefined
  /** `forced_login_method`. */
  readonly forcedLoginMethod?: "chatgpt" | "api" | undefined
  /**
   * Where the restrictions above are configured (`CodexConfig.Policy.source`, e.g. `~/.codex/config.toml`), named by
   * the restriction errors. Unset: the program's own.
   */
  readonly policySource?: string | undefined
  /** Retries of a transient refresh failure (5xx, network, timeout). Default 3. */
  readonly refreshRetries?: number | undefined
  /** First back-off between retries, doubled each time. Default 250 ms. */
  readonly refreshRetryDelayMillis?: number | undefined
  /** Refresh in a background fiber shortly before the access token needs it. Default false. */
  readonly proactiveRefresh?: boolean | undefined
  /** The `User-Agent` of `getHeaders` (see `Headers.userAgent`). Default: the provider profile's. */
  readonly userAgent?: string | undefined
  /** `CODEX_REFRESH_TOKEN_URL_OVERRIDE`: wins over the issuer recorded with the tokens. */
  readonly refreshTokenUrlOverride?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Session {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /**
     * The bearer for the backend: the access token (ChatGPT) or the API key. Fresh, refreshed if needed. An
     * access-token (Agent Identity) login has none: `BearerTokenUnavailable` (so for `getHeaders`, `getCredentials`,
     * `refresh` and `recoverUnauthorized` too).
     */
    readonly getToken: Effect.Effect<Redacted.Redacted<string>, SessionError>
    /** The headers of PROTOCOL.md §11. */
    readonly getHeaders: Effect.Effect<Headers.Headers, SessionError>
    readonly getCredentials: Effect.Effect<Credentials, SessionError>
    /** Re-reads the store and refreshes now (adopting tokens another process stored instead, when there are). */
    readonly refresh: Effect.Effect<Credentials, SessionError>
    /** For a 401 from the backend: re-read the store; if nothing newer is there, refresh once. */
    readonly recoverUnauthorized: Effect.Effect<Redacted.Redacted<string>, SessionError>
    /**
     * What the store holds. Credentials the §10 restrictions refuse fail with `WorkspaceRestricted` /
     * `LoginMethodRestricted` (`removed: false`: as `codex login status`, status never removes them).
     */
    readonly status: Effect.Effect<
      Status,
      CredentialStoreError | AuthFileInvalid | WorkspaceRestricted | LoginMethodRestricted
    >
    /** Revokes (best effort, PROTOCOL.md §7) and removes the credentials. */
    readonly logout: Effect.Effect<LogoutResult, CredentialStoreError>
    /** {@link logout} with options: `revoke: false` removes the credentials without calling the issuer. */
    readonly logoutWith: (options: LogoutOptions) => Effect.Effect<LogoutResult, CredentialStoreError>
    /**
     * Persists a login: workspace and method checks (§10), save under the lock, and the superseded refresh token
     * revoked (best effort; not for an access-token login, as in Codex).
     */
    readonly saveLogin: (outcome: LoginOutcome) => Effect.Effect<SavedLogin, SessionError>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Session extends Context.Tag("@codex-auth/core/Session")<Session, Session.Service>() {}

/**
 * Builds a session; its background work (proactive refresh, a refresh in flight) lives in the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Session.Service, never, CredentialStore | OAuthClient | ProviderProfile | Scope.Scope> =
  internal.make

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<Session, never, CredentialStore | OAuthClient | ProviderProfile> => Layer.scoped(Session, make(options))

/**
 * What a runtime package's session layer takes: the session's options, provider profile overrides (Codex's env
 * overrides still apply) and the store.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfiguredOptions<E = never> extends Options {
  /** Provider profile overrides (issuer, client id, …); env overrides of Codex still apply. */
  readonly profile?: ProviderProfileModule.Overrides | undefined
  /** `file` (default, `CODEX_HOME/auth.json`), `memory`, or any store layer (e.g. the keyring adapter). */
  readonly store?: "file" | "memory" | Layer.Layer<CredentialStore, E> | undefined
  /** Codex's `-c key=value` overrides of `config.toml` (e.g. `forced_login_method=chatgpt`). */
  readonly configOverrides?: ReadonlyArray<string> | undefined
}

/**
 * What a runtime supplies to {@link layerConfig}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimePorts<E> {
  /** The file store in `CODEX_HOME`. */
  readonly fileStore: Layer.Layer<CredentialStore, E>
  /** The HTTP client for the issuer (CA bundle and proxy applied). */
  readonly httpClient: Layer.Layer<HttpClient.HttpClient, E>
  /** The Codex `User-Agent` for this machine. */
  readonly userAgent: (originator: string, version: string) => string
  /**
   * `CODEX_HOME/config.toml`'s §10 policy with the overrides applied (`CodexConfig.load`); not read for the memory
   * store. Absent: no config is read.
   */
  readonly codexConfig?:
    | ((overrides: ReadonlyArray<string>) => Effect.Effect<CodexConfig.Policy, E | CodexConfig.CodexConfigInvalid>)
    | undefined
}

/** The program's §10 options joined with `config.toml`'s (both must hold). */
const configuredPolicy = <E>(
  options: ConfiguredOptions<E>,
  ports: RuntimePorts<E>
): Effect.Effect<CodexConfig.Policy, E | CodexConfig.CodexConfigInvalid | CodexConfig.PolicyConflict> => {
  const read = ports.codexConfig === undefined || options.store === "memory"
    ? Effect.succeed(CodexConfig.empty)
    : ports.codexConfig(options.configOverrides ?? [])
  return Effect.flatMap(read, (policy) => {
    const joined = CodexConfig.combine(options, policy)
    return joined.ok
      ? Effect.succeed(joined.value)
      : Effect.fail(new CodexConfig.PolicyConflict({ ...joined.error, source: policy.source ?? "config.toml" }))
  })
}

/**
 * The session wired the way every runtime wires it: the chosen store, the OAuth client over the runtime's HTTP
 * client, the provider profile from `Config` (with `CODEX_REFRESH_TOKEN_URL_OVERRIDE`) and the runtime's User-Agent.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = <E>(
  options: ConfiguredOptions<E>,
  ports: RuntimePorts<E>
): Layer.Layer<
  Session,
  E | ConfigError.ConfigError | CodexConfig.CodexConfigInvalid | CodexConfig.PolicyConflict
> => {
  const store: Layer.Layer<CredentialStore, E> = options.store === undefined || options.store === "file"
    ? ports.fileStore
    : options.store === "memory"
    ? MemoryCredentialStore.layer()
    : options.store
  return Layer.unwrapEffect(Effect.gen(function*() {
    const resolvedProfile = yield* ProviderProfileModule.config(options.profile)
    const policy = yield* configuredPolicy(options, ports)
    return layer({
      ...options,
      forcedWorkspaceIds: policy.forcedWorkspaceIds,
      forcedLoginMethod: policy.forcedLoginMethod,
      policySource: options.policySource ?? policy.source,
      userAgent: options.userAgent ?? ports.userAgent(resolvedProfile.originator, ProviderProfileModule.codexVersion)
    })
  })).pipe(
    Layer.provide(oauthClientLayer),
    Layer.provide(Layer.mergeAll(store, ProviderProfileModule.layerConfig(options.profile), ports.httpClient))
  )
}
