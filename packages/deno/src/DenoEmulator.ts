/**
 * Serves the emulator app (`@codex-auth/emulator`) on `127.0.0.1` with `Deno.serve`.
 *
 * @since 0.1.0
 */
import * as Emulator from "@codex-auth/emulator/Emulator"
import * as EmulatorAdmin from "@codex-auth/emulator/EmulatorAdmin"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpApp from "@effect/platform/HttpApp"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/** @since 0.1.0 */
export interface ServeOptions extends Emulator.EmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free ephemeral port. */
  readonly port?: number | undefined
}

/** A running emulator. @since 0.1.0 */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`: the issuer to give a client. */
  readonly url: string
  readonly port: number
  readonly emulator: Emulator.Emulator.Service
  readonly admin: EmulatorAdmin.EmulatorAdmin.Service
}

/**
 * The emulator could not listen on the requested port (as the Node emulator reports it).
 *
 * @since 0.1.0
 */
const EmulatorServeErrorBase: Schema.TaggedErrorClass<
  EmulatorServeError,
  "EmulatorServeError",
  {
    readonly _tag: Schema.tag<"EmulatorServeError">
    readonly port: typeof Schema.Number
    readonly reason: typeof Schema.String
  }
> = Schema.TaggedError<EmulatorServeError>()("EmulatorServeError", { port: Schema.Number, reason: Schema.String })

export class EmulatorServeError extends EmulatorServeErrorBase {
  override get message(): string {
    return `The emulator could not listen on 127.0.0.1:${this.port}: ${this.reason}. ` +
      `Choose another port, or use port 0 for a free one.`
  }
}

/**
 * Starts the emulator on 127.0.0.1 for the lifetime of the scope (the server is shut down when it closes).
 *
 * @since 0.1.0
 */
export const serve = (
  options: ServeOptions = {}
): Effect.Effect<RunningEmulator, EmulatorServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    const handler = HttpApp.toWebHandler(emulator.app)
    const server = yield* Effect.acquireRelease(
      // Deno.serve is listening when it returns.
      Effect.try({
        try: (): Deno.HttpServer<Deno.NetAddr> =>
          Deno.serve({
            hostname: "127.0.0.1",
            port: options.port ?? 0,
            onListen: () => {}
          }, (request: Request): Promise<Response> => handler(request)),
        catch: (cause) =>
          new EmulatorServeError({
            port: options.port ?? 0,
            reason: cause instanceof Deno.errors.AddrInUse
              ? "the port is already in use"
              : cause instanceof Deno.errors.PermissionDenied
              ? "permission denied"
              : "the server failed to start"
          })
      }),
      (server) => Effect.promise(() => server.shutdown())
    )
    const url = `http://127.0.0.1:${server.addr.port}`
    const admin = yield* EmulatorAdmin.make(url).pipe(Effect.provide(FetchHttpClient.layer))
    return { url, port: server.addr.port, emulator, admin }
  })
