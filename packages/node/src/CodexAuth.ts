/**
 * The Promise facade for embedders that do not use Effect: a thin `ManagedRuntime` over the session, the login
 * planner and flows, and the event-stream presenter — loaded only when needed: a fresh token in `auth.json` is
 * served without loading Effect at all.
 *
 * ```ts
 * import { CodexAuth } from "@codex-auth/node"
 *
 * const auth = await CodexAuth.open({ codexHome: "/srv/agent/.codex" })
 * const response = await fetch(url, { headers: await auth.getHeaders() })
 * await auth.close()
 * ```
 *
 * Every method rejects with one of the classes of `FacadeErrors` (re-exported here); match on `error._tag`.
 *
 * @since 0.1.0
 */
import type { LoginEvent, PasteRequest } from "@codex-auth/core/LoginPresenter"
import * as FastFacade from "./internal/fast/facade.ts"

export * from "./FacadeErrors.ts"

/**
 * What a login reports (the same events the Effect API's presenters receive). No event carries a secret.
 *
 * @since 0.1.0
 * @category models
 */
export type { LoginEvent } from "@codex-auth/core/LoginPresenter"

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** `CODEX_HOME`. Default: the `CODEX_HOME` variable, else `~/.codex`. */
  readonly codexHome?: string | undefined
  /** `file` (default, `CODEX_HOME/auth.json`), `keyring`, `auto` (keyring, else file) or `memory`. */
  readonly store?: "file" | "keyring" | "auto" | "memory" | undefined
  /** The login method: `auto` (default: the planner picks for this machine), or force one. */
  readonly flow?: "auto" | "browser" | "device" | "paste" | "custom" | undefined
  /**
   * How a login shows itself: `silent` (default: read `events()` and show it yourself), `console` (gh-style lines
   * on stderr), or a function called with every event.
   */
  readonly presenter?: "silent" | "console" | ((event: LoginEvent) => void) | undefined
  /** Your own login UI: receives the authorize URL and redirect URI, returns the callback URL. Implies `custom`. */
  readonly loginHandler?: ((request: PasteRequest) => Promise<string> | string) | undefined
  /** Aborting it closes the instance: operations in flight reject with `CodexAuthClosed`. */
  readonly signal?: AbortSignal | undefined
  /** `getToken()` / `getHeaders()` start a login when there are no credentials. Default false (`LoginRequired`). */
  readonly loginOnDemand?: boolean | undefined
  /** Someone is there to complete a login, whatever the TTYs say (e.g. a GUI). */
  readonly interactive?: boolean | undefined
  /** Launch a browser for the browser flow. Default true. */
  readonly openBrowser?: boolean | undefined
  /** The auth server. Default: `CODEX_AUTH_ISSUER`, else `https://auth.openai.com`. */
  readonly issuer?: string | undefined
  readonly clientId?: string | undefined
  /** Loopback ports of the browser flow. Default 1455, then 1457 (the only ones the issuer accepts). */
  readonly loopbackPorts?: ReadonlyArray<number> | undefined
  /** `forced_chatgpt_workspace_id`: the allowed workspaces. */
  readonly workspaceIds?: ReadonlyArray<string> | undefined
  /** Overall login timeout in milliseconds. Default 15 minutes. */
  readonly loginTimeoutMillis?: number | undefined
  /** Refresh in the background shortly before the access token needs it. Default false. */
  readonly proactiveRefresh?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Status {
  readonly loggedIn: boolean
  readonly mode: string | null
  readonly email: string | null
  readonly plan: string | null
  readonly accountId: string | null
  readonly accessTokenExpiresAt: Date | null
  readonly lastRefresh: Date | null
  readonly store: "file" | "keyring" | "memory"
  readonly location: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LoginSummary {
  readonly method: "browser" | "device" | "paste" | "custom"
  readonly email: string | null
  readonly accountId: string | null
  readonly plan: string | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LogoutResult {
  readonly removed: boolean
  readonly revoke: "revoked" | "failed" | "skipped"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CodexAuth {
  /** A valid bearer (access token, or API key), refreshed when needed. */
  readonly getToken: () => Promise<string>
  /** The headers for the ChatGPT backend (PROTOCOL.md §11). */
  readonly getHeaders: () => Promise<Record<string, string>>
  readonly status: () => Promise<Status>
  /** Signs in (the planner's flow, or the one forced) and saves the credentials. */
  readonly login: () => Promise<LoginSummary>
  /** Revokes the refresh token (unless `revoke: false`; best effort) and removes the credentials. */
  readonly logout: (options?: { readonly revoke?: boolean | undefined }) => Promise<LogoutResult>
  /** Refreshes now; resolves with the new access token's expiry (null for an API key or an unreadable token). */
  readonly refresh: () => Promise<{ readonly accessTokenExpiresAt: Date | null }>
  /** After a 401 from the backend: re-read the store, refresh once if nothing newer is there; the new bearer. */
  readonly recoverUnauthorized: () => Promise<string>
  /** The login events, from (a few events before) now until `close()`. */
  readonly events: () => AsyncIterable<LoginEvent>
  /** Stops background work and operations in flight. Safe to call more than once. */
  readonly close: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Opens an instance: resolves `CODEX_HOME`, the store and the HTTP client (rejecting with their typed errors, e.g.
 * `CodexHomeNotFound`, `CaCertificateInvalid`). Nothing is read from the store until an operation needs it.
 *
 * With the file store, a fresh `auth.json` is served without loading the Effect runtime; it is loaded (once) the
 * first time anything else is needed — a refresh, a login, another store, events.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = async (options: OpenOptions = {}): Promise<CodexAuth> => {
  const location = FastFacade.fastLocation(options)
  const openFull = () => import("./internal/facade/full.ts").then((full) => full.open(options))
  return location === undefined ? openFull() : FastFacade.make(options, location, openFull)
}
