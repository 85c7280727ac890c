#!/usr/bin/env node
// The `codex-auth` command line. `token`, `headers` and `status` on a fresh auth.json are answered without loading
// Effect (internal/fast/cli.ts); so is a `token` / `headers` that waited on auth.lock for another process's refresh
// (internal/fast/waiter.ts). Everything else — and those whenever the fast path is unsure — loads the full CLI.
// CODEX_AUTH_NO_FAST_PATH=1 forces the full CLI.
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as Fs from "node:fs"
import * as FastCli from "../internal/fast/cli.ts"

const settings = ReadModel.environment(process.env)

const fastAnswer = (): FastCli.Answer | undefined => {
  if (settings.noFastPath) return undefined
  try {
    return FastCli.run(process.argv.slice(2), process.env, Date.now(), {
      waitForRefresh: true,
      // On a terminal a wait for another process's lock is the full CLI's: it says what it waits for.
      waitWhenBusy: process.stderr.isTTY !== true
    })
  } catch {
    // Whatever surprised the fast path, the full CLI gives the real answer (and the real error).
    return undefined
  }
}

const trace = (line: string): void => {
  if (settings.startupTrace === undefined) return
  try {
    Fs.appendFileSync(settings.startupTrace, `${line} ${process.pid}\n`)
  } catch {
    // a trace is for tests; it never changes an answer
  }
}

const answer = fastAnswer()
if (answer === undefined) {
  trace("engine")
  void import("../internal/cli/main.ts")
} else {
  trace("fast")
  if (answer.stdout !== "") process.stdout.write(answer.stdout)
  if (answer.stderr !== "") process.stderr.write(answer.stderr)
  process.exitCode = answer.code
}
