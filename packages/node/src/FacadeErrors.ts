/**
 * The errors the Promise facade rejects with. Each is a class with a stable `_tag` (match on `error._tag`, or use
 * `instanceof`); messages say what failed and what to do next and never carry a token. The engine's own typed errors
 * are re-exported here so embedders need one import.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export { PoolConfigInvalid } from "@codex-auth/core/AccountPoolConfig"
export { AccountNotFound, DuplicateAccount, NoAccountAvailable } from "@codex-auth/core/AccountPoolError"
export { ApiKeyMissing } from "@codex-auth/core/ApiKeyAuth"
export { AuthFileInvalid } from "@codex-auth/core/AuthJson"
export { BrowserOpenFailed } from "@codex-auth/core/BrowserOpener"
export { CodexHomeNotFound } from "@codex-auth/core/CodexHome"
export { CredentialStoreError } from "@codex-auth/core/CredentialStore"
export { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
export { JwtMalformed } from "@codex-auth/core/Jwt"
export {
  AuthorizationFailed,
  InvalidCallbackUrl,
  LoginCancelled,
  LoginHandlerMissing,
  /** The planner refused to start a login (no terminal, or CI); its `_tag` is `LoginRequired` too. */
  LoginRequired as LoginNotStarted,
  LoginTimedOut,
  LoopbackUnavailable,
  MissingAuthorizationCode
} from "@codex-auth/core/LoginError"
export {
  DeviceCodeExpired,
  DeviceCodeNotEnabled,
  DeviceCodePollFailed,
  DeviceCodeRequestFailed,
  MalformedResponse,
  NetworkError,
  RefreshTokenRejected,
  RefreshTransientError,
  TokenEndpointError
} from "@codex-auth/core/OAuthError"
export {
  AccountChanged,
  LoginFailed,
  LoginMethodRestricted,
  LoginRequired,
  WorkspaceRestricted
} from "@codex-auth/core/SessionError"

/**
 * The facade was closed (by `close()` or its `signal`) before or while the operation ran.
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexAuthClosed extends Schema.TaggedError<CodexAuthClosed>("@codex-auth/node/CodexAuthClosed")(
  "CodexAuthClosed",
  { operation: Schema.String }
) {
  override get message(): string {
    return `codex-auth: ${this.operation} was stopped because the instance was closed (close() or its abort signal). ` +
      "Open a new instance with CodexAuth.open() to continue."
  }
}

/**
 * Something failed that has no typed error (a bug or an unexpected runtime failure).
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexAuthUnexpected
  extends Schema.TaggedError<CodexAuthUnexpected>("@codex-auth/node/CodexAuthUnexpected")(
    "CodexAuthUnexpected",
    { operation: Schema.String, detail: Schema.String }
  )
{
  override get message(): string {
    return `codex-auth: ${this.operation} failed unexpectedly (${this.detail}). Please report this with the steps ` +
      "that led to it."
  }
}

/**
 * Whether a value is one of the errors the facade rejects with (they all carry a string `_tag`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isCodexAuthError = (u: unknown): u is Error & { readonly _tag: string } =>
  u instanceof Error && "_tag" in u && typeof (u as { _tag: unknown })._tag === "string"
