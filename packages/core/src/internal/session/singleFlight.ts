import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import type * as Scope from "effect/Scope"

/** One run at a time; every caller that arrives while it runs gets its result. */
export interface SingleFlight<A, E> {
  /** Runs `effect` unless a run is in flight (then awaits that one). */
  readonly run: (effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /** Whether a run is in flight. */
  readonly busy: () => boolean
}

/**
 * The run belongs to `scope` (the session), not to the first caller: interrupting that caller leaves it running, and
 * the others still get its result. The in-flight marker is set and cleared in one synchronous step each.
 */
export const make = <A, E>(scope: Scope.Scope): SingleFlight<A, E> => {
  let inflight: Deferred.Deferred<A, E> | undefined
  return {
    busy: () => inflight !== undefined,
    run: (effect) =>
      Effect.suspend(() => {
        if (inflight !== undefined) return Deferred.await(inflight)
        const deferred = Deferred.unsafeMake<A, E>(FiberId.none)
        inflight = deferred
        return effect.pipe(
          Effect.exit,
          Effect.flatMap((exit) => {
            inflight = undefined
            return Deferred.done(deferred, exit)
          }),
          Effect.forkIn(scope),
          Effect.zipRight(Deferred.await(deferred))
        )
      })
  }
}
