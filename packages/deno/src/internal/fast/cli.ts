/**
 * The CLI's startup path on Deno: `token`, `headers` and `status` (with or without `--json`) answered from a
 * readable `auth.json` without loading Effect. The decisions and the output are `@codex-auth/cli/CliFastPath`'s (the
 * same module Node's bin runs); this module gives it Deno's synchronous reads. A stale token is the engine's (Deno
 * has no lock hand-over to the engine). It returns `undefined` whenever the full CLI must answer, and never writes
 * anything.
 */
import * as FastPath from "@codex-auth/cli/CliFastPath"
import * as Bounded from "@codex-auth/core/BoundedRead"
import type * as ReadModel from "@codex-auth/core/ReadModel"
import { userAgent } from "../userAgent.ts"
import * as Platform from "./platform.ts"

export type Answer = FastPath.Answer

/**
 * A regular file's text, bounded, as `boundedRead.ts` reads it: the stat before the open (Deno has no O_NONBLOCK, so
 * a FIFO is refused before it could block), the opened file checked again, at most `maxBytes`, valid UTF-8.
 */
const readTextSync = (path: string, maxBytes: number): string => {
  Bounded.check(Deno.statSync(path), maxBytes)
  const file = Deno.openSync(path, { read: true })
  try {
    const opened = file.statSync()
    if (!opened.isFile) throw new Bounded.ReadRefused(Bounded.notRegularFileReason)
    return Bounded.decodeUtf8(Bounded.readAllSync(opened.size, maxBytes, (into) => file.readSync(into)))
  } finally {
    file.close()
  }
}

const attempt = <A>(body: () => A, otherwise: A): A => {
  try {
    return body()
  } catch {
    return otherwise
  }
}

/** Deno's synchronous reads for the startup path (none throws). */
export const io: FastPath.Io = {
  readText: (path, maxBytes) => attempt<string | undefined>(() => readTextSync(path, maxBytes), undefined),
  isDirectory: (path) => attempt(() => Deno.statSync(path).isDirectory, false),
  realPath: (path) => attempt<string | undefined>(() => Deno.realPathSync(path), undefined),
  modeOf: (path) => attempt<number | undefined>(() => Deno.statSync(path).mode ?? undefined, undefined),
  homeDirectory: Platform.homeDirectory,
  join: Platform.join,
  windows: Platform.windows,
  userAgent
}

/** The answer of the startup path, or `undefined` when the full CLI must answer. */
export const run = (args: ReadonlyArray<string>, env: ReadModel.Env, now: number): Answer | undefined =>
  FastPath.run(args, env, now, io)
