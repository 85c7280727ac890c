/**
 * What serving the emulator on `127.0.0.1` means on any runtime: the options, the running emulator and the typed
 * error when the port cannot be had. `@codex-auth/emulator/node` serves it with Node's HTTP server,
 * `@codex-auth/deno`'s `DenoEmulator` with `Deno.serve`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type * as Emulator from "./Emulator.ts"
import type * as EmulatorAdmin from "./EmulatorAdmin.ts"

/** @since 0.1.0 */
export interface ServeOptions extends Emulator.EmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free ephemeral port. */
  readonly port?: number | undefined
}

/** A running emulator. @since 0.1.0 */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash): the issuer to give a client. */
  readonly url: string
  readonly port: number
  /** In-process access to the emulator's state. */
  readonly emulator: Emulator.Emulator.Service
  /** The admin API client bound to `url`. */
  readonly admin: EmulatorAdmin.EmulatorAdmin.Service
}

const EmulatorServeErrorBase: Schema.TaggedErrorClass<
  EmulatorServeError,
  "EmulatorServeError",
  {
    readonly _tag: Schema.tag<"EmulatorServeError">
    readonly port: typeof Schema.Number
    readonly reason: typeof Schema.String
  }
> = Schema.TaggedError<EmulatorServeError>()("EmulatorServeError", { port: Schema.Number, reason: Schema.String })

/**
 * The emulator could not listen on the requested port.
 *
 * @since 0.1.0
 */
export class EmulatorServeError extends EmulatorServeErrorBase {
  override get message(): string {
    return `The emulator could not listen on 127.0.0.1:${this.port}: ${this.reason}. ` +
      `Choose another port, or use port 0 for a free one.`
  }
}
