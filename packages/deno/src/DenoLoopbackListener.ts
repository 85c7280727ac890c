/**
 * The `LoopbackListener` port on `Deno.serve`: binds `127.0.0.1` only, maps `AddrInUse` to `LoopbackPortInUse`,
 * and stops listening when the scope closes (requests in flight get a second to finish).
 *
 * @since 0.1.0
 */
import { LoopbackListener, LoopbackListenFailed, LoopbackPortInUse } from "@codex-auth/core/LoopbackListener"
import * as HttpApp from "@effect/platform/HttpApp"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { reasonOf } from "./internal/errors.ts"

const closeGraceMillis = 1000
const cancelTimeoutMillis = 2000

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))

const shutdown = (server: Deno.HttpServer, abort: AbortController): Effect.Effect<void> =>
  Effect.promise(async () => {
    const graceful = server.shutdown().then(() => true, () => true)
    let timer: ReturnType<typeof setTimeout> | undefined
    const grace = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), closeGraceMillis)
    })
    const finished = await Promise.race([graceful, grace])
    clearTimeout(timer)
    // Requests still running after the grace period: abort them (the listening socket is already closed).
    if (!finished) abort.abort()
    await graceful
  })

/**
 * One raw `GET /cancel`, as the Codex CLI sends it to a previous login holding the port.
 *
 * @since 0.1.0
 */
export const requestCancel = (port: number): Effect.Effect<void> =>
  Effect.promise(async () => {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port }).catch(() => undefined)
    if (connection === undefined) return
    try {
      const request = `GET /cancel HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`
      await connection.write(new TextEncoder().encode(request))
      const buffer = new Uint8Array(4096)
      const drain = (async () => {
        while ((await connection.read(buffer)) !== null) {
          // the answer does not matter; read until the holder closes
        }
      })().catch(() => undefined)
      await Promise.race([drain, sleep(cancelTimeoutMillis)])
    } catch {
      // best effort
    } finally {
      try {
        connection.close()
      } catch {
        // already closed
      }
    }
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: LoopbackListener.Service = LoopbackListener.of({
  serve: ({ app, port }) =>
    Effect.gen(function*() {
      // Serve with this fiber's runtime (its services and FiberRefs), as the Node listener does.
      const runtime = yield* Effect.runtime<never>()
      const handler = HttpApp.toWebHandlerRuntime(runtime)(app)
      const abort = new AbortController()
      const server = yield* Effect.acquireRelease(
        Effect.try({
          // Deno.serve is listening when it returns; a bind failure throws.
          try: (): Deno.HttpServer<Deno.NetAddr> =>
            Deno.serve(
              { hostname: "127.0.0.1", port, signal: abort.signal, onListen: () => {} },
              (request: Request): Promise<Response> => handler(request)
            ),
          catch: (cause) =>
            cause instanceof Deno.errors.AddrInUse
              ? new LoopbackPortInUse({ port })
              : new LoopbackListenFailed({ port, reason: reasonOf(cause) })
        }),
        (server) => shutdown(server, abort)
      )
      return { port: server.addr.port }
    }),
  requestCancel
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<LoopbackListener> = Layer.succeed(LoopbackListener, make)
