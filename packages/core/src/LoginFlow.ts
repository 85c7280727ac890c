/**
 * What every login flow shares: its options and its result.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { JwtMalformed } from "./Jwt.ts"
import type { WorkspaceRestricted } from "./LoginError.ts"
import type { ExchangeError } from "./OAuthClient.ts"
import type { LoginMethod } from "./RuntimeFacts.ts"
import type { SessionError } from "./SessionError.ts"
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
  /**
   * Saves a result the moment the exchange and the workspace check succeeded. The browser flow calls it before it
   * redirects the browser to `/success`, so issued tokens are stored even when the browser never follows the
   * redirect or some page fires `/cancel` afterwards; a failure here fails the login. The result the flow returns
   * was then already persisted (the caller must not save it again). The browser flow (`Login`, `BrowserFlow`) calls it
   * itself; `Login` calls it for the other flows' result before it announces `LoginSucceeded` (a failed save is the
   * login's failure, never "Logged in"); `TwoStepLogin`'s host saves what it awaits.
   */
  readonly persist?: ((result: LoginResult) => Effect.Effect<void, SessionError>) | undefined
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
