/**
 * A tiny HTTP server on 127.0.0.1:0 that records every request as it arrived on the wire (method,
 * path, raw header pairs in order, body bytes) and answers from a script. Tests only: uses node:http.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type * as Net from "node:net"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  /** Header pairs exactly as sent (original case and order). */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>
  readonly body: Uint8Array
  readonly bodyText: string
  /** Case-insensitive header lookup. */
  readonly header: (name: string) => string | undefined
}

export interface ScriptedResponse {
  /** Never answer (to exercise timeouts). */
  readonly hang?: boolean | undefined
  readonly status: number
  readonly body?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

export type Responder = (request: RecordedRequest, index: number) => ScriptedResponse

export interface WireServer {
  readonly url: string
  readonly port: number
  readonly requests: ReadonlyArray<RecordedRequest>
  /** Resolves once `count` requests have been received. */
  readonly awaitRequests: (count: number) => Effect.Effect<void>
}

/** `application/json` response helper. */
export const json = (status: number, body: unknown): ScriptedResponse => ({
  status,
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json" }
})

/** Answers each request with the next scripted response; the last one repeats. */
export const sequence = (...responses: ReadonlyArray<ScriptedResponse>): Responder => (_request, index) =>
  responses[Math.min(index, responses.length - 1)]!

export const make = (respond: Responder): Effect.Effect<WireServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; wire: WireServer }>((resume) => {
      const requests: Array<RecordedRequest> = []
      const waiters: Array<{ count: number; resolve: () => void }> = []
      const server = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const body = Buffer.concat(chunks)
          const rawHeaders: Array<readonly [string, string]> = []
          for (let i = 0; i < req.rawHeaders.length; i += 2) {
            rawHeaders.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
          }
          const recorded: RecordedRequest = {
            method: req.method ?? "",
            path: req.url ?? "",
            rawHeaders,
            body: new Uint8Array(body),
            bodyText: body.toString("utf8"),
            header: (name) => rawHeaders.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1]
          }
          const index = requests.length
          requests.push(recorded)
          const scripted = respond(recorded, index)
          for (const waiter of waiters.filter((w) => w.count <= requests.length)) {
            waiters.splice(waiters.indexOf(waiter), 1)
            waiter.resolve()
          }
          if (scripted.hang === true) return
          res.writeHead(scripted.status, { "content-type": "text/plain", ...scripted.headers })
          res.end(scripted.body ?? "")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as Net.AddressInfo).port
        resume(Effect.succeed({
          server,
          wire: {
            url: `http://127.0.0.1:${port}`,
            port,
            requests,
            awaitRequests: (count) =>
              Effect.async<void>((resumeWait) => {
                if (requests.length >= count) return resumeWait(Effect.void)
                waiters.push({ count, resolve: () => resumeWait(Effect.void) })
              })
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ wire }) => wire))

/** A 127.0.0.1 port with nothing listening on it (bound, then released). */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Http.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as Net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})
