/**
 * Serves the emulator app (`@codex-auth/emulator`) on `127.0.0.1` with `Deno.serve`.
 *
 * @since 0.1.0
 */
import * as Emulator from "@codex-auth/emulator/Emulator"
import * as EmulatorAdmin from "@codex-auth/emulator/EmulatorAdmin"
import { EmulatorServeError, type RunningEmulator, type ServeOptions } from "@codex-auth/emulator/EmulatorServer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpApp from "@effect/platform/HttpApp"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * The options, the running emulator and the error every runtime's emulator server shares.
 *
 * @since 0.1.0
 */
export { EmulatorServeError } from "@codex-auth/emulator/EmulatorServer"
/** @since 0.1.0 */
export type { RunningEmulator, ServeOptions } from "@codex-auth/emulator/EmulatorServer"

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
