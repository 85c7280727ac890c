/**
 * The `LoopbackListener` port on `node:http`: binds `127.0.0.1` only, maps `EADDRINUSE` to
 * `LoopbackPortInUse`, and stops listening when the scope closes (open connections get a second to finish).
 *
 * @since 0.1.0
 */
import { LoopbackListener, LoopbackListenFailed, LoopbackPortInUse } from "@codex-auth/core/LoopbackListener"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Http from "node:http"
import * as Net from "node:net"

const closeGraceMillis = 1000
const cancelTimeoutMillis = 2000

const listen = (server: Http.Server, port: number) =>
  Effect.async<number, LoopbackPortInUse | LoopbackListenFailed>((resume) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening)
      resume(
        error.code === "EADDRINUSE"
          ? Effect.fail(new LoopbackPortInUse({ port }))
          : Effect.fail(new LoopbackListenFailed({ port, reason: error.code ?? "listen error" }))
      )
    }
    const onListening = () => {
      server.off("error", onError)
      const address = server.address()
      resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : port))
    }
    server.once("error", onError)
    server.once("listening", onListening)
    server.listen({ host: "127.0.0.1", port, exclusive: true })
  })

const close = (server: Http.Server) =>
  Effect.async<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    const timer = setTimeout(() => server.closeAllConnections(), closeGraceMillis)
    server.close(() => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    server.closeIdleConnections()
  })

/**
 * One raw `GET /cancel`, as the Codex CLI sends it to a previous login holding the port.
 *
 * @since 0.1.0
 */
export const requestCancel = (port: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.void)
    }
    const timer = setTimeout(finish, cancelTimeoutMillis)
    socket.on("connect", () => {
      socket.write(`GET /cancel HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
    })
    socket.on("data", () => {})
    socket.on("end", finish)
    socket.on("close", finish)
    socket.on("error", finish)
    return Effect.sync(finish)
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: LoopbackListener.Service = LoopbackListener.of({
  serve: ({ app, port }) =>
    Effect.gen(function*() {
      // Loaded by the login that serves, not by every process that builds the layer (a refresh never listens).
      const NodeHttpServer = yield* Effect.promise(() => import("@effect/platform-node/NodeHttpServer"))
      const handler = yield* NodeHttpServer.makeHandler(app)
      const server = yield* Effect.acquireRelease(Effect.sync(() => Http.createServer(handler)), close)
      const bound = yield* listen(server, port)
      return { port: bound }
    }),
  requestCancel
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<LoopbackListener> = Layer.succeed(LoopbackListener, make)
