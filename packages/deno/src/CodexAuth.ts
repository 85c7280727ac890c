/**
 * The Promise facade on Deno, the same shape as `CodexAuth` of `@codex-auth/node`: the facade every runtime shares
 * (`@codex-auth/facade/Facade`: a `ManagedRuntime` over the session, the login planner and flows, and the
 * event-stream presenter) with Deno's ports.
 *
 * ```ts
 * import { CodexAuth } from "./packages/deno/mod.ts"
 *
 * const auth = await CodexAuth.open({ codexHome: "/srv/agent/.codex" })
 * const response = await fetch(url, { headers: await auth.getHeaders() })
 * await auth.close()
 * ```
 *
 * Every method rejects with one of the error classes re-exported here; match on `error._tag`.
 *
 * @since 0.1.0
 */
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Facade from "@codex-auth/facade/Facade"
import type { CodexAuth, OpenOptions } from "@codex-auth/facade/Facade"
import * as TokenHelpers from "@codex-auth/facade/TokenHelpers"
import { platform } from "./DenoPlatform.ts"

/**
 * The facade's models, shared with `@codex-auth/node`. `LoginEvent`: what a login reports; no event carries a secret.
 *
 * @since 0.1.0
 * @category models
 */
export type * from "@codex-auth/facade/FacadeModels"

export * from "@codex-auth/facade/FacadeErrors"

/**
 * Opens an instance: resolves `CODEX_HOME` and the store (rejecting with their typed errors, e.g.
 * `CodexHomeNotFound`); a bad CA bundle or proxy setting fails only operations that need the network
 * (`CaCertificateInvalid`, `HttpClientSettingInvalid`). Nothing is read from the store until an operation needs it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = (options: OpenOptions = {}): Promise<CodexAuth> => Facade.open(platform, options)

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
    userAgent: options.userAgent ?? platform.userAgent(StoredAuth.defaultOriginator, StoredAuth.codexVersion)
  })
