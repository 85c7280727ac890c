/**
 * What every login flow shares: its options and its result.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { JwtMalformed } from "./Jwt.ts"
import type { WorkspaceRestricted } from "./LoginError.ts"
import type { ExchangeError } from "./OAuthClient.ts"
import type { LoginMethod } from "./RuntimeFacts.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * The outcome of a login: a token set (already checked against the workspace restriction) and, for the
 * browser-style flows, the API key of the best-effort API-key exchange. Persisting it is the session's job.
 *
 * @since 0.1.0
 */
export interface LoginResult {
  readonly method: LoginMethod
  readonly tokens: TokenSet
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
}

/**
 * @since 0.1.0
 */
export interface Options {
  /** `forced_chatgpt_workspace_id`: sent as `allowed_workspace_id` and checked after the exchange. */
  readonly allowedWorkspaceIds?: ReadonlyArray<string> | undefined
  /** Overall timeout of the flow (upstream waits forever). Default 15 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The default overall timeout.
 *
 * @since 0.1.0
 */
export const defaultTimeout: Duration.DurationInput = "15 minutes"

/**
 * Failures of turning a token response into a login result.
 *
 * @since 0.1.0
 */
export type CompletionError = ExchangeError | JwtMalformed | WorkspaceRestricted
