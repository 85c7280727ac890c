/**
 * The CLI's fast path on Node: `token`, `headers` and `status` (with or without `--json`) answered from a readable
 * `auth.json` without loading Effect, for the hot loops that call them. The decisions and the output are
 * `@codex-auth/cli/CliFastPath`'s (shared with Deno's `cli.ts`); this module gives it Node's synchronous reads and,
 * for a stale token, the wait on auth.lock (`Waiter`). It returns `undefined` whenever the full CLI must answer, and
 * never writes anything.
 */
import * as FastPath from "@codex-auth/cli/CliFastPath"
import type * as ReadModel from "@codex-auth/core/ReadModel"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as BoundedRead from "../boundedRead.ts"
import * as Platform from "./platform.ts"
import * as Waiter from "./waiter.ts"

/** What the process prints and how it exits. */
export type Answer = FastPath.Answer

/** A command line the fast path understands. */
export type Parsed = FastPath.Parsed

/** CODEX_AUTH_STORE names another store (PostgreSQL, the keyring, …): the full CLI decides, this path never does. */
export const fileStoreByDefault: (env: ReadModel.Env) => boolean = FastPath.fileStoreByDefault

/** The argument shapes the fast path understands; anything else (help, other flags, `=` forms) is the full CLI's. */
export const parseArgs: (args: ReadonlyArray<string>) => FastPath.Parsed | undefined = FastPath.parseArgs

const isDirectory = (path: string): boolean => {
  try {
    return Fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

const realPath = (path: string): string | undefined => {
  try {
    return Fs.realpathSync(path)
  } catch {
    return undefined
  }
}

const readText = (path: string, maxBytes: number): string | undefined => {
  try {
    return BoundedRead.readTextSync(path, maxBytes)
  } catch {
    return undefined
  }
}

const modeOf = (path: string): number | undefined => {
  try {
    return Fs.statSync(path).mode
  } catch {
    return undefined
  }
}

const io = (env: ReadModel.Env, homeDirectory: () => string = Os.homedir): FastPath.Io => ({
  readText,
  isDirectory,
  realPath,
  modeOf,
  homeDirectory,
  join: Path.join,
  windows: process.platform === "win32",
  userAgent: (originator, version) => Platform.userAgent(originator, version, env)
})

/** `CODEX_HOME` as the full CLI resolves it (§8), without creating anything: `undefined` when that would be needed. */
export const resolveCodexHome = (
  explicit: string | undefined,
  env: ReadModel.Env,
  homeDirectory: string = Os.homedir()
): string | undefined => FastPath.resolveCodexHome(explicit, env, io(env, () => homeDirectory))

/**
 * How a stale token is handled: by default the full CLI answers; with `waitForRefresh` (the bin) the fast path waits
 * for auth.lock and answers from the token another process saved (`Waiter`), handing the lock to the engine when
 * this process is the one to refresh.
 */
export interface Options {
  readonly waitForRefresh?: boolean
  /** `false` (a terminal): when another process holds auth.lock, the full CLI waits, with its progress line. */
  readonly waitWhenBusy?: boolean
  /**
   * This process's own refresh just saved auth.json: its token is served even when it is already stale by §9 (an
   * issuer that mints tokens shorter-lived than the 5-minute skew), as the engine serves the token it just saved.
   */
  readonly servesSaved?: boolean
  readonly clock?: () => number
}

/** The answer of the fast path, or `undefined` when the full CLI must answer. */
export const run = (
  args: ReadonlyArray<string>,
  env: ReadModel.Env,
  now: number,
  options: Options = {}
): Answer | undefined =>
  FastPath.run(
    args,
    env,
    now,
    io(env),
    options.servesSaved === true ? ({ reread }) => reread() : options.waitForRefresh !== true ? undefined : ({
      directory,
      reread,
      served
    }) => {
      const outcome = Waiter.awaitRefresh({
        lockPath: Path.join(directory, "auth.lock"),
        served,
        read: reread,
        clock: options.clock ?? Date.now,
        ...(options.waitWhenBusy === undefined ? {} : { waitWhenBusy: options.waitWhenBusy })
      })
      return outcome._tag === "Adopted" ? outcome.credentials : undefined
    }
  )
