// A flock on auth.lock that the CLI's startup path already holds, handed to the engine of the same process: the
// process that found the token stale and took the lock keeps it from that decision through the refresh and the save,
// so the processes waiting on the lock meanwhile never see it free with a stale token (and never load the engine).
// One slot per process (a global, so every copy of this module — the bin's, a bundle's chunk — sees the same one).
import * as FsSync from "node:fs"

interface Held {
  readonly fd: number
  readonly dev: number
  readonly ino: number
}

const slot = Symbol.for("@codex-auth/node/handedAuthLock")
const store = globalThis as { [slot]?: Held }

/** Hands a descriptor that holds `LOCK_EX` on auth.lock to the engine's first lock. */
export const give = (fd: number): void => {
  const stats = FsSync.fstatSync(fd)
  store[slot] = { fd, dev: stats.dev, ino: stats.ino }
}

/** Whether this process holds a lock for its engine (given and not yet taken). */
export const held = (): boolean => store[slot] !== undefined

const drop = (held: Held): void => {
  try {
    FsSync.closeSync(held.fd)
  } catch {
    // already closed: the lock is gone either way
  }
}

/**
 * The handed descriptor when it locks the file at `path` (same device and inode), else `undefined`. The slot is
 * emptied either way: a lock that is not the one asked for is released at once, so the engine can never wait for a
 * lock its own process holds.
 */
export const take = (path: string): number | undefined => {
  const held = store[slot]
  if (held === undefined) return undefined
  delete store[slot]
  try {
    const stats = FsSync.lstatSync(path)
    if (stats.isFile() && stats.dev === held.dev && stats.ino === held.ino) return held.fd
  } catch {
    // not there any more: release below
  }
  drop(held)
  return undefined
}
