/**
 * The error classes `CodexAuth` re-exports, without loading Effect: `FacadeErrors` defines (and re-exports) the real
 * `Schema.TaggedError` classes, and importing them costs the Effect runtime (~30 ms) on the facade's startup path,
 * where no engine error can occur yet. Each class here matches by `_tag` (`Symbol.hasInstance`): `error instanceof
 * CodexAuth.LoginRequired` holds for every error the facade rejects with whose `_tag` is `LoginRequired`, whichever
 * copy of the engine made it (the bundle's or `dist/`'s), and `error._tag` is the same as ever.
 *
 * Constructing one (`new CodexAuth.LoginRequired(…)`) gives an `Error` with the `_tag`, the fields and a short
 * message; construct the real classes (full messages, Effect's error protocol) from `@codex-auth/node/FacadeErrors`.
 * `LoginNotStarted` and `LoginRequired` share the `_tag` `LoginRequired`, so `instanceof` does not tell them apart.
 */
import type * as Errors from "../../FacadeErrors.ts"

/**
 * A class that matches the facade's errors by `_tag`; typed as the real class's instances.
 */
export interface ErrorClass<C extends abstract new(...args: any) => Error> {
  new(...args: ConstructorParameters<C>): InstanceType<C>
  readonly prototype: InstanceType<C>
  readonly _tag: string
  [Symbol.hasInstance](u: unknown): u is InstanceType<C>
}

const hasTag = (u: unknown, tag: string): boolean =>
  u instanceof Error && "_tag" in u && (u as { readonly _tag: unknown })._tag === tag

const errorClass = <C extends abstract new(...args: any) => Error>(tag: string): ErrorClass<C> => {
  class Tagged extends Error {
    static readonly _tag = tag
    static override [Symbol.hasInstance](u: unknown): boolean {
      return hasTag(u, tag)
    }
    readonly _tag = tag
    constructor(fields?: object) {
      super(`codex-auth: ${tag}`)
      if (fields !== undefined) Object.assign(this, fields)
      this.name = tag
    }
  }
  Object.defineProperty(Tagged, "name", { value: tag })
  return Tagged as unknown as ErrorClass<C>
}

/**
 * Whether a value is one of the errors the facade rejects with (they all carry a string `_tag`).
 */
export const isCodexAuthError = (u: unknown): u is Error & { readonly _tag: string } =>
  u instanceof Error && "_tag" in u && typeof (u as { _tag: unknown })._tag === "string"

export const PoolConfigInvalid: ErrorClass<typeof Errors.PoolConfigInvalid> = errorClass("PoolConfigInvalid")
export type PoolConfigInvalid = Errors.PoolConfigInvalid

export const AccountNotFound: ErrorClass<typeof Errors.AccountNotFound> = errorClass("AccountNotFound")
export type AccountNotFound = Errors.AccountNotFound

export const DuplicateAccount: ErrorClass<typeof Errors.DuplicateAccount> = errorClass("DuplicateAccount")
export type DuplicateAccount = Errors.DuplicateAccount

export const NoAccountAvailable: ErrorClass<typeof Errors.NoAccountAvailable> = errorClass("NoAccountAvailable")
export type NoAccountAvailable = Errors.NoAccountAvailable

export const ApiKeyMissing: ErrorClass<typeof Errors.ApiKeyMissing> = errorClass("ApiKeyMissing")
export type ApiKeyMissing = Errors.ApiKeyMissing

export const AuthFileInvalid: ErrorClass<typeof Errors.AuthFileInvalid> = errorClass("AuthFileInvalid")
export type AuthFileInvalid = Errors.AuthFileInvalid

export const BrowserOpenFailed: ErrorClass<typeof Errors.BrowserOpenFailed> = errorClass("BrowserOpenFailed")
export type BrowserOpenFailed = Errors.BrowserOpenFailed

export const CodexConfigInvalid: ErrorClass<typeof Errors.CodexConfigInvalid> = errorClass("CodexConfigInvalid")
export type CodexConfigInvalid = Errors.CodexConfigInvalid

export const PolicyConflict: ErrorClass<typeof Errors.PolicyConflict> = errorClass("PolicyConflict")
export type PolicyConflict = Errors.PolicyConflict

export const CodexHomeNotFound: ErrorClass<typeof Errors.CodexHomeNotFound> = errorClass("CodexHomeNotFound")
export type CodexHomeNotFound = Errors.CodexHomeNotFound

export const CredentialStoreError: ErrorClass<typeof Errors.CredentialStoreError> = errorClass("CredentialStoreError")
export type CredentialStoreError = Errors.CredentialStoreError

export const CaCertificateInvalid: ErrorClass<typeof Errors.CaCertificateInvalid> = errorClass("CaCertificateInvalid")
export type CaCertificateInvalid = Errors.CaCertificateInvalid

export const JwtMalformed: ErrorClass<typeof Errors.JwtMalformed> = errorClass("JwtMalformed")
export type JwtMalformed = Errors.JwtMalformed

export const AuthorizationFailed: ErrorClass<typeof Errors.AuthorizationFailed> = errorClass("AuthorizationFailed")
export type AuthorizationFailed = Errors.AuthorizationFailed

export const InvalidCallbackUrl: ErrorClass<typeof Errors.InvalidCallbackUrl> = errorClass("InvalidCallbackUrl")
export type InvalidCallbackUrl = Errors.InvalidCallbackUrl

export const LoginCancelled: ErrorClass<typeof Errors.LoginCancelled> = errorClass("LoginCancelled")
export type LoginCancelled = Errors.LoginCancelled

export const LoginHandlerMissing: ErrorClass<typeof Errors.LoginHandlerMissing> = errorClass("LoginHandlerMissing")
export type LoginHandlerMissing = Errors.LoginHandlerMissing

/** The planner refused to start a login (no terminal, or CI); its `_tag` is `LoginRequired` too. */
export const LoginNotStarted: ErrorClass<typeof Errors.LoginNotStarted> = errorClass("LoginRequired")
export type LoginNotStarted = Errors.LoginNotStarted

export const LoginTimedOut: ErrorClass<typeof Errors.LoginTimedOut> = errorClass("LoginTimedOut")
export type LoginTimedOut = Errors.LoginTimedOut

export const LoopbackUnavailable: ErrorClass<typeof Errors.LoopbackUnavailable> = errorClass("LoopbackUnavailable")
export type LoopbackUnavailable = Errors.LoopbackUnavailable

export const MissingAuthorizationCode: ErrorClass<typeof Errors.MissingAuthorizationCode> = errorClass(
  "MissingAuthorizationCode"
)
export type MissingAuthorizationCode = Errors.MissingAuthorizationCode

export const DeviceCodeExpired: ErrorClass<typeof Errors.DeviceCodeExpired> = errorClass("DeviceCodeExpired")
export type DeviceCodeExpired = Errors.DeviceCodeExpired

export const DeviceCodeNotEnabled: ErrorClass<typeof Errors.DeviceCodeNotEnabled> = errorClass("DeviceCodeNotEnabled")
export type DeviceCodeNotEnabled = Errors.DeviceCodeNotEnabled

export const DeviceCodePollFailed: ErrorClass<typeof Errors.DeviceCodePollFailed> = errorClass("DeviceCodePollFailed")
export type DeviceCodePollFailed = Errors.DeviceCodePollFailed

export const DeviceCodeRequestFailed: ErrorClass<typeof Errors.DeviceCodeRequestFailed> = errorClass(
  "DeviceCodeRequestFailed"
)
export type DeviceCodeRequestFailed = Errors.DeviceCodeRequestFailed

export const MalformedResponse: ErrorClass<typeof Errors.MalformedResponse> = errorClass("MalformedResponse")
export type MalformedResponse = Errors.MalformedResponse

export const NetworkError: ErrorClass<typeof Errors.NetworkError> = errorClass("NetworkError")
export type NetworkError = Errors.NetworkError

export const RefreshTokenRejected: ErrorClass<typeof Errors.RefreshTokenRejected> = errorClass("RefreshTokenRejected")
export type RefreshTokenRejected = Errors.RefreshTokenRejected

export const RefreshTransientError: ErrorClass<typeof Errors.RefreshTransientError> = errorClass(
  "RefreshTransientError"
)
export type RefreshTransientError = Errors.RefreshTransientError

export const TokenEndpointError: ErrorClass<typeof Errors.TokenEndpointError> = errorClass("TokenEndpointError")
export type TokenEndpointError = Errors.TokenEndpointError

export const AccountChanged: ErrorClass<typeof Errors.AccountChanged> = errorClass("AccountChanged")
export type AccountChanged = Errors.AccountChanged

export const BearerTokenUnavailable: ErrorClass<typeof Errors.BearerTokenUnavailable> = errorClass(
  "BearerTokenUnavailable"
)
export type BearerTokenUnavailable = Errors.BearerTokenUnavailable

export const LoginFailed: ErrorClass<typeof Errors.LoginFailed> = errorClass("LoginFailed")
export type LoginFailed = Errors.LoginFailed

export const LoginMethodRestricted: ErrorClass<typeof Errors.LoginMethodRestricted> = errorClass(
  "LoginMethodRestricted"
)
export type LoginMethodRestricted = Errors.LoginMethodRestricted

export const LoginRequired: ErrorClass<typeof Errors.LoginRequired> = errorClass("LoginRequired")
export type LoginRequired = Errors.LoginRequired

export const WorkspaceRestricted: ErrorClass<typeof Errors.WorkspaceRestricted> = errorClass("WorkspaceRestricted")
export type WorkspaceRestricted = Errors.WorkspaceRestricted

export const CodexAuthClosed: ErrorClass<typeof Errors.CodexAuthClosed> = errorClass("CodexAuthClosed")
export type CodexAuthClosed = Errors.CodexAuthClosed

export const CodexAuthUnexpected: ErrorClass<typeof Errors.CodexAuthUnexpected> = errorClass("CodexAuthUnexpected")
export type CodexAuthUnexpected = Errors.CodexAuthUnexpected

export const PendingLoginKeyMissing: ErrorClass<typeof Errors.PendingLoginKeyMissing> = errorClass(
  "PendingLoginKeyMissing"
)
export type PendingLoginKeyMissing = Errors.PendingLoginKeyMissing

export const PendingLoginKeyInvalid: ErrorClass<typeof Errors.PendingLoginKeyInvalid> = errorClass(
  "PendingLoginKeyInvalid"
)
export type PendingLoginKeyInvalid = Errors.PendingLoginKeyInvalid

export const PendingLoginInvalid: ErrorClass<typeof Errors.PendingLoginInvalid> = errorClass("PendingLoginInvalid")
export type PendingLoginInvalid = Errors.PendingLoginInvalid

export const PendingLoginExpired: ErrorClass<typeof Errors.PendingLoginExpired> = errorClass("PendingLoginExpired")
export type PendingLoginExpired = Errors.PendingLoginExpired

export const PendingLoginConsumed: ErrorClass<typeof Errors.PendingLoginConsumed> = errorClass("PendingLoginConsumed")
export type PendingLoginConsumed = Errors.PendingLoginConsumed
