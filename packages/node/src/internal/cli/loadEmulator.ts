/**
 * `@codex-auth/emulator` is an optional peer of `@codex-auth/node`: an embedder's production install does not carry
 * it. The two commands that run it (`codex-auth emulator`, the demo) load it here, on demand, and say what to install
 * when it is absent.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** `@codex-auth/emulator` is not installed beside `@codex-auth/node`. */
export class EmulatorNotInstalled extends Schema.TaggedError<EmulatorNotInstalled>()("EmulatorNotInstalled", {
  reason: Schema.String
}) {
  override get message(): string {
    return `install @codex-auth/emulator to run the emulator (npm install --save-dev @codex-auth/emulator@0.1.0): ` +
      this.reason
  }
}

const isMissingEmulator = (cause: unknown): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause &&
  (cause.code === "ERR_MODULE_NOT_FOUND" || cause.code === "MODULE_NOT_FOUND") &&
  String((cause as { readonly message?: unknown }).message).includes("@codex-auth/emulator")

/** The emulator's modules: the in-process app (`Emulator`) and its Node server (`NodeEmulator`). */
export const loadEmulator: Effect.Effect<
  {
    readonly Emulator: typeof import("@codex-auth/emulator/Emulator")
    readonly NodeEmulator: typeof import("@codex-auth/emulator/node")
  },
  EmulatorNotInstalled
> = Effect.tryPromise({
  try: async () => {
    const [Emulator, NodeEmulator] = await Promise.all([
      import("@codex-auth/emulator/Emulator"),
      import("@codex-auth/emulator/node")
    ])
    return { Emulator, NodeEmulator }
  },
  catch: (cause) => cause
}).pipe(
  Effect.catchAll((cause) =>
    isMissingEmulator(cause)
      ? Effect.fail(new EmulatorNotInstalled({ reason: "the package could not be found" }))
      : Effect.die(cause)
  )
)
