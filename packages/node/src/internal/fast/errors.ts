/**
 * The error classes `CodexAuth` exports, without loading Effect: the real `Schema.TaggedError` classes
 * (`FacadeErrors`) cost the Effect runtime on the facade's startup path, where no engine error can occur yet. Each
 * line here names one of them, by its package and `_tag`; `instanceof` holds both ways by its Schema identifier
 * (`@codex-auth/facade/FacadeErrorIdentity`): every error the facade rejects with is an instance of its class here,
 * whichever copy of the engine made it (the bundle's or `dist/`'s), and of `FacadeErrors`' class. A class of
 * `FacadeErrors` without its line here fails test/FacadeErrorIdentity.test.ts (and its type check).
 *
 * Constructing one (`new CodexAuth.LoginRequired(…)`) gives an `Error` with the `_tag`, the fields and a short
 * message; construct the real classes (full messages, Effect's error protocol) from `@codex-auth/node/FacadeErrors`.
 */
import * as Identity from "@codex-auth/facade/FacadeErrorIdentity"
import type * as Errors from "../../FacadeErrors.ts"

export { isCodexAuthError } from "@codex-auth/facade/FacadeErrorIdentity"

const accounts = Identity.standIn("accounts")
const core = Identity.standIn("core")
const adapters = Identity.standIn("adapters")

export class PoolConfigInvalid extends accounts<typeof Errors.PoolConfigInvalid>("PoolConfigInvalid") {}
export class AccountNotFound extends accounts<typeof Errors.AccountNotFound>("AccountNotFound") {}
export class DuplicateAccount extends accounts<typeof Errors.DuplicateAccount>("DuplicateAccount") {}
/** Its identifier is still core's, from before the pool left core. */
export class NoAccountAvailable extends core<typeof Errors.NoAccountAvailable>("NoAccountAvailable") {}

export class ApiKeyMissing extends accounts<typeof Errors.ApiKeyMissing>("ApiKeyMissing") {}
export class AuthFileInvalid extends core<typeof Errors.AuthFileInvalid>("AuthFileInvalid") {}
export class BrowserOpenFailed extends core<typeof Errors.BrowserOpenFailed>("BrowserOpenFailed") {}
export class CodexConfigInvalid extends core<typeof Errors.CodexConfigInvalid>("CodexConfigInvalid") {}
export class PolicyConflict extends core<typeof Errors.PolicyConflict>("PolicyConflict") {}
export class CodexHomeNotFound extends core<typeof Errors.CodexHomeNotFound>("CodexHomeNotFound") {}
export class CredentialStoreError extends core<typeof Errors.CredentialStoreError>("CredentialStoreError") {}
export class CaCertificateInvalid extends core<typeof Errors.CaCertificateInvalid>("CaCertificateInvalid") {}
export class HttpClientSettingInvalid extends core<typeof Errors.HttpClientSettingInvalid>(
  "HttpClientSettingInvalid"
) {}
export class JwtMalformed extends core<typeof Errors.JwtMalformed>("JwtMalformed") {}
export class AuthorizationFailed extends core<typeof Errors.AuthorizationFailed>("AuthorizationFailed") {}
export class InvalidCallbackUrl extends core<typeof Errors.InvalidCallbackUrl>("InvalidCallbackUrl") {}
export class LoginCancelled extends core<typeof Errors.LoginCancelled>("LoginCancelled") {}
export class LoginHandlerMissing extends core<typeof Errors.LoginHandlerMissing>("LoginHandlerMissing") {}
export class LoginTimedOut extends core<typeof Errors.LoginTimedOut>("LoginTimedOut") {}
export class LoopbackUnavailable extends core<typeof Errors.LoopbackUnavailable>("LoopbackUnavailable") {}
export class MissingAuthorizationCode
  extends core<typeof Errors.MissingAuthorizationCode>("MissingAuthorizationCode")
{}
export class DeviceCodeExpired extends core<typeof Errors.DeviceCodeExpired>("DeviceCodeExpired") {}
export class DeviceCodeNotEnabled extends core<typeof Errors.DeviceCodeNotEnabled>("DeviceCodeNotEnabled") {}
export class DeviceCodePollFailed extends core<typeof Errors.DeviceCodePollFailed>("DeviceCodePollFailed") {}
export class DeviceCodeRequestFailed extends core<typeof Errors.DeviceCodeRequestFailed>("DeviceCodeRequestFailed") {}
export class MalformedResponse extends core<typeof Errors.MalformedResponse>("MalformedResponse") {}
export class NetworkError extends core<typeof Errors.NetworkError>("NetworkError") {}
export class RefreshTokenRejected extends core<typeof Errors.RefreshTokenRejected>("RefreshTokenRejected") {}
export class RefreshTransientError extends core<typeof Errors.RefreshTransientError>("RefreshTransientError") {}
export class TokenEndpointError extends core<typeof Errors.TokenEndpointError>("TokenEndpointError") {}
export class AccountChanged extends core<typeof Errors.AccountChanged>("AccountChanged") {}
export class BearerTokenUnavailable extends core<typeof Errors.BearerTokenUnavailable>("BearerTokenUnavailable") {}
export class LoginFailed extends core<typeof Errors.LoginFailed>("LoginFailed") {}
export class LoginMethodRestricted extends core<typeof Errors.LoginMethodRestricted>("LoginMethodRestricted") {}
export class LoginRequired extends core<typeof Errors.LoginRequired>("LoginRequired") {}
export class WorkspaceRestricted extends core<typeof Errors.WorkspaceRestricted>("WorkspaceRestricted") {}
/** The planner refused to start a login (no terminal, or CI): the same class as `LoginRequired`. */
export class LoginNotStarted extends core<typeof Errors.LoginNotStarted>("LoginRequired") {}

export class CodexAuthClosed extends adapters<typeof Errors.CodexAuthClosed>("CodexAuthClosed") {}
export class CodexAuthUnexpected extends adapters<typeof Errors.CodexAuthUnexpected>("CodexAuthUnexpected") {}
export class PendingLoginKeyMissing extends adapters<typeof Errors.PendingLoginKeyMissing>("PendingLoginKeyMissing") {}
export class PendingLoginKeyInvalid extends adapters<typeof Errors.PendingLoginKeyInvalid>("PendingLoginKeyInvalid") {}
export class PendingLoginInvalid extends adapters<typeof Errors.PendingLoginInvalid>("PendingLoginInvalid") {}
export class PendingLoginExpired extends adapters<typeof Errors.PendingLoginExpired>("PendingLoginExpired") {}
export class PendingLoginConsumed extends adapters<typeof Errors.PendingLoginConsumed>("PendingLoginConsumed") {}
