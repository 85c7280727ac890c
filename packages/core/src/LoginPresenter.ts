/**
 * Port: what the user sees during a login — the URL to open, the device code, progress, the fallback, the
 * result — and, where the flow needs it, a way to ask for a pasted callback URL. Adapters implement it
 * (console, silent, event stream); the engine never prints.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { LoginCancelled } from "./LoginError.ts"
import type { LoginMethod } from "./RuntimeFacts.ts"

/**
 * Everything a login reports. No event carries a secret (the user code is meant to be shown).
 *
 * @since 0.1.0
 */
export type LoginEvent = Data.TaggedEnum<{
  /** The loopback is listening; `authorizeUrl` is what the browser must open. */
  BrowserLoginStarted: {
    readonly authorizeUrl: string
    readonly redirectUri: string
    readonly browserCanOpen: boolean
  }
  BrowserOpened: {}
  /** `reason`: the opener and why it failed (`cmd.exe: exited with status 1`), not a sentence of its own. */
  BrowserOpenFailed: { readonly reason: string }
  /** The paste prompt is waiting for the redirect URL. */
  PasteRequested: { readonly authorizeUrl: string; readonly redirectUri: string }
  /** A pasted URL was not this login's redirect; the prompt asks again. */
  PasteRejected: { readonly reason: string }
  /** Show `userCode` and `verificationUrl`; the code stops working at `expiresAt` (epoch millis). */
  DeviceCodeIssued: {
    readonly verificationUrl: string
    readonly userCode: string
    readonly expiresAt: number
    readonly intervalMillis: number
  }
  /** Another method joined or took over, e.g. the device code after the browser could not open. */
  FallbackStarted: { readonly from: LoginMethod; readonly to: LoginMethod; readonly reason: string }
  /** An authorization code arrived and is being exchanged. */
  CallbackReceived: { readonly method: LoginMethod }
  LoginSucceeded: {
    readonly method: LoginMethod
    readonly email: string | undefined
    readonly accountId: string | undefined
    readonly plan: string | undefined
  }
  LoginFailed: { readonly message: string }
}>

/**
 * Constructors and matchers for {@link LoginEvent}.
 *
 * @since 0.1.0
 */
export const LoginEvent: Data.TaggedEnum.Constructor<LoginEvent> = Data.taggedEnum<LoginEvent>()

/**
 * Context handed to a paste prompt.
 *
 * @since 0.1.0
 */
export interface PasteRequest {
  readonly authorizeUrl: string
  readonly redirectUri: string
}

/**
 * @since 0.1.0
 */
export declare namespace LoginPresenter {
  /**
   * @since 0.1.0
   */
  export interface Service {
    readonly present: (event: LoginEvent) => Effect.Effect<void>
    /** Waits for the user's go-ahead before a browser opens ("Press Enter"); immediate where nobody asks. */
    readonly confirmBrowserOpen: Effect.Effect<void>
    /** Reads a pasted redirect URL; `None` when this presenter cannot ask the user anything. */
    readonly promptCallbackUrl: Option.Option<(request: PasteRequest) => Effect.Effect<string, LoginCancelled>>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class LoginPresenter
  extends Context.Tag("@codex-auth/core/LoginPresenter")<LoginPresenter, LoginPresenter.Service>()
{}

/**
 * Build a presenter, defaulting to no confirmation and no paste prompt.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: {
  readonly present: (event: LoginEvent) => Effect.Effect<void>
  readonly confirmBrowserOpen?: Effect.Effect<void> | undefined
  readonly promptCallbackUrl?: ((request: PasteRequest) => Effect.Effect<string, LoginCancelled>) | undefined
}): LoginPresenter.Service =>
  LoginPresenter.of({
    present: options.present,
    confirmBrowserOpen: options.confirmBrowserOpen ?? Effect.void,
    promptCallbackUrl: Option.fromNullable(options.promptCallbackUrl)
  })
