// The engine of a `token` / `headers` whose startup path (bin/codex-auth.ts) found the stored token stale and took
// auth.lock for it (internal/fast/waiter.ts): the same command body as the full CLI (`@codex-auth/cli/CliSession`),
// without @effect/cli's parser, which costs more to load than the refresh itself. scripts/bundle.mjs builds it as one
// file of its own (dist/bundle/refresh.cjs, which dist/bundle/refresh.js loads through V8's code cache): a refresh
// loads one module, not the full CLI's chunks.
import * as CliSession from "@codex-auth/cli/CliSession"
import * as Effect from "effect/Effect"
import { runtime } from "./process.ts"

/** Runs the parsed command and exits with its code once stdout is flushed, as the full CLI's main does. */
export const start = (parsed: CliSession.Parsed): void => {
  const fiber = Effect.runFork(CliSession.run(parsed, runtime))
  const onSignal = () => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    const code = CliSession.exitCode(exit, runtime)
    // Open handles (keep-alive sockets) must not hold the process.
    process.stdout.write("", () => process.exit(code))
  })
}
