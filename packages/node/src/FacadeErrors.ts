/**
 * The errors the Promise facade rejects with. Each is a class with a stable `_tag` (match on `error._tag`, or use
 * `instanceof`); messages say what failed and what to do next and never carry a token. The engine's own typed errors
 * are re-exported here so embedders need one import.
 *
 * @since 0.1.0
 */
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
  BearerTokenUnavailable,
  LoginFailed,
  LoginMethodRestricted,
  LoginRequired,
  WorkspaceRestricted
} from "@codex-auth/core/SessionError"

/**
 * `CodexAuthClosed`, `CodexAuthUnexpected` and `isCodexAuthError`: the facade's own errors, shared by every runtime's
 * facade (`@codex-auth/adapters/FacadeError`).
 *
 * @since 0.1.0
 */
export { CodexAuthClosed, CodexAuthUnexpected, isCodexAuthError } from "@codex-auth/adapters/FacadeError"
