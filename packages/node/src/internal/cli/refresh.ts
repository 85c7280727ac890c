// The engine of a `token` / `headers` whose startup path (bin/codex-auth.ts) found the stored token stale and took
// auth.lock for it (internal/fast/waiter.ts): the same command body as the full CLI (`@codex-auth/cli/CliSession`),
// without @effect/cli's parser, which costs more to load than the refresh itself. scripts/bundle.mjs builds it as one
// file of its own (dist/bundle/refresh.cjs, which dist/bundle/refresh.js loads through V8's code cache): a refresh
// loads one module, not the full CLI's chunks.
import * as CliSession from "@codex-auth/cli/CliSession"
import * as Effect from "effect/Effect"
import type * as FastRefresh from "../fast/refresh.ts"
import { runtime } from "./process.ts"
import * as Replay from "./replay.ts"

/**
 * Runs the parsed command and exits with its code once stdout is flushed, as the full CLI's main does. `recorded`:
 * the grant the startup path already sent (internal/fast/refresh.ts), which the session takes as its first one.
 */
export const start = (parsed: CliSession.Parsed, recorded?: FastRefresh.Recorded): void => {
  // A grant the startup path sent may still bring rotated tokens: a signal before the session took it over (inside its
  // uninterruptible refresh, which saves the answer before the interruption takes effect) waits until it has.
  let untaken = recorded !== undefined
  let interruptWhenTaken = false
  const onTaken = () => {
    untaken = false
    if (interruptWhenTaken) fiber.unsafeInterruptAsFork(fiber.id())
  }
  const withRecorded = recorded === undefined ? runtime : {
    ...runtime,
    platform: { ...runtime.platform, httpClient: Replay.layer(recorded, runtime.platform.httpClient, onTaken) }
  }
  const fiber = Effect.runFork(CliSession.run(parsed, withRecorded))
  const onSignal = () => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    if (untaken) interruptWhenTaken = true
    else fiber.unsafeInterruptAsFork(fiber.id())
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    const code = CliSession.exitCode(exit, withRecorded)
    // Open handles (keep-alive sockets) must not hold the process.
    process.stdout.write("", () => process.exit(code))
  })
}
