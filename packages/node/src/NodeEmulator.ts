/**
 * Serves the core emulator app on `127.0.0.1` with Node's HTTP server.
 *
 * @since 0.1.0
 */
import * as Emulator from "@codex-auth/core/Emulator"
import * as EmulatorAdmin from "@codex-auth/core/EmulatorAdmin"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"

/** @since 0.1.0 */
export interface ServeOptions extends Emulator.EmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free ephemeral port. */
  readonly port?: number | undefined
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash): the issuer to give a client. */
  readonly url: string
  readonly port: number
  /** In-process access to the emulator's state. */
  readonly emulator: Emulator.Emulator.Service
  /** The admin API client bound to `url`. */
  readonly admin: EmulatorAdmin.EmulatorAdmin.Service
}

/** The emulator could not listen on the requested port. */
export class EmulatorServeError extends Schema.TaggedError<EmulatorServeError>()("EmulatorServeError", {
  port: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `The emulator could not listen on 127.0.0.1:${this.port}: ${this.reason}. ` +
      `Choose another port, or use port 0 for a free one.`
  }
}

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
