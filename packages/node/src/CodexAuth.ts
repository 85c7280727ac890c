/**
 * The Promise facade for embedders that do not use Effect: the facade every runtime shares
 * (`@codex-auth/facade/Facade`: a thin `ManagedRuntime` over the session, the login planner and flows, and the
 * event-stream presenter) with Node's ports — loaded only when needed: a fresh token in `auth.json` is served without
 * loading Effect at all.
 *
 * ```ts
 * import { CodexAuth } from "@codex-auth/node"
 *
 * const auth = await CodexAuth.open({ codexHome: "/srv/agent/.codex" })
 * const response = await fetch(url, { headers: await auth.getHeaders() })
 * await auth.close()
 * ```
 *
 * Every method rejects with one of the classes of `FacadeErrors`, exported here as Effect-free classes (so that
 * importing this module does not load Effect) that match its errors by Schema identifier; match on `error._tag` or use
 * `instanceof`.
 *
 * A fresh token is served from plain memory: `getToken()` / `getHeaders()` return the last bearer while its `exp` is
 * more than 5 minutes away without entering the Effect runtime (`getHeaders()` returns a new object each call).
 *
 * @since 0.1.0
 */
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import type { CodexAuth, OpenOptions } from "@codex-auth/facade/Facade"
import * as TokenHelpers from "@codex-auth/facade/TokenHelpers"
import * as FastFacade from "./internal/fast/facade.ts"
import * as HotCache from "./internal/fast/hot.ts"
import * as Platform from "./internal/fast/platform.ts"

// The classes of `FacadeErrors`, matched by identifier, without loading Effect at startup (see internal/fast/errors.ts).
export * from "./internal/fast/errors.ts"

/**
 * The facade's models, shared with `@codex-auth/deno`. `LoginEvent`: what a login reports; no event carries a secret.
 *
 * @since 0.1.0
 * @category models
 */
export type * from "@codex-auth/facade/FacadeModels"

/**
 * Opens an instance: resolves `CODEX_HOME` and the store (rejecting with their typed errors, e.g.
 * `CodexHomeNotFound`); a bad CA bundle or proxy setting fails only operations that need the network
 * (`CaCertificateInvalid`, `HttpClientSettingInvalid`). Nothing is read from the store until an operation needs it.
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
  const inner = location === undefined ? await openFull() : FastFacade.make(options, location, openFull)
  return HotCache.make(inner, options.signal)
}

/**
 * Standalone helpers (no instance): the authorize URL alone with fresh PKCE and state, and the ChatGPT account id a
 * token carries.
 *
 * @since 0.1.0
 * @category helpers
 */
export { accountIdOf, authorizeUrl } from "@codex-auth/facade/TokenHelpers"

/**
 * @since 0.1.0
 * @category models
 */
export type { AuthorizeRequest, AuthorizeUrlOptions, HeadersOptions } from "@codex-auth/facade/TokenHelpers"

/**
 * The §11 headers for an access token, as `getHeaders()` builds them (account id from the token unless given; this
 * machine's Codex `User-Agent`).
 *
 * @since 0.1.0
 * @category helpers
 */
export const headersFor = (accessToken: string, options: TokenHelpers.HeadersOptions = {}): Record<string, string> =>
  TokenHelpers.headersFor(accessToken, {
    accountId: options.accountId,
    userAgent: options.userAgent ?? Platform.userAgent(StoredAuth.defaultOriginator, StoredAuth.codexVersion)
  })
