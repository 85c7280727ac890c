#!/usr/bin/env node
// The `codex-auth` command line. `token`, `headers` and `status` on a fresh auth.json are answered without loading
// Effect (internal/fast/cli.ts); so is a `token` / `headers` that waited on auth.lock for another process's refresh
// (internal/fast/waiter.ts). The one that found the token stale and holds auth.lock sends the refresh grant itself,
// still without Effect (internal/fast/refresh.ts; in the bundle dist/bundle/fast-refresh.cjs, through V8's code cache),
// and answers from the file it saved. Whatever that refresh does not handle goes to the engine, with the lock and the
// answer already received: internal/cli/refresh.ts (the same command body without the full CLI's parser; in the
// bundle, dist/bundle/refresh.js loads it through V8's code cache: internal/cli/refreshBundle.ts). Everything else —
// and those whenever the fast path is unsure — loads the full CLI. CODEX_AUTH_NO_FAST_PATH=1 forces the full CLI;
// CODEX_AUTH_FAST_REFRESH=0 leaves the refresh to the engine.
import type * as CliSession from "@codex-auth/cli/CliSession"
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as FastCli from "../internal/fast/cli.ts"
import type * as FastRefresh from "../internal/fast/refresh.ts"
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

const print = (answer: FastCli.Answer): void => {
  if (answer.stdout !== "") process.stdout.write(answer.stdout)
  if (answer.stderr !== "") process.stderr.write(answer.stderr)
  process.exitCode = answer.code
}

/**
 * The engine's refresh. `handOver`, when the startup path tried first: called once the engine listens for signals
 * itself, it stops the startup path's listening and names a signal that came meanwhile, which then reaches the engine
 * (it stops as it does on one, once a grant already on its way has been saved).
 */
const engineRefresh = (
  refresh: CliSession.Parsed,
  recorded?: FastRefresh.Recorded,
  handOver?: () => NodeJS.Signals | undefined
): void => {
  trace("engine refresh")
  void import("../internal/cli/refresh.ts").then((engine) => {
    engine.start(refresh, recorded)
    const signal = handOver?.()
    if (signal !== undefined) process.kill(process.pid, signal)
  })
}

/**
 * The refresh this process holds auth.lock for, sent by the startup path itself (internal/fast/refresh.ts) unless
 * CODEX_AUTH_FAST_REFRESH=0: saved, the lock is released at once and the fast path answers from the saved file;
 * anything else is the engine's, with the lock and with the grant already sent, if it was.
 */
const fastRefresh = async (refresh: CliSession.Parsed): Promise<void> => {
  const directory = FastCli.resolveCodexHome(refresh.codexHome, process.env)
  if (directory === undefined) return engineRefresh(refresh)
  // As the engine does: a signal once the grant may be on its way waits for the answer to be saved (a second one
  // stops at once), then the command stops with the engine's exit code and output for an interruption.
  let signalled: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled === undefined) {
      signalled = signal
      return
    }
    stopListening()
    process.kill(process.pid, signal)
  }
  const stopListening = () => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
  }
  const handOver = () => {
    stopListening()
    return signalled
  }
  const module = await import("../internal/fast/refresh.ts")
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  let outcome: FastRefresh.Outcome
  try {
    outcome = await module.refresh(directory, process.env, { interrupted: () => signalled !== undefined })
  } catch {
    // Only where nothing was sent (a request Node refused to build): the engine refreshes, with the lock.
    return engineRefresh(refresh, undefined, handOver)
  }
  if (signalled !== undefined) {
    trace(`fast refresh interrupted: ${outcome._tag === "Saved" ? "saved" : outcome.reason}`)
    return engineRefresh(refresh, outcome._tag === "Saved" ? undefined : outcome.recorded, handOver)
  }
  if (outcome._tag === "Engine") {
    trace(`fast refresh declined: ${outcome.reason}`)
    return engineRefresh(refresh, outcome.recorded, handOver)
  }
  stopListening()
  trace("fast refresh")
  const fd = Handoff.take(Path.join(directory, "auth.lock"))
  if (fd !== undefined) Fs.closeSync(fd)
  const answer = FastCli.run(process.argv.slice(2), process.env, Date.now(), { servesSaved: true })
  if (answer !== undefined) return print(answer)
  trace("engine")
  void import("../internal/cli/main.ts")
}

const answer = fastAnswer()
if (answer === undefined) {
  const refresh = handedRefresh()
  if (refresh === undefined) {
    trace("engine")
    void import("../internal/cli/main.ts")
  } else if (settings.fastRefresh) {
    // Should the startup refresh's module not load, the engine refreshes (with the lock, which is still held).
    fastRefresh(refresh).catch(() => engineRefresh(refresh))
  } else {
    engineRefresh(refresh)
  }
} else {
  trace("fast")
  print(answer)
}
