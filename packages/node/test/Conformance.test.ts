// The shared conformance suites (test/shared) against the Node layer. The same suites run under `deno test` against
// the Deno layer (packages/deno/test/conformance.test.ts): a behaviour that differs is a bug in one of the runtimes.
// Below: vitest registration, the Node layer, and the helpers that need Node's own APIs (temporary directories, raw
// HTTP with a chosen Host header, the emulator on node:http).
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeHttpClient from "@codex-auth/node/NodeHttpClient"
import * as NodeLoopbackListener from "@codex-auth/node/NodeLoopbackListener"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { credentialStoreSuite } from "../../../test/shared/credentialStore.ts"
import { deviceFlowSuite } from "../../../test/shared/deviceFlow.ts"
import { emulatorSuite } from "../../../test/shared/emulator.ts"
import type { Harness, Reply } from "../../../test/shared/harness.ts"
import { loopbackSuite } from "../../../test/shared/loopback.ts"
import { sessionSuite } from "../../../test/shared/session.ts"

const get = (port: number, path: string, host = `127.0.0.1:${port}`): Effect.Effect<Reply> =>
  Effect.async<Reply>((resume) => {
    const request = Http.request(
      { host: "127.0.0.1", port, path, headers: { host, connection: "close" }, agent: false },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk) => (body += chunk))
        response.on("end", () => {
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
          }
          resume(Effect.succeed({ status: response.statusCode ?? 0, headers, body }))
        })
      }
    )
    request.on("error", (error) => resume(Effect.die(error)))
    request.end()
  })

const harness: Harness = {
  runtime: "node",
  test: (name, body) => it.scoped(name, body),
  live: (name, body) => it.scopedLive(name, body),
  layer: Layer.mergeAll(
    NodeSecretFile.layer,
    NodeLoopbackListener.layer,
    Layer.orDie(
      NodeHttpClient.layer({ caBundle: Option.none(), httpsProxy: Option.none(), noProxy: Option.none() })
    )
  ),
  tempDir: Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-conformance-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  ),
  listDir: (path) => Effect.sync(() => Fs.readdirSync(path).sort()),
  serveEmulator: (options) => startEmulator(options),
  get
}

describe("conformance (Node layer)", () => {
  credentialStoreSuite(harness)
  loopbackSuite(harness)
  deviceFlowSuite(harness)
  sessionSuite(harness)
  emulatorSuite(harness)
})
