/**
 * Every error a Promise facade rejects with, in one import: the facade's own (`FacadeError`) and the engine's typed
 * errors, re-exported. Each has a stable `_tag`; messages say what failed and what to do next and never carry a
 * token. Runtime facades re-export this module (Node adds its pool errors).
 *
 * @since 0.1.0
 */
export { ApiKeyMissing } from "@codex-auth/accounts/ApiKeyAuth"
export { AuthFileInvalid } from "@codex-auth/core/AuthJson"
export { BrowserOpenFailed } from "@codex-auth/core/BrowserOpener"
export { CodexConfigInvalid, PolicyConflict } from "@codex-auth/core/CodexConfig"
export { CodexHomeNotFound } from "@codex-auth/core/CodexHome"
export { CredentialStoreError } from "@codex-auth/core/CredentialStore"
export { CaCertificateInvalid, HttpClientSettingInvalid } from "@codex-auth/core/HttpClientConfig"
export { JwtMalformed } from "@codex-auth/core/Jwt"
export {
  AuthorizationFailed,
  InvalidCallbackUrl,
  LoginCancelled,
  LoginHandlerMissing,
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
export {
  CodexAuthClosed,
  CodexAuthUnexpected,
  isCodexAuthError,
  PendingLoginConsumed,
  PendingLoginExpired,
  PendingLoginInvalid,
  PendingLoginKeyInvalid,
  PendingLoginKeyMissing
} from "./FacadeError.ts"

import * as Identity from "./FacadeErrorIdentity.ts"
import * as FacadeErrors from "./FacadeErrors.ts"

// One identity across copies: the Promise facade runs from a bundle that carries its own copy of the engine (and so
// of these classes), while an embedder imports these from `dist/`. `instanceof` with a class exported here holds for
// an error of the same class from any copy, and for the stand-ins a startup path builds (`FacadeErrorIdentity`).
Identity.matchAcrossCopies(FacadeErrors)
