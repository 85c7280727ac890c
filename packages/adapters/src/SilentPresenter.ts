/**
 * A presenter that shows nothing and asks nothing: for embedders that render the login themselves from
 * the result (or from the event stream), and for tests.
 *
 * @since 0.1.0
 */
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: LoginPresenter.LoginPresenter.Service = LoginPresenter.make({ present: () => Effect.void })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<LoginPresenter.LoginPresenter> = Layer.succeed(LoginPresenter.LoginPresenter, make)
