/**
 * The emulator on Node: serves the emulator app on `127.0.0.1` with Node's HTTP server, and the test helpers for
 * embedders (start it on an ephemeral port and drive it).
 *
 * Effect suites: `startEmulator(options)` (scoped). Other suites: `startEmulatorPromise(options)`.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Emulator from "./Emulator.ts"
import * as EmulatorAdmin from "./EmulatorAdmin.ts"
import { EmulatorServeError, type RunningEmulator, type ServeOptions } from "./EmulatorServer.ts"

export { EmulatorServeError } from "./EmulatorServer.ts"
export type { RunningEmulator, ServeOptions } from "./EmulatorServer.ts"

/**
 * Starts the emulator on 127.0.0.1 for the lifetime of the scope.
 *
 * @since 0.1.0
 */
export const serve = (options: ServeOptions = {}): Effect.Effect<RunningEmulator, EmulatorServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const port = options.port ?? 0
    const emulator = yield* Emulator.make(options)
    const server = yield* NodeHttpServer.make(() => Http.createServer(), { port, host: "127.0.0.1" }).pipe(
      Effect.mapError((error) => new EmulatorServeError({ port, reason: describeServeError(error.cause) }))
    )
    yield* server.serve(emulator.app)
    const address = server.address
    const boundPort = address._tag === "TcpAddress" ? address.port : port
    const url = `http://127.0.0.1:${boundPort}`
    const admin = yield* EmulatorAdmin.make(url).pipe(Effect.provide(FetchHttpClient.layer))
    return { url, port: boundPort, emulator, admin }
  })

const describeServeError = (cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  if (code === "EADDRINUSE") return "the port is already in use"
  if (code === "EACCES") return "permission denied"
  return code ?? "the server failed to start"
}

/**
 * The emulator as a layer: provides the in-process `Emulator` and an `EmulatorAdmin` client bound to it.
 *
 * @since 0.1.0
 */
export const layer = (
  options: ServeOptions = {}
): Layer.Layer<Emulator.Emulator | EmulatorAdmin.EmulatorAdmin, EmulatorServeError> =>
  Layer.scopedContext(
    Effect.map(serve(options), (running) =>
      Context.make(Emulator.Emulator, running.emulator).pipe(
        Context.add(EmulatorAdmin.EmulatorAdmin, running.admin)
      ))
  )

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
  options: ServeOptions = {}
): Effect.Effect<StartedEmulator, EmulatorServeError, Scope.Scope> =>
  Effect.map(serve(options), ({ admin, emulator, url }) => ({ url, admin, emulator }))

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
  options: ServeOptions = {}
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
