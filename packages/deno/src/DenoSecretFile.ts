/**
 * The `SecretFile` port on Deno: Deno's file APIs (temp file created exclusively with the mode, `sync`, rename, sync
 * of the directory) and `Deno.FsFile.tryLock(true)` — `flock(LOCK_EX|LOCK_NB)`, the lock the Codex CLI takes on
 * `auth.lock` — polled with back-off so the event loop never blocks.
 *
 * @since 0.1.0
 */
import { isTemporaryOf, pollLock, SecretFile, SecretFileError, temporaryName } from "@codex-auth/core/SecretFile"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { isNotFound, reasonOf } from "./internal/errors.ts"
import * as Path from "./internal/path.ts"

const separator: "/" | "\\" = Deno.build.os === "windows" ? "\\" : "/"

/**
 * Joins path segments with this platform's separator (`path.join`).
 *
 * @since 0.1.0
 */
export const join = (...segments: ReadonlyArray<string>): string =>
  separator === "\\" ? Path.joinWindows(...segments) : Path.joinPosix(...segments)

const attempt = <A>(
  operation: SecretFileError["operation"],
  path: string,
  run: () => Promise<A>
): Effect.Effect<A, SecretFileError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new SecretFileError({ operation, path, reason: reasonOf(cause) }) })

/** Like `attempt`, but a missing file is `onMissing`. */
const attemptOrMissing = <A, B>(
  operation: SecretFileError["operation"],
  path: string,
  run: () => Promise<A>,
  onMissing: () => B
): Effect.Effect<A | B, SecretFileError> =>
  Effect.tryPromise({ try: run, catch: (cause) => cause }).pipe(
    Effect.catchAll((cause) =>
      isNotFound(cause)
        ? Effect.sync(onMissing)
        : Effect.fail(new SecretFileError({ operation, path, reason: reasonOf(cause) }))
    )
  )

const randomSuffix = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(6))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")
}

const writeAll = async (file: Deno.FsFile, bytes: Uint8Array): Promise<void> => {
  let written = 0
  while (written < bytes.length) written += await file.write(bytes.subarray(written))
}

const writeAtomic = async (path: string, data: string | Uint8Array, mode: number): Promise<void> => {
  const directory = Path.dirname(path, separator)
  const temporary = join(directory, temporaryName(Path.basename(path, separator), randomSuffix()))
  // createNew = O_CREAT | O_EXCL: never follow or reuse a file someone planted under the temporary name.
  const file = await Deno.open(temporary, { write: true, createNew: true, mode })
  try {
    try {
      if (Deno.build.os !== "windows") await Deno.chmod(temporary, mode) // the umask may have narrowed the mode
      await writeAll(file, typeof data === "string" ? new TextEncoder().encode(data) : data)
      await file.sync()
    } finally {
      file.close()
    }
    await Deno.rename(temporary, path)
  } catch (error) {
    await Deno.remove(temporary).catch(() => undefined)
    throw error
  }
  // Make the rename itself durable. Some file systems refuse to sync a directory: the rename still happened.
  const dir = await Deno.open(directory, { read: true }).catch(() => undefined)
  if (dir !== undefined) {
    await dir.sync().catch(() => undefined)
    dir.close()
  }
}

/** Removes the leftovers of interrupted writes of `path` (regular files with our temporary names only). */
const removeTemporaries = async (path: string): Promise<number> => {
  const directory = Path.dirname(path, separator)
  const fileName = Path.basename(path, separator)
  let removed = 0
  for await (const entry of Deno.readDir(directory)) {
    if (!entry.isFile || !isTemporaryOf(fileName, entry.name)) continue
    try {
      await Deno.remove(join(directory, entry.name))
      removed++
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  return removed
}

const lock = (path: string, options?: { readonly timeoutMillis?: number | undefined }) => {
  const timeoutMillis = options?.timeoutMillis ?? 30_000
  return Effect.gen(function*() {
    const file = yield* Effect.acquireRelease(
      attempt("lock", path, () => Deno.open(path, { read: true, write: true, create: true, mode: 0o600 })),
      (file) =>
        Effect.promise(async () => {
          // Closing the descriptor drops the flock too; unlock first so a waiter gets it without delay.
          await file.unlock().catch(() => undefined)
          file.close()
        })
    )
    yield* pollLock(path, attempt("lock", path, () => file.tryLock(true)), timeoutMillis)
  })
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: SecretFile.Service = {
  read: (path) => attemptOrMissing("read", path, () => Deno.readTextFile(path).then(Option.some), Option.none),
  writeAtomic: (path, text, { mode }) => attempt("write", path, () => writeAtomic(path, text, mode)),
  readBytes: (path) => attemptOrMissing("read", path, () => Deno.readFile(path).then(Option.some), Option.none),
  writeAtomicBytes: (path, bytes, { mode }) => attempt("write", path, () => writeAtomic(path, bytes, mode)),
  removeTemporaries: (path) => attempt("remove", path, () => removeTemporaries(path)),
  remove: (path) => attemptOrMissing("remove", path, () => Deno.remove(path).then(() => true), () => false),
  stat: (path) =>
    attemptOrMissing(
      "stat",
      path,
      () =>
        Deno.stat(path).then((info) =>
          Option.some({
            type: info.isFile ? "file" as const : info.isDirectory ? "directory" as const : "other" as const,
            mode: (info.mode ?? 0) & 0o777
          })
        ),
      Option.none
    ),
  ensureDirectory: (path, { mode }) => attempt("mkdir", path, () => Deno.mkdir(path, { recursive: true, mode })),
  realPath: (path) => attempt("realpath", path, () => Deno.realPath(path)),
  join,
  lock: (path, options): Effect.Effect<void, SecretFileError, Scope.Scope> => lock(path, options)
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SecretFile> = Layer.succeed(SecretFile, make)
