/**
 * `@codex-auth/emulator` is an optional peer of `@codex-auth/node`: an embedder's production install does not carry
 * it. The two commands that run it (`codex-auth emulator`, the demo) load it here, on demand, and say what to install
 * when it (or one of its own peers) is absent.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const emulatorPackage = "@codex-auth/emulator"

/** `@codex-auth/emulator`, or a peer dependency it needs, is not installed beside `@codex-auth/node`. */
export class EmulatorNotInstalled extends Schema.TaggedError<EmulatorNotInstalled>()("EmulatorNotInstalled", {
  /** The package Node could not find. */
  missing: Schema.String
}) {
  override get message(): string {
    return this.missing === emulatorPackage
      ? `install ${emulatorPackage} to run the emulator (npm install --save-dev ${emulatorPackage}@0.1.0)`
      : `install ${this.missing} to run the emulator: ${emulatorPackage} needs it as a peer dependency ` +
        `(npm install --save-dev ${this.missing})`
  }
}

/** The package an ESM/CJS "module not found" error names (`Cannot find package 'x' imported from …`), if any. */
export const missingPackage = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return undefined
  if (cause.code !== "ERR_MODULE_NOT_FOUND" && cause.code !== "MODULE_NOT_FOUND") return undefined
  const message = String((cause as { readonly message?: unknown }).message)
  const named = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1]
  if (named === undefined || named.startsWith(".") || named.startsWith("/")) return undefined
  // `@scope/name/sub/path` and `name/sub/path` → the package.
  return named.split("/").slice(0, named.startsWith("@") ? 2 : 1).join("/")
}

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
  Effect.catchAll((cause) => {
    const missing = missingPackage(cause)
    return missing === undefined ? Effect.die(cause) : Effect.fail(new EmulatorNotInstalled({ missing }))
  })
)
