/**
 * The `SecretFile` port on Deno: Deno's file APIs (temp file created exclusively with the mode, `sync`, rename, sync
 * of the directory) and `Deno.FsFile.tryLock(true)` — `flock(LOCK_EX|LOCK_NB)`, the lock the Codex CLI takes on
 * `auth.lock` — polled with back-off so the event loop never blocks.
 *
 * @since 0.1.0
 */
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as BoundedRead from "./internal/boundedRead.ts"
import { isNotFound, reasonOf as baseReasonOf } from "./internal/errors.ts"
import * as Platform from "./internal/fast/platform.ts"
import * as Path from "./internal/path.ts"

const separator: "/" | "\\" = Deno.build.os === "windows" ? "\\" : "/"

/**
 * Joins path segments with this platform's separator (`path.join`).
 *
 * @since 0.1.0
 */
export const join: (...segments: ReadonlyArray<string>) => string = Platform.join

const reasonOf = (cause: unknown): string =>
  cause instanceof BoundedRead.ReadRefused ? cause.reason : baseReasonOf(cause)

const native: SecretFile.NativeErrors = { reasonOf, isMissing: isNotFound }

const writeAll = async (file: Deno.FsFile, bytes: Uint8Array): Promise<void> => {
  let written = 0
  while (written < bytes.length) written += await file.write(bytes.subarray(written))
}

const isAbsolute = (path: string): boolean =>
  separator === "\\" ? /^([a-zA-Z]:)?[\\/]/.test(path) : path.startsWith("/")

/**
 * The file a write of `path` replaces: `path`, or the end of its chain of symbolic links (which need not exist yet),
 * so the link stays a link and its target is replaced in the target's directory, as Codex does.
 */
const writeTarget = async (path: string): Promise<string> => {
  let current = path
  for (let hops = 0; hops < 40; hops++) {
    let info: Deno.FileInfo
    try {
      info = await Deno.lstat(current)
    } catch (error) {
      if (isNotFound(error)) return current
      throw error
    }
    if (!info.isSymlink) return current
    const link = await Deno.readLink(current)
    current = isAbsolute(link) ? link : join(Path.dirname(current, separator), link)
  }
  throw Object.assign(new Error("ELOOP"), { code: "ELOOP" })
}

const openTemporary = async (target: string, mode: number) => {
  const directory = Path.dirname(target, separator)
  for (let attempt = 0;; attempt++) {
    const temporary = join(directory, SecretFile.randomTemporaryName(Path.basename(target, separator)))
    try {
      // createNew = O_CREAT | O_EXCL: never follow or reuse a file someone planted under the temporary name.
      return { temporary, file: await Deno.open(temporary, { write: true, createNew: true, mode }) }
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists) || attempt >= 8) throw error
    }
  }
}

const writeAtomic = async (path: string, data: string | Uint8Array, mode: number): Promise<void> => {
  const target = await writeTarget(path)
  const directory = Path.dirname(target, separator)
  const { file, temporary } = await openTemporary(target, mode)
  try {
    try {
      if (Deno.build.os !== "windows") await Deno.chmod(temporary, mode) // the umask may have narrowed the mode
      await writeAll(file, typeof data === "string" ? new TextEncoder().encode(data) : data)
      await file.sync()
    } finally {
      file.close()
    }
    await Deno.rename(temporary, target)
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

/** Rewrites an existing regular file in place, truncated to `text`, flushed to disk. */
const overwrite = async (path: string, text: string): Promise<void> => {
  const info = await Deno.lstat(path)
  if (!info.isFile) throw new Error(`${path} is not a regular file`)
  const bytes = new TextEncoder().encode(text)
  const file = await Deno.open(path, { write: true })
  try {
    await writeAll(file, bytes)
    await file.truncate(bytes.length)
    await file.sync()
  } finally {
    file.close()
  }
}

/** Removes our temporaries for `fileName` in `directory` (regular files with our temporary names only). */
const removeTemporariesIn = async (directory: string, fileName: string): Promise<number> => {
  let removed = 0
  for await (const entry of Deno.readDir(directory)) {
    if (!entry.isFile || !SecretFile.isTemporaryOf(fileName, entry.name)) continue
    try {
      await Deno.remove(join(directory, entry.name))
      removed++
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  return removed
}

/** Removes the leftovers of interrupted writes of `path`: beside it, and beside its target when it is a link. */
const removeTemporaries = async (path: string): Promise<number> => {
  const target = await writeTarget(path).catch(() => path)
  const removed = await removeTemporariesIn(Path.dirname(path, separator), Path.basename(path, separator))
  if (target === path) return removed
  return removed +
    await removeTemporariesIn(Path.dirname(target, separator), Path.basename(target, separator)).catch(() => 0)
}

/**
 * auth.lock, refused unless a regular file: a symbolic link is never followed (ELOOP), and a FIFO, device or
 * directory is refused before the open could block on it. Deno has no O_NOFOLLOW, so it is an lstat before the open
 * and a check of what was opened after it.
 */
const openLockFile = async (path: string): Promise<Deno.FsFile> => {
  const before = await Deno.lstat(path).catch((error) => {
    if (isNotFound(error)) return undefined
    throw error
  })
  if (before?.isSymlink) throw Object.assign(new Error("ELOOP"), { code: "ELOOP" })
  if (before?.isDirectory) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" })
  if (before !== undefined && !before.isFile) throw new BoundedRead.ReadRefused(SecretFile.notRegularFileReason)
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 })
  const opened = await file.stat().catch(() => undefined)
  if (opened?.isFile !== true) {
    file.close()
    throw new BoundedRead.ReadRefused(SecretFile.notRegularFileReason)
  }
  return file
}

const lock = (path: string, options?: { readonly timeoutMillis?: number | undefined }) => {
  const timeoutMillis = options?.timeoutMillis ?? 30_000
  return Effect.gen(function*() {
    const file = yield* Effect.acquireRelease(
      SecretFile.attempt("lock", path, () => openLockFile(path), native),
      (file) =>
        Effect.promise(async () => {
          // Closing the descriptor drops the flock too; unlock first so a waiter gets it without delay.
          await file.unlock().catch(() => undefined)
          file.close()
        })
    )
    yield* SecretFile.pollLock(path, SecretFile.attempt("lock", path, () => file.tryLock(true), native), timeoutMillis)
  })
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: SecretFile.SecretFile.Service = SecretFile.makeNative({
  ...native,
  readText: BoundedRead.readText,
  readBytes: (path) => Deno.readFile(path),
  writeAtomic,
  overwrite,
  removeTemporaries,
  remove: (path) => Deno.remove(path),
  stat: (path) => Deno.stat(path),
  ensureDirectory: (path, mode) => Deno.mkdir(path, { recursive: true, mode }),
  realPath: (path) => Deno.realPath(path),
  join,
  lock: (path, options): Effect.Effect<void, SecretFile.SecretFileError, Scope.Scope> => lock(path, options)
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SecretFile.SecretFile> = Layer.succeed(SecretFile.SecretFile, make)
