// libc `flock(2)` through koffi (prebuilt, no compiler at install). Node has no flock of its own, and the Codex CLI
// excludes writers with flock on CODEX_HOME/auth.lock; fcntl-based locks (what most npm packages use) do not
// exclude flock on Linux. Loaded lazily: only processes that write credentials pay for it.
import { createRequire } from "node:module"

export const LOCK_EX = 2
export const LOCK_NB = 4
export const LOCK_UN = 8

interface Binding {
  readonly flock: (fd: number, operation: number) => number
  readonly errno: () => number
  readonly wouldBlock: ReadonlySet<number>
}

let binding: Binding | undefined

const libcPath = (): string => {
  switch (process.platform) {
    case "linux":
      return "libc.so.6"
    case "darwin":
      return "libSystem.B.dylib"
    case "freebsd":
    case "openbsd":
      return "libc.so.7"
    default:
      throw new Error(`flock is not available on ${process.platform}`)
  }
}

const load = (): Binding => {
  if (binding !== undefined) return binding
  const koffi = createRequire(import.meta.url)("koffi") as {
    load: (path: string) => { func: (signature: string) => (...args: Array<unknown>) => unknown }
    errno: () => number
  }
  const libc = koffi.load(libcPath())
  const flock = libc.func("int flock(int fd, int operation)") as (fd: number, operation: number) => number
  // EWOULDBLOCK: 11 on Linux, 35 on the BSDs and macOS; EINTR (4): try again too.
  binding = { flock, errno: () => koffi.errno(), wouldBlock: new Set([11, 35, 4]) }
  return binding
}

export type TryLockResult = "locked" | "busy" | { readonly errno: number }

/** One non-blocking attempt: `flock(fd, LOCK_EX | LOCK_NB)`. Throws only when flock cannot be loaded. */
export const tryLockExclusive = (fd: number): TryLockResult => {
  const { errno, flock, wouldBlock } = load()
  if (flock(fd, LOCK_EX | LOCK_NB) === 0) return "locked"
  const code = errno()
  return wouldBlock.has(code) ? "busy" : { errno: code }
}

export const unlock = (fd: number): void => {
  load().flock(fd, LOCK_UN)
}
