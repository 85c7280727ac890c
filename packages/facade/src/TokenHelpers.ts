/**
 * Standalone helpers an embedder of the two-step login expects, without an instance: the authorize URL alone (with
 * fresh PKCE and state), the §11 headers of an access token, and the ChatGPT account id a token carries. `headersFor`
 * and `accountIdOf` load no Effect (plain functions of the read model); `authorizeUrl` loads the engine's URL builder
 * on first use. Runtime facades re-export them with their own `User-Agent`.
 *
 * @since 0.1.0
 */
import * as StoredAuth from "@codex-auth/core/StoredAuth"

/**
 * @since 0.1.0
 * @category models
 */
export interface AuthorizeUrlOptions {
  /** Default `https://auth.openai.com`. */
  readonly issuer?: string | undefined
  readonly clientId?: string | undefined
  /** Default `http://127.0.0.1:1455/auth/callback` (the issuer accepts only ports 1455 and 1457). */
  readonly redirectUri?: string | undefined
  /** `allowed_workspace_id`, comma-joined. */
  readonly workspaceIds?: ReadonlyArray<string> | undefined
}

/**
 * The URL and the secrets that belong to it: keep `codeVerifier` and `state` secret, and send the verifier with the
 * code to the token endpoint (or use `beginLogin` / `finishLogin`, which do all of it).
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthorizeRequest {
  readonly url: string
  readonly redirectUri: string
  readonly state: string
  readonly codeVerifier: string
  readonly codeChallenge: string
}

/**
 * The authorize URL of PROTOCOL.md §3 with fresh PKCE (S256) and state from the platform CSPRNG.
 *
 * @since 0.1.0
 * @category constructors
 */
export const authorizeUrl = async (options: AuthorizeUrlOptions = {}): Promise<AuthorizeRequest> => {
  const [ProviderProfile, AuthorizeUrl, Pkce, Effect, Redacted] = await Promise.all([
    import("@codex-auth/core/ProviderProfile"),
    import("@codex-auth/core/AuthorizeUrl"),
    import("@codex-auth/core/Pkce"),
    import("effect/Effect"),
    import("effect/Redacted")
  ])
  const profile = ProviderProfile.make({ issuer: options.issuer, clientId: options.clientId })
  const pkce = await Effect.runPromise(Pkce.generate)
  const state = await Effect.runPromise(Pkce.generateState)
  const redirectUri = options.redirectUri ?? ProviderProfile.redirectUri(profile, profile.loopbackPorts[0] ?? 1455)
  return {
    url: AuthorizeUrl.make(profile, {
      redirectUri,
      codeChallenge: pkce.codeChallenge,
      state,
      allowedWorkspaceIds: options.workspaceIds
    }),
    redirectUri,
    state,
    codeVerifier: Redacted.value(pkce.codeVerifier),
    codeChallenge: pkce.codeChallenge
  }
}

/**
 * The ChatGPT account (workspace) id a token carries (`chatgpt_account_id`, id or access token); null when the
 * token is not a readable JWT or has none.
 *
 * @since 0.1.0
 * @category getters
 */
export const accountIdOf = (token: string): string | null => StoredAuth.decodeClaims(token)?.chatgptAccountId ?? null

/**
 * @since 0.1.0
 * @category models
 */
export interface HeadersOptions {
  /** `ChatGPT-Account-ID`. Default: the token's own `chatgpt_account_id`. */
  readonly accountId?: string | undefined
  /** Default: Codex's `User-Agent` for this machine. */
  readonly userAgent?: string | undefined
}

/**
 * The headers of PROTOCOL.md §11 for an access token (lower-case names), as `getHeaders()` builds them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const headersFor = (
  accessToken: string,
  options: HeadersOptions & { readonly userAgent: string }
): Record<string, string> => {
  const claims = StoredAuth.decodeClaims(accessToken)
  return StoredAuth.headers({
    bearer: accessToken,
    accountId: options.accountId ?? claims?.chatgptAccountId,
    fedramp: claims?.chatgptAccountIsFedramp === true,
    originator: StoredAuth.defaultOriginator,
    userAgent: options.userAgent
  })
}
