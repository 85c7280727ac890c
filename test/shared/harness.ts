// What a runtime hands the shared conformance suites: how to register a test, the layer of its ports, and the few
// helpers a suite cannot write without runtime APIs. The suites use only effect and @codex-auth/core, so the same
// file runs under vitest (Node layer) and `deno test` (Deno layer); a difference is a bug in one of the runtimes.
import type { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import type { SecretFile } from "@codex-auth/core/SecretFile"
import type * as Emulator from "@codex-auth/emulator/Emulator"
import type * as EmulatorAdmin from "@codex-auth/emulator/EmulatorAdmin"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as TestServices from "effect/TestServices"

/** The ports the suites exercise, as the runtime implements them. */
export type Ports = SecretFile | LoopbackListener | HttpClient.HttpClient

export interface RunningEmulator {
  /** Base URL (the issuer), e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  readonly emulator: Emulator.Emulator.Service
  readonly admin: EmulatorAdmin.EmulatorAdmin.Service
}

export interface Reply {
  readonly status: number
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface Harness {
  readonly runtime: "node" | "deno"
  /** Registers a test that runs with the `TestClock` (and the other test services). */
  readonly test: (
    name: string,
    body: () => Effect.Effect<void, unknown, Scope.Scope | TestServices.TestServices>
  ) => void
  /** Registers a test on the live clock (real processes, real sockets waiting on each other). */
  readonly live: (name: string, body: () => Effect.Effect<void, unknown, Scope.Scope>) => void
  /** The runtime's `SecretFile`, `LoopbackListener` and `HttpClient`. */
  readonly layer: Layer.Layer<Ports>
  /** A fresh empty directory, removed when the scope closes. */
  readonly tempDir: Effect.Effect<string, never, Scope.Scope>
  /** The names in a directory, sorted. */
  readonly listDir: (path: string) => Effect.Effect<ReadonlyArray<string>>
  /** The emulator served by the runtime's own HTTP server on 127.0.0.1 (an ephemeral port), until the scope closes. */
  readonly serveEmulator: (options?: Emulator.EmulatorOptions) => Effect.Effect<RunningEmulator, unknown, Scope.Scope>
  /** One HTTP/1.1 `GET` to 127.0.0.1:port with this exact `Host` header (fetch cannot set it); no redirects followed. */
  readonly get: (port: number, path: string, host?: string) => Effect.Effect<Reply>
}
