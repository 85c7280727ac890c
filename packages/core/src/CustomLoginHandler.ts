/**
 * Port: an embedder's own login handler (the `login_handler` of other clients). It receives the authorize URL
 * and the redirect URI, drives the consent however it likes, and returns the callback URL — as a Promise or an
 * Effect. The engine validates the answer like a pasted one.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "./internal/flows/handler.ts"
import { LoginCancelled } from "./LoginError.ts"
import type * as LoginFlow from "./LoginFlow.ts"
import type { LoginPresenter, PasteRequest } from "./LoginPresenter.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"

/**
 * @since 0.1.0
 */
export declare namespace CustomLoginHandler {
  /**
   * @since 0.1.0
   */
  export interface Service {
    readonly handle: (request: PasteRequest) => Effect.Effect<string, LoginCancelled>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CustomLoginHandler
  extends Context.Tag("@codex-auth/core/CustomLoginHandler")<CustomLoginHandler, CustomLoginHandler.Service>()
{}

/**
 * A handler as an embedder writes it.
 *
 * @since 0.1.0
 */
export type Handler = (request: PasteRequest) => Promise<string> | Effect.Effect<string, unknown> | string

/**
 * Wrap a Promise-, Effect- or value-returning function. Its failures become `LoginCancelled` (the reason
 * names the handler, never what it threw, which may hold secrets).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (handler: Handler): CustomLoginHandler.Service =>
  CustomLoginHandler.of({
    handle: (request) =>
      Effect.suspend(() => {
        const answer = handler(request)
        if (Effect.isEffect(answer)) return answer as Effect.Effect<string, unknown>
        if (typeof answer === "string") return Effect.succeed(answer)
        return Effect.tryPromise(() => answer)
      }).pipe(
        Effect.catchAllDefect((defect) => Effect.fail(defect)),
        Effect.mapError((error) =>
          error instanceof LoginCancelled ? error : new LoginCancelled({ reason: "the login handler failed" })
        )
      )
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (handler: Handler): Layer.Layer<CustomLoginHandler> =>
  Layer.succeed(CustomLoginHandler, make(handler))

/**
 * @since 0.1.0
 */
export type CustomFlowError = internal.CallbackUrlError

/**
 * Run the custom-handler login.
 *
 * @since 0.1.0
 */
export const run = (
  options: LoginFlow.Options = {}
): Effect.Effect<
  LoginFlow.LoginResult,
  CustomFlowError,
  CustomLoginHandler | OAuthClient | ProviderProfile | LoginPresenter
> => Effect.flatMap(CustomLoginHandler, (handler) => internal.run("custom", handler.handle, options))
