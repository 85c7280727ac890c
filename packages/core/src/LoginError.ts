/**
 * The typed failures of the login flows (browser, paste, device code, custom handler) and of the planner.
 * Every message says what failed and what to do next, and never carries a code, state, verifier or token.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { LoginRequired, WorkspaceRestricted } from "./SessionError.ts"

/**
 * The planner refused to start a login (`reason` `non-interactive` or `ci`); the session's class, one shape per tag.
 *
 * @since 0.1.0
 */
export { LoginRequired, WorkspaceRestricted } from "./SessionError.ts"

/**
 * Neither loopback port could be bound, even after asking the holder to cancel.
 *
 * @since 0.1.0
 */
export class LoopbackUnavailable extends Schema.TaggedError<LoopbackUnavailable>(
  "@codex-auth/core/LoopbackUnavailable"
)("LoopbackUnavailable", { ports: Schema.Array(Schema.Number) }) {
  override get message(): string {
    const ports = this.ports.map((port) => `127.0.0.1:${port}`).join(" and ")
    return `Could not start the login callback server: ${ports} ${
      this.ports.length > 1 ? "are" : "is"
    } in use by another program (likely another login that did not exit, or an unrelated local server). ` +
      "Stop that program, or sign in with the device code instead (`codex-auth login --device-auth`)."
  }
}

/**
 * The login was cancelled: by `/cancel` on the loopback (another login took over the port) or by the user.
 *
 * @since 0.1.0
 */
export class LoginCancelled extends Schema.TaggedError<LoginCancelled>("@codex-auth/core/LoginCancelled")(
  "LoginCancelled",
  { reason: Schema.String }
) {
  override get message(): string {
    return `Login cancelled: ${this.reason}. Start the login again when you are ready.`
  }
}

/**
 * No answer arrived within the login's overall timeout.
 *
 * @since 0.1.0
 */
export class LoginTimedOut extends Schema.TaggedError<LoginTimedOut>("@codex-auth/core/LoginTimedOut")(
  "LoginTimedOut",
  { flow: Schema.String, timeoutMillis: Schema.Number }
) {
  override get message(): string {
    return `The ${this.flow} login did not complete within ${
      Math.round(this.timeoutMillis / 1000)
    } s. Start the login again, or use the device code (\`codex-auth login --device-auth\`) if the browser cannot reach this machine.`
  }
}

/**
 * The authorization server redirected back with `error=` (denied, no Codex entitlement, …).
 *
 * @since 0.1.0
 */
export class AuthorizationFailed extends Schema.TaggedError<AuthorizationFailed>(
  "@codex-auth/core/AuthorizationFailed"
)("AuthorizationFailed", {
  error: Schema.String,
  description: Schema.optional(Schema.String),
  missingEntitlement: Schema.Boolean
}) {
  override get message(): string {
    if (this.missingEntitlement) {
      return "Sign-in failed: this account does not have access to Codex. Ask your workspace admin to grant access, then sign in again."
    }
    return `Sign-in failed: ${
      this.description ?? this.error
    }. Start the login again, and choose Allow on the consent page.`
  }
}

/**
 * The callback carried neither a non-empty `code` nor an `error`.
 *
 * @since 0.1.0
 */
export class MissingAuthorizationCode extends Schema.TaggedError<MissingAuthorizationCode>(
  "@codex-auth/core/MissingAuthorizationCode"
)("MissingAuthorizationCode", {}) {
  override get message(): string {
    return "Sign-in failed: the callback carried no authorization code (missing_authorization_code). Start the login again."
  }
}

/**
 * A pasted (or handler-returned) callback URL is not the redirect this login expects.
 *
 * @since 0.1.0
 */
export class InvalidCallbackUrl extends Schema.TaggedError<InvalidCallbackUrl>("@codex-auth/core/InvalidCallbackUrl")(
  "InvalidCallbackUrl",
  { reason: Schema.String }
) {
  override get message(): string {
    return `The callback URL was rejected: ${this.reason}. Paste the full address the browser shows after you choose Allow (it starts with the redirect URI).`
  }
}

/**
 * The plan asked for a custom login handler, but none was provided.
 *
 * @since 0.1.0
 */
export class LoginHandlerMissing
  extends Schema.TaggedError<LoginHandlerMissing>("@codex-auth/core/LoginHandlerMissing")(
    "LoginHandlerMissing",
    {}
  )
{
  override get message(): string {
    return "A custom login was requested but no login handler is provided. " +
      "Provide one (CustomLoginHandler.layer) or choose another login method."
  }
}

/**
 * Every login failure a flow can end with (protocol errors from `OAuthError` come on top).
 *
 * @since 0.1.0
 */
export type LoginError =
  | LoginRequired
  | LoopbackUnavailable
  | LoginCancelled
  | LoginTimedOut
  | AuthorizationFailed
  | MissingAuthorizationCode
  | InvalidCallbackUrl
  | WorkspaceRestricted
  | LoginHandlerMissing
