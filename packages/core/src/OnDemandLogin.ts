/**
 * On-demand login as a service: when a session finds no credentials and was not given a `login` option, it asks the
 * context it runs in for `OnDemandLogin` and, when there is one, signs in with it (once for every caller waiting) and
 * saves the result through `saveLogin`. A runtime that wants sessions to sign in on demand provides it beside them,
 * built over the same ports (`layer`), instead of keeping a reference to itself.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { LoginOutcome } from "./Session.ts"

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace OnDemandLogin {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** Signs in (the planner's flow, a forced one, …); what it returns is saved by the session. */
    readonly login: Effect.Effect<LoginOutcome, unknown>
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
 * The service over a login effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (login: Effect.Effect<LoginOutcome, unknown>): OnDemandLogin.Service => ({ login })

/**
 * The service over a login that needs ports (`R`): they are taken from the layer's context once, when it is built,
 * so the login runs over the same ports as everything beside it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(login: Effect.Effect<LoginOutcome, E, R>): Layer.Layer<OnDemandLogin, never, R> =>
  Layer.effect(
    OnDemandLogin,
    Effect.map(Effect.context<R>(), (context) => make(Effect.provide(login, context)))
  )
