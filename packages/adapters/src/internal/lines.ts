/**
 * One reader of the terminal's lines shared by "Press Enter to open the browser" and the paste prompt: an
 * empty line answers the Enter prompt, a non-empty line is a pasted URL.
 */
import type { Terminal } from "@effect/platform/Terminal"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"

export interface LineReader {
  /** Completes at the next empty line (or at the end of input). */
  readonly awaitEnter: Effect.Effect<void>
  /** The next non-empty line; `None` once the input is closed. */
  readonly nextAnswer: Effect.Effect<Option.Option<string>>
}

export const make = (terminal: Terminal): Effect.Effect<LineReader, never, Scope.Scope> =>
  Effect.gen(function*() {
    const answers = yield* Queue.unbounded<Option.Option<string>>()
    const enterWaiters = yield* Ref.make<ReadonlyArray<Deferred.Deferred<void>>>([])
    const releaseEnter = Effect.flatMap(
      Ref.getAndSet(enterWaiters, []),
      (waiters) => Effect.forEach(waiters, (waiter) => Deferred.succeed(waiter, undefined), { discard: true })
    )
    const pump = terminal.readLine.pipe(
      Effect.flatMap((line) => line.trim() === "" ? releaseEnter : Queue.offer(answers, Option.some(line.trim()))),
      Effect.forever,
      Effect.catchAll(() => Effect.zipRight(releaseEnter, Queue.offer(answers, Option.none())))
    )
    // Started on first use, so a presenter that never asks never reads stdin.
    const scope = yield* Effect.scope
    const started = yield* Effect.cached(Effect.asVoid(Effect.forkIn(pump, scope)))
    return {
      awaitEnter: Effect.gen(function*() {
        yield* started
        const waiter = yield* Deferred.make<void>()
        yield* Ref.update(enterWaiters, (all) => [...all, waiter])
        yield* Deferred.await(waiter)
      }),
      nextAnswer: Effect.gen(function*() {
        yield* started
        const answer = yield* Queue.take(answers)
        // Keep the end-of-input marker for later readers.
        if (Option.isNone(answer)) yield* Queue.offer(answers, answer)
        return answer
      })
    }
  })
