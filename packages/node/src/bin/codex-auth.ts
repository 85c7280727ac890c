#!/usr/bin/env node
// The `codex-auth` command line. `token`, `headers` and `status` on a fresh auth.json are answered without loading
// Effect (internal/fast/cli.ts); so is a `token` / `headers` that waited on auth.lock for another process's refresh
// (internal/fast/waiter.ts). The one that found the token stale and holds auth.lock for its engine refreshes through
// internal/cli/refresh.ts (the same command body without the full CLI's parser; in the bundle, dist/bundle/refresh.js
// loads it through V8's code cache: internal/cli/refreshBundle.ts). Everything else — and those
// whenever the fast path is unsure — loads the full CLI. CODEX_AUTH_NO_FAST_PATH=1 forces the full CLI.
import type * as CliSession from "@codex-auth/cli/CliSession"
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as FastCli from "../internal/fast/cli.ts"
import { trace as traceTo } from "../internal/fast/trace.ts"
import * as Handoff from "../internal/lock/handoff.ts"

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

const trace = (line: string): void => traceTo(settings, line)

/** The command line of a refresh this process's startup path took auth.lock for, else `undefined`. */
const handedRefresh = (): CliSession.Parsed | undefined => {
  if (!Handoff.held()) return undefined
  const parsed = FastCli.parseArgs(process.argv.slice(2))
  if (parsed === undefined || parsed.command === "status") return undefined
  return { ...parsed, command: parsed.command }
}

const answer = fastAnswer()
if (answer === undefined) {
  const refresh = handedRefresh()
  trace(refresh === undefined ? "engine" : "engine refresh")
  if (refresh === undefined) {
    void import("../internal/cli/main.ts")
  } else {
    void import("../internal/cli/refresh.ts").then((engine) => engine.start(refresh))
  }
} else {
  trace("fast")
  if (answer.stdout !== "") process.stdout.write(answer.stdout)
  if (answer.stderr !== "") process.stderr.write(answer.stderr)
  process.exitCode = answer.code
}
