/**
 * The startup path of a `token` / `headers` whose stored token is stale: only the process that holds `auth.lock`
 * needs the engine. This takes the lock (waiting while another process holds it), then re-reads auth.json: when the
 * read model says the file now holds a fresh token another process saved (adopt-newer + freshness), the answer is
 * that token and the engine is never loaded; otherwise this process keeps the lock and hands it to its engine
 * (`Handoff`), which refreshes under it — so every other waiter finds the lock held until the new token is saved.
 * It never writes auth.json (at most it creates the empty auth.lock the engine would create); anything unexpected
 * leaves the decision to the full CLI.
 */
import * as ReadModel from "@codex-auth/core/ReadModel"
import type * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as FsSync from "node:fs"
import * as Flock from "../lock/flock.ts"
import * as Handoff from "../lock/handoff.ts"

export type Outcome =
  /** Another process saved a fresh token while this one waited: answer from it. */
  | { readonly _tag: "Adopted"; readonly credentials: StoredAuth.Credentials }
  /** This process holds the lock, handed to its engine: the full CLI refreshes. */
  | { readonly _tag: "Refresh" }
  /** The full CLI decides (Windows, no flock, a lock file that is not a regular file, a lock held too long). */
  | { readonly _tag: "Unsure" }

const unsure: Outcome = { _tag: "Unsure" }

/** The engine's own bound on waiting for auth.lock (NodeSecretFile's default). */
export const lockTimeoutMillis = 30_000

const sleeper = new Int32Array(new SharedArrayBuffer(4))
// Nothing else runs in this process yet: a blocking sleep between attempts costs no one anything.
const sleep = (millis: number): void => {
  Atomics.wait(sleeper, 0, 0, millis)
}

const close = (fd: number): void => {
  try {
    FsSync.closeSync(fd)
  } catch {
    // nothing left to release
  }
}

const openLock = (path: string): number | undefined => {
  const { O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_RDWR } = FsSync.constants
  let fd: number
  try {
    // As the engine opens it: O_NOFOLLOW (a planted symbolic link is refused), O_NONBLOCK (a FIFO does not block).
    fd = FsSync.openSync(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600)
  } catch {
    return undefined
  }
  try {
    if (FsSync.fstatSync(fd).isFile()) return fd
  } catch {
    // refused below
  }
  close(fd)
  return undefined
}

/**
 * Waits for `auth.lock` at `lockPath` and decides, by the read model, whether the file now answers. `served` is
 * what the first read held (stale); `read` re-reads auth.json's credentials.
 */
export const awaitRefresh = (options: {
  readonly lockPath: string
  readonly served: StoredAuth.Credentials
  readonly read: () => StoredAuth.Credentials | undefined
  readonly clock: () => number
  readonly timeoutMillis?: number
  /** `false`: a held lock is the full CLI's to wait for (on a terminal it says what it waits for). */
  readonly waitWhenBusy?: boolean
}): Outcome => {
  if (process.platform === "win32") return unsure
  const fd = openLock(options.lockPath)
  if (fd === undefined) return unsure
  const started = options.clock()
  const deadline = started + (options.timeoutMillis ?? lockTimeoutMillis)
  let delay = 2
  try {
    for (;;) {
      const result = Flock.tryLockExclusive(fd)
      if (result === "locked") break
      if (result !== "busy" || options.waitWhenBusy === false || options.clock() >= deadline) {
        close(fd)
        return unsure
      }
      sleep(delay * (0.5 + Math.random()))
      // A refresh ends within a second or so: until then a freed lock is noticed within ~10 ms (a try is one flock
      // call), after that within ~50 ms (a login, a slow issuer).
      delay = Math.min(delay * 2, options.clock() - started < 2_000 ? 10 : 50)
    }
  } catch {
    // flock could not be loaded
    close(fd)
    return unsure
  }
  let current: StoredAuth.Credentials | undefined
  try {
    current = options.read()
  } catch {
    current = undefined
  }
  if (
    current !== undefined &&
    ReadModel.adoptsNewer(ReadModel.bearer(options.served), ReadModel.bearer(current)) &&
    ReadModel.isFresh(current, options.clock())
  ) {
    close(fd)
    return { _tag: "Adopted", credentials: current }
  }
  try {
    Handoff.give(fd)
  } catch {
    // never leave this process holding a lock its engine would wait for
    close(fd)
    return unsure
  }
  return { _tag: "Refresh" }
}
