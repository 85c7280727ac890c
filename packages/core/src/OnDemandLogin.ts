/**
 * On-demand login as a service: when a session finds no credentials and was not given a `login` option, it asks the
 * context it runs in for `OnDemandLogin` and, when there is one, signs in with it (once for every caller waiting) and
 * saves the result through `saveLogin` — through the `persist` it hands the login, the moment the flow has the tokens
 * (before the browser's redirect to `/success`, before "Logged in"), or after the login returns when it did not. A runtime that wants sessions to sign in on demand provides it beside them,
 * built over the same ports (`layer`), instead of keeping a reference to itself.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { LoginOutcome } from "./Session.ts"
import type { SessionError } from "./SessionError.ts"

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace OnDemandLogin {
  /**
   * Saves a login's outcome through the session (`LoginFlow.Options.persist` takes it, over `toOutcome`). A login that
   * calls it has its outcome saved then, once; its failure is the login's.
   *
   * @since 0.1.0
   * @category models
   */
  export type Persist = (outcome: LoginOutcome) => Effect.Effect<void, SessionError>

  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** Signs in (the planner's flow, a forced one, …); what it returns is saved by the session unless `persist` did. */
    readonly login: (persist: Persist) => Effect.Effect<LoginOutcome, unknown>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class OnDemandLogin extends Context.Tag("@codex-auth/core/OnDemandLogin")<
  OnDemandLogin,
  OnDemandLogin.Service
>() {}

/**
 * The service over a login: an effect (saved after it returns), or a function of `persist` (saved when it calls it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  login:
    | Effect.Effect<LoginOutcome, unknown>
    | ((persist: OnDemandLogin.Persist) => Effect.Effect<LoginOutcome, unknown>)
): OnDemandLogin.Service => ({ login: Effect.isEffect(login) ? () => login : login })

/**
 * The service over a login that needs ports (`R`): they are taken from the layer's context once, when it is built,
 * so the login runs over the same ports as everything beside it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(
  login: Effect.Effect<LoginOutcome, E, R> | ((persist: OnDemandLogin.Persist) => Effect.Effect<LoginOutcome, E, R>)
): Layer.Layer<OnDemandLogin, never, R> =>
  Layer.effect(
    OnDemandLogin,
    Effect.map(
      Effect.context<R>(),
      (context) => make((persist) => Effect.provide(Effect.isEffect(login) ? login : login(persist), context))
    )
  )
