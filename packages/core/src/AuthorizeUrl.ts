/**
 * The authorize URL of the browser login (PROTOCOL.md §3).
 *
 * @since 0.1.0
 */
import type { ProviderProfile } from "./ProviderProfile.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Params {
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly state: string
  /** `forced_chatgpt_workspace_id`: when non-empty, sent as one comma-joined `allowed_workspace_id`. */
  readonly allowedWorkspaceIds?: ReadonlyArray<string> | undefined
}

/**
 * The query parameters in the exact order the Codex CLI sends them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const params = (profile: ProviderProfile, input: Params): ReadonlyArray<readonly [string, string]> => {
  const pairs: Array<readonly [string, string]> = [
    ["response_type", "code"],
    ["client_id", profile.clientId],
    ["redirect_uri", input.redirectUri],
    ["code_challenge", input.codeChallenge],
    ["code_challenge_method", "S256"],
    ["state", input.state],
    ["scope", profile.scopes.join(" ")],
    ["id_token_add_organizations", "true"],
    ["codex_cli_simplified_flow", "true"],
    ["originator", profile.originator]
  ]
  const workspaceIds = input.allowedWorkspaceIds ?? []
  if (workspaceIds.length > 0) {
    pairs.push(["allowed_workspace_id", workspaceIds.join(",")])
  }
  return pairs
}

/**
 * `{authorizeUrl}?…`, form-encoded (space as `+`, `,` as `%2C`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (profile: ProviderProfile, input: Params): string =>
  `${profile.authorizeUrl}?${new URLSearchParams(params(profile, input) as Array<[string, string]>).toString()}`
