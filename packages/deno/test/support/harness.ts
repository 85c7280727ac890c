// The Deno side of the shared conformance suites: Deno.test registration, the Deno layer, and the helpers that need
// Deno's own APIs (temporary directories, raw sockets, the emulator on Deno.serve).
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as TestContext from "effect/TestContext"
import type { Harness, Reply } from "../../../../test/shared/harness.ts"
import * as DenoEmulator from "../../src/DenoEmulator.ts"
import * as DenoHttpClient from "../../src/DenoHttpClient.ts"
import * as DenoLoopbackListener from "../../src/DenoLoopbackListener.ts"
import * as DenoSecretFile from "../../src/DenoSecretFile.ts"

// Effect's scheduler and the servers' keep-alive timers outlive a test by a tick; each test closes what it opened.
const options = { sanitizeOps: false, sanitizeResources: false }

export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => Deno.makeTempDir({ prefix: "codex-auth-deno-" })),
  (dir) => Effect.promise(() => Deno.remove(dir, { recursive: true }).catch(() => undefined))
)

const decodeChunked = (body: Uint8Array): Uint8Array => {
  const out: Array<number> = []
  let offset = 0
  const text = new TextDecoder("latin1")
  for (;;) {
    const lineEnd = body.indexOf(10, offset)
    if (lineEnd < 0) break
    const size = parseInt(text.decode(body.subarray(offset, lineEnd)).trim(), 16)
    offset = lineEnd + 1
    if (!(size > 0)) break
    out.push(...body.subarray(offset, offset + size))
    offset += size + 2
  }
  return new Uint8Array(out)
}

/** One raw HTTP/1.1 GET over Deno.connect, read until the server closes. */
export const get = (port: number, path: string, host = `127.0.0.1:${port}`): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port })
    const chunks: Array<Uint8Array> = []
    try {
      await connection.write(
        new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      )
      const buffer = new Uint8Array(16_384)
      for (;;) {
        const read = await connection.read(buffer)
        if (read === null) break
        chunks.push(buffer.slice(0, read))
      }
    } finally {
      connection.close()
    }
    const all = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0))
    let at = 0
    for (const chunk of chunks) {
      all.set(chunk, at)
      at += chunk.length
    }
    let split = -1
    for (let i = 0; i + 3 < all.length; i++) {
      if (all[i] === 13 && all[i + 1] === 10 && all[i + 2] === 13 && all[i + 3] === 10) {
        split = i
        break
      }
    }
    const head = new TextDecoder().decode(all.subarray(0, split)).split("\r\n")
    const status = Number(head[0]!.split(" ")[1])
    const headers: Record<string, string> = {}
    for (const line of head.slice(1)) {
      const colon = line.indexOf(":")
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const raw = all.subarray(split + 4)
    const body = headers["transfer-encoding"] === "chunked" ? decodeChunked(raw) : raw
    return { status, headers, body: new TextDecoder().decode(body) }
  })

export const layer: Layer.Layer<
  | import("@codex-auth/core/SecretFile").SecretFile
  | import("@codex-auth/core/LoopbackListener").LoopbackListener
  | import("@effect/platform/HttpClient").HttpClient
> = Layer.mergeAll(
  DenoSecretFile.layer,
  DenoLoopbackListener.layer,
  Layer.orDie(DenoHttpClient.layer({ caBundle: Option.none(), httpsProxy: Option.none(), noProxy: Option.none() }))
)

export const harness: Harness = {
  runtime: "deno",
  test: (name, body) =>
    Deno.test({
      name,
      ...options,
      fn: () => Effect.runPromise(body().pipe(Effect.scoped, Effect.provide(TestContext.TestContext)))
    }),
  live: (name, body) => Deno.test({ name, ...options, fn: () => Effect.runPromise(Effect.scoped(body())) }),
  layer,
  tempDir,
  listDir: (path) =>
    Effect.promise(async () => {
      const names: Array<string> = []
      for await (const entry of Deno.readDir(path)) names.push(entry.name)
      return names.sort()
    }),
  serveEmulator: (options) => DenoEmulator.serve(options),
  get
}

/** The Fetch client alone (for tests that talk to the emulator directly). */
export const fetchLayer: typeof FetchHttpClient.layer = FetchHttpClient.layer
