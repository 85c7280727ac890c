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
export { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
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

import * as FacadeErrors from "./FacadeErrors.ts"

// One identity across copies: the Promise facade runs from a bundle that carries its own copy of the engine (and so
// of these classes), while an embedder imports these from `dist/`. `instanceof` with a class exported here holds for
// an error of the same class from any copy: the same Schema identifier (`@codex-auth/<package>/<Tag>`), which names
// the defining module and so is unique to codex-auth. Ordinary prototype checks come first and are unchanged.
const ordinary = Function.prototype[Symbol.hasInstance]
for (const value of Object.values(FacadeErrors)) {
  if (typeof value !== "function" || !(value.prototype instanceof Error)) continue
  const identifier: unknown = (value as { readonly identifier?: unknown }).identifier
  if (typeof identifier !== "string" || !identifier.startsWith("@codex-auth/")) continue
  if (Object.prototype.hasOwnProperty.call(value, Symbol.hasInstance)) continue
  Object.defineProperty(value, Symbol.hasInstance, {
    value(this: { readonly identifier?: unknown }, u: unknown): boolean {
      if (ordinary.call(this, u)) return true
      if (!(u instanceof Error)) return false
      const made = (u.constructor as { readonly identifier?: unknown } | undefined)?.identifier
      return typeof made === "string" && made === this.identifier
    }
  })
}
