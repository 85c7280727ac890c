/**
 * Test helpers for embedders: start the auth-server emulator on an ephemeral port and drive it.
 *
 * Effect suites: `startEmulator(options)` (scoped). Other suites: `startEmulatorPromise(options)`.
 *
 * @since 0.1.0
 */
import type * as Emulator from "@codex-auth/core/Emulator"
import type * as EmulatorAdmin from "@codex-auth/core/EmulatorAdmin"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as NodeEmulator from "./NodeEmulator.ts"

/** @since 0.1.0 */
export interface StartedEmulator {
  /** Base URL (the issuer), e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  readonly admin: EmulatorAdmin.EmulatorAdmin.Service
  /** In-process state access (same process only). */
  readonly emulator: Emulator.Emulator.Service
}

/**
 * Starts an emulator on 127.0.0.1 (port 0 unless given) that stops when the scope closes.
 *
 * @since 0.1.0
 */
export const startEmulator = (
  options: NodeEmulator.ServeOptions = {}
): Effect.Effect<StartedEmulator, NodeEmulator.EmulatorServeError, Scope.Scope> =>
  Effect.map(NodeEmulator.serve(options), ({ admin, emulator, url }) => ({ url, admin, emulator }))

/** The admin client with Promises, for suites that do not use Effect. */
export type PromiseAdmin = {
  readonly [K in keyof EmulatorAdmin.EmulatorAdmin.Service]: EmulatorAdmin.EmulatorAdmin.Service[K] extends
    Effect.Effect<infer A, infer _E, infer _R> ? () => Promise<A>
    : EmulatorAdmin.EmulatorAdmin.Service[K] extends (...args: infer P) => Effect.Effect<infer A, infer _E, infer _R>
      ? (...args: P) => Promise<A>
    : EmulatorAdmin.EmulatorAdmin.Service[K]
}

/** @since 0.1.0 */
export interface StartedEmulatorPromise {
  readonly url: string
  readonly admin: PromiseAdmin
  /** Stops the server. Safe to call more than once. */
  readonly close: () => Promise<void>
}

const toPromiseAdmin = (admin: EmulatorAdmin.EmulatorAdmin.Service): PromiseAdmin => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(admin)) {
    if (Effect.isEffect(value)) out[key] = () => Effect.runPromise(value as Effect.Effect<unknown, unknown>)
    else if (typeof value === "function") {
      out[key] = (...args: Array<unknown>) => Effect.runPromise(value(...args) as Effect.Effect<unknown, unknown>)
    } else out[key] = value
  }
  return out as PromiseAdmin
}

/**
 * Starts an emulator for a non-Effect test suite; call `close()` when done (e.g. in `afterAll`).
 *
 * @since 0.1.0
 */
export const startEmulatorPromise = async (
  options: NodeEmulator.ServeOptions = {}
): Promise<StartedEmulatorPromise> => {
  const scope = Effect.runSync(Scope.make())
  const started = await Effect.runPromiseExit(Scope.extend(startEmulator(options), scope))
  if (Exit.isFailure(started)) {
    await Effect.runPromise(Scope.close(scope, started))
    return Effect.runPromise(Effect.failCause(started.cause))
  }
  let closed = false
  return {
    url: started.value.url,
    admin: toPromiseAdmin(started.value.admin),
    close: async () => {
      if (closed) return
      closed = true
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}
