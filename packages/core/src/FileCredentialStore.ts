/**
 * The file store: `auth.json` in `CODEX_HOME`, read and written exactly as the Codex CLI does (PROTOCOL.md §8):
 * pretty JSON in Codex's key order with unknown fields kept, mode 0600, replaced atomically, and every write under
 * `flock(CODEX_HOME/auth.lock)`. A save under that lock first removes the temporaries an interrupted writer left.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as AuthJson from "./AuthJson.ts"
import { CodexHome } from "./CodexHome.ts"
import { CredentialStore, CredentialStoreError } from "./CredentialStore.ts"
import type { SecretFileError } from "./SecretFile.ts"
import { notUtf8Reason, SecretFile } from "./SecretFile.ts"

/**
 * The mode of `auth.json`.
 *
 * @since 0.1.0
 * @category constants
 */
export const fileMode: number = 0o600

const toStoreError = (operation: CredentialStoreError["operation"]) => (error: SecretFileError): CredentialStoreError =>
  new CredentialStoreError({ store: "file", operation, location: error.path, reason: error.reason })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<CredentialStore.Service, never, SecretFile | CodexHome> = Effect.gen(function*() {
  const files = yield* SecretFile
  const home = yield* CodexHome
  const path = home.authFile
  const acquireLock = files.lock(home.lockFile).pipe(Effect.mapError(toStoreError("lock")))
  // Whether this fiber holds `auth.lock` (through `withLock`): only then is no writer of ours (Node or Deno) mid-write,
  // so the temporaries a killed writer left behind (0600, holding secrets) can be swept before a save.
  const holdsLock = FiberRef.unsafeMake(false)
  const sweep = Effect.flatMap(
    FiberRef.get(holdsLock),
    (held) => held ? Effect.ignore(files.removeTemporaries(path)) : Effect.void
  )
  const service: CredentialStore.Service = {
    kind: "file",
    location: path,
    load: files.read(path).pipe(
      // Bytes that are not UTF-8 are a bad file, not a file system failure: refused as Codex refuses them.
      Effect.mapError((error) =>
        error.reason === notUtf8Reason
          ? new AuthJson.AuthFileInvalid({ path, reason: `${notUtf8Reason} (Codex refuses it too)` })
          : toStoreError("load")(error)
      ),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeedNone,
        onSome: (text) => Effect.asSome(AuthJson.parse(text, { path }))
      }))
    ),
    save: (document) =>
      Effect.zipRight(
        sweep,
        files.writeAtomic(path, AuthJson.stringify(document), { mode: fileMode }).pipe(
          Effect.mapError(toStoreError("save"))
        )
      ),
    remove: files.remove(path).pipe(Effect.mapError(toStoreError("remove"))),
    withLock: (effect) => Effect.scoped(Effect.zipRight(acquireLock, Effect.locally(effect, holdsLock, true)))
  }
  return service
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CredentialStore, never, SecretFile | CodexHome> = Layer.effect(CredentialStore, make)
