/**
 * The CLI's startup trace (`CODEX_AUTH_STARTUP_TRACE`): one line per event, `<event> <pid>`, appended to the file it
 * names — whether a process answered on its startup path (`fast`) or loaded the engine (`engine`, `engine refresh`),
 * and what became of the engine's code cache (`code-cache hit`, …). Tests and benchmarks count the lines.
 */
import type * as ReadModel from "@codex-auth/core/ReadModel"
import * as Fs from "node:fs"

export const trace = (settings: ReadModel.Settings, line: string): void => {
  if (settings.startupTrace === undefined) return
  try {
    Fs.appendFileSync(settings.startupTrace, `${line} ${process.pid}\n`)
  } catch {
    // a trace is for tests; it never changes an answer
  }
}
