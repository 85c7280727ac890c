/**
 * The `SecretFile` port on Node: `node:fs` for the files (temp file `O_EXCL` with the mode, fsync, rename, fsync of
 * the directory) and libc `flock` (through koffi) for the lock the Codex CLI takes, polled with back-off so the event
 * loop never blocks.
 *
 * @since 0.1.0
 */
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as FsSync from "node:fs"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import * as BoundedRead from "./internal/boundedRead.ts"
import * as Flock from "./internal/lock/flock.ts"
import * as Handoff from "./internal/lock/handoff.ts"
import * as LockFileEx from "./internal/lock/lockFileEx.ts"

const reasonOf = (cause: unknown): string => {
  if (cause instanceof BoundedRead.ReadRefused) return cause.reason
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code
  }
  return cause instanceof Error ? cause.message : String(cause)
}

const isCode = (cause: unknown, code: string): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause && cause.code === code

// A stat through a regular file (ENOTDIR) finds nothing there either; a read or remove of one is an error.
const native: SecretFile.NativeErrors = {
  reasonOf,
  isMissing: (cause, operation) => isCode(cause, "ENOENT") || (operation === "stat" && isCode(cause, "ENOTDIR"))
}

// A virus scanner or the search indexer may hold the target open for a moment on Windows, where that refuses a
// rename over it (EPERM, EACCES, EBUSY); retried for about 2.5 s in all, then the error stands (and the caller's
// temporary is removed: the stored file is still the old one, whole).
const transientOnWindows = new Set(["EPERM", "EACCES", "EBUSY"])

const renameOver = async (temporary: string, path: string): Promise<void> => {
  for (let attempt = 0;; attempt++) {
    try {
      return await Fs.rename(temporary, path)
    } catch (error) {
      const retry = process.platform === "win32" && attempt < 8 &&
        [...transientOnWindows].some((code) => isCode(error, code))
      if (!retry) throw error
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt))
    }
  }
}

/**
 * The file a write of `path` replaces: `path` itself, or, when it is a symbolic link, the file at the end of its
 * links (which need not exist yet), so the link stays a link and its target is replaced in the target's directory,
 * as Codex does.
 */
const writeTarget = async (path: string): Promise<string> => {
  let current = path
  for (let hops = 0; hops < 40; hops++) {
    const stats = await Fs.lstat(current).catch((error) => {
      // Nothing there yet (or a dangling link's missing target): this is the file to create.
      if (isCode(error, "ENOENT")) return undefined
      throw error
    })
    if (stats === undefined || !stats.isSymbolicLink()) return current
    current = Path.resolve(Path.dirname(current), await Fs.readlink(current))
  }
  throw Object.assign(new Error("ELOOP"), { code: "ELOOP" })
}

/** The temporary, created exclusively with `mode` beside `target`; a (rare) name collision draws another name. */
const openTemporary = async (target: string, mode: number) => {
  const directory = Path.dirname(target)
  for (let attempt = 0;; attempt++) {
    const temporary = Path.join(directory, SecretFile.randomTemporaryName(Path.basename(target)))
    try {
      // "wx" = O_CREAT | O_EXCL: never follow or reuse a file someone planted under the temporary name.
      return { temporary, handle: await Fs.open(temporary, "wx", mode) }
    } catch (error) {
      if (!isCode(error, "EEXIST") || attempt >= 8) throw error
    }
  }
}

const writeAtomic = async (path: string, data: string | Uint8Array, mode: number): Promise<void> => {
  const target = await writeTarget(path)
  const directory = Path.dirname(target)
  const { handle, temporary } = await openTemporary(target, mode)
  try {
    try {
      await handle.chmod(mode) // the umask may have narrowed or the mode; set it exactly
      await (typeof data === "string" ? handle.writeFile(data, "utf8") : handle.writeFile(data))
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameOver(temporary, target)
  } catch (error) {
    await Fs.unlink(temporary).catch(() => undefined)
    throw error
  }
  // Make the rename itself durable. Some file systems refuse fsync on a directory: the rename still happened.
  const dir = await Fs.open(directory, "r").catch(() => undefined)
  if (dir !== undefined) await dir.sync().catch(() => undefined).finally(() => dir.close())
}

/** Rewrites an existing regular file in place (O_NOFOLLOW), truncated to `text`, flushed to disk. */
const overwrite = async (path: string, text: string): Promise<void> => {
  const bytes = Buffer.from(text, "utf8")
  const handle = await Fs.open(path, Fs.constants.O_WRONLY | (Fs.constants.O_NOFOLLOW ?? 0))
  try {
    let written = 0
    while (written < bytes.length) {
      written += (await handle.write(bytes, written, bytes.length - written, written)).bytesWritten
    }
    await handle.truncate(bytes.length)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Unlinks our temporaries for `fileName` in `directory` (regular files with our temporary names only). */
const removeTemporariesIn = async (directory: string, fileName: string): Promise<number> => {
  let removed = 0
  for (const entry of await Fs.readdir(directory, { withFileTypes: true })) {
    if (!entry.isFile() || !SecretFile.isTemporaryOf(fileName, entry.name)) continue
    try {
      await Fs.unlink(Path.join(directory, entry.name))
      removed++
    } catch (error) {
      if (!isCode(error, "ENOENT")) throw error
    }
  }
  return removed
}

/**
 * Unlinks the leftovers of interrupted writes of `path`: beside it, and beside the file it links to when it is a
 * symbolic link (where `writeAtomic` puts its temporaries then).
 */
const removeTemporaries = async (path: string): Promise<number> => {
  const target = await writeTarget(path).catch(() => path)
  const removed = await removeTemporariesIn(Path.dirname(path), Path.basename(path))
  return target === path ? removed : removed + await removeTemporariesIn(Path.dirname(target), Path.basename(target))
    .catch(() => 0)
}

interface HeldLockFile {
  readonly call: string
  readonly tryLock: () => Flock.TryLockResult
  readonly release: () => Promise<void>
}

/** A lock held through `handle`: released by unlocking, then closing the handle even when the unlock fails. */
const heldThrough = <H>(
  call: string,
  handle: H,
  lock: { tryLock: (handle: H) => Flock.TryLockResult; unlock: (handle: H) => void; close: (handle: H) => void }
): HeldLockFile => ({
  call,
  tryLock: () => lock.tryLock(handle),
  release: async () => {
    try {
      lock.unlock(handle)
    } finally {
      lock.close(handle)
    }
  }
})

/**
 * The lock file opened for the lock Codex takes on this platform: `flock` on POSIX, `LockFileEx` on Windows (where
 * Node's descriptors are out of reach, so the lock holds a handle of its own).
 */
const openLock = async (path: string): Promise<HeldLockFile> => {
  if (process.platform === "win32") {
    return heldThrough("LockFileEx", LockFileEx.open(path), {
      tryLock: LockFileEx.tryLockExclusive,
      unlock: LockFileEx.unlock,
      close: LockFileEx.close
    })
  }
  // The CLI's startup path took this lock when it decided to refresh: keep it (no other process saw it free).
  const handed = Handoff.take(path)
  if (handed !== undefined) {
    return heldThrough("flock", handed, {
      tryLock: Flock.tryLockExclusive,
      unlock: Flock.unlock,
      close: FsSync.closeSync
    })
  }
  // O_NOFOLLOW: a symbolic link planted at auth.lock is refused (ELOOP), never followed to lock (or create) some
  // other file; O_NONBLOCK: a FIFO there does not block the open; and anything but a regular file is refused.
  const { O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_RDWR } = FsSync.constants
  const handle = await Fs.open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600)
  const regular = await handle.stat().then((stats) => stats.isFile(), () => false)
  if (!regular) {
    await handle.close()
    throw new BoundedRead.ReadRefused(SecretFile.notRegularFileReason)
  }
  return {
    call: "flock",
    tryLock: () => Flock.tryLockExclusive(handle.fd),
    release: async () => {
      // Closing the descriptor drops the flock too; unlock first so a waiter gets it without delay.
      try {
        Flock.unlock(handle.fd)
      } catch {
        // nothing to do: close() below releases it
      }
      await handle.close()
    }
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: SecretFile.SecretFile.Service = SecretFile.makeNative({
  ...native,
  readText: BoundedRead.readText,
  readBytes: (path) => Fs.readFile(path).then((buffer) => new Uint8Array(buffer)),
  writeAtomic,
  overwrite,
  removeTemporaries,
  remove: (path) => Fs.unlink(path),
  stat: (path) =>
    Fs.stat(path).then((stats) => ({ isFile: stats.isFile(), isDirectory: stats.isDirectory(), mode: stats.mode })),
  ensureDirectory: (path, mode) => Fs.mkdir(path, { recursive: true, mode }),
  realPath: (path) => Fs.realpath(path),
  join: (...segments) => Path.join(...segments),
  lock: (path, options): Effect.Effect<void, SecretFile.SecretFileError, Scope.Scope> => {
    const timeoutMillis = options?.timeoutMillis ?? 30_000
    return Effect.gen(function*() {
      const held = yield* Effect.acquireRelease(
        SecretFile.attempt("lock", path, () => openLock(path), native),
        (held) => Effect.promise(() => held.release())
      )
      const tryOnce: Effect.Effect<boolean, SecretFile.SecretFileError> = Effect.suspend(() => {
        const result = Effect.try({
          try: () => held.tryLock(),
          catch: (cause) => new SecretFile.SecretFileError({ operation: "lock", path, reason: reasonOf(cause) })
        })
        return Effect.flatMap(
          result,
          (outcome): Effect.Effect<boolean, SecretFile.SecretFileError> =>
            outcome === "locked"
              ? Effect.succeed(true)
              : outcome === "busy"
              ? Effect.succeed(false)
              : Effect.fail(
                new SecretFile.SecretFileError({
                  operation: "lock",
                  path,
                  reason: `${held.call} failed (errno ${outcome.errno})`
                })
              )
        )
      })
      yield* SecretFile.pollLock(path, tryOnce, timeoutMillis)
    })
  }
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SecretFile.SecretFile> = Layer.succeed(SecretFile.SecretFile, make)
