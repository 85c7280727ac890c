/**
 * What every Promise facade over a layer shares (`Facade.open`, node's `CodexAuthPool.open`): the runtime built at
 * open (so a bad setting rejects `open`, not the first call), each operation run with its failure rethrown as the
 * typed error it is (`CodexAuthClosed` after close, `CodexAuthUnexpected` for a defect), and one close — the
 * caller's or the signal's — that every `close()` waits for, so a refresh in flight finishes and saves first.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import { CodexAuthClosed, CodexAuthUnexpected } from "./FacadeError.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface PromiseRuntime<R> {
  /**
   * Runs `effect` for `operation`: its value, or rejects with its typed failure (an `Error`), `CodexAuthClosed`
   * when the runtime is (or gets) closed, else `CodexAuthUnexpected` naming the operation.
   */
  readonly run: <A>(operation: string, effect: Effect.Effect<A, unknown, R>) => Promise<A>
  /** Interrupts operations in flight and disposes of the runtime; every call waits for the one disposal. */
  readonly close: () => Promise<void>
  /** Aborted by the first `close()`: what long-lived results (event streams) end with. */
  readonly closing: AbortSignal
  /** The runtime itself, for what needs it beyond `run` (an async iterable over a stream). */
  readonly managed: ManagedRuntime.ManagedRuntime<R, unknown>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions<R> {
  /** Aborting it closes the runtime: operations in flight reject with `CodexAuthClosed`. */
  readonly signal?: AbortSignal | undefined
  /** Run once the layer is built, as part of `open` (default: nothing beyond building it). */
  readonly build?: Effect.Effect<unknown, unknown, R> | undefined
}

/**
 * Builds `layer` into a runtime now: rejects (after disposing of what was built) with the typed error that stopped
 * it, or with `CodexAuthClosed` when `signal` was aborted meanwhile.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = async <R, E>(
  layer: Layer.Layer<R, E>,
  options: OpenOptions<R> = {}
): Promise<PromiseRuntime<R>> => {
  const managed: ManagedRuntime.ManagedRuntime<R, unknown> = ManagedRuntime.make(layer)
  const closing = new AbortController()
  let closed = false

  const run = async <A>(operation: string, effect: Effect.Effect<A, unknown, R>): Promise<A> => {
    if (closed) throw new CodexAuthClosed({ operation })
    const exit = await managed.runPromiseExit(effect, { signal: closing.signal })
    if (Exit.isSuccess(exit)) return exit.value
    if (Cause.isInterruptedOnly(exit.cause)) throw new CodexAuthClosed({ operation })
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && failure.value instanceof Error) throw failure.value
    const squashed = Cause.squash(exit.cause)
    const detail = squashed instanceof Error ? squashed.message : String(squashed)
    throw new CodexAuthUnexpected({ operation, detail: detail.split("\n")[0] ?? "unknown" })
  }

  let disposed: Promise<void> | undefined
  const close = (): Promise<void> => {
    if (disposed !== undefined) return disposed
    closed = true
    closing.abort()
    disposed = managed.dispose()
    return disposed
  }
  options.signal?.addEventListener("abort", () => void close(), { once: true })

  await run("open", options.build ?? Effect.void).catch(async (error) => {
    await close()
    throw error
  })
  if (options.signal?.aborted === true) {
    await close()
    throw new CodexAuthClosed({ operation: "open" })
  }
  return { run, close, closing: closing.signal, managed }
}
