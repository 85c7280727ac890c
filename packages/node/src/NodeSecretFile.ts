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
import { overwrite, removeTemporaries, writeAtomic } from "./internal/secretFiles.ts"

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
