/**
 * A presenter that publishes every login event on a `Stream`, for GUIs and web UIs that show the device code
 * or the URL themselves. Late subscribers still see the most recent events (a small replay buffer).
 *
 * @since 0.1.0
 */
import type { LoginCancelled } from "@codex-auth/core/LoginError"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import type { LoginEvent, PasteRequest } from "@codex-auth/core/LoginPresenter"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * @since 0.1.0
 */
export declare namespace LoginEvents {
  /**
   * @since 0.1.0
   */
  export interface Service {
    /** Every event of every login run with this presenter, from (a few events before) subscription on. */
    readonly events: Stream.Stream<LoginEvent>
  }
}

/**
 * Where subscribers get the events.
 *
 * @since 0.1.0
 * @category tags
 */
export class LoginEvents
  extends Context.Tag("@codex-auth/adapters/EventStreamPresenter/LoginEvents")<LoginEvents, LoginEvents.Service>()
{}

/**
 * @since 0.1.0
 */
export interface Options {
  /** How many past events a late subscriber receives. Default 32. */
  readonly replay?: number | undefined
  /** A paste prompt the UI answers (e.g. a text field). */
  readonly promptCallbackUrl?: ((request: PasteRequest) => Effect.Effect<string, LoginCancelled>) | undefined
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  { readonly presenter: LoginPresenter.LoginPresenter.Service; readonly events: LoginEvents.Service },
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const pubsub = yield* Effect.acquireRelease(
      PubSub.unbounded<LoginEvent>({ replay: options.replay ?? 32 }),
      PubSub.shutdown
    )
    return {
      presenter: LoginPresenter.make({
        present: (event) => Effect.asVoid(PubSub.publish(pubsub, event)),
        promptCallbackUrl: options.promptCallbackUrl
      }),
      events: LoginEvents.of({ events: Stream.fromPubSub(pubsub) })
    }
  })

/**
 * Provides the presenter and the `LoginEvents` stream together.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<LoginPresenter.LoginPresenter | LoginEvents> =>
  Layer.scopedContext(
    Effect.map(
      make(options),
      ({ events, presenter }) =>
        Context.make(LoginPresenter.LoginPresenter, presenter).pipe(Context.add(LoginEvents, events))
    )
  )
