#!/usr/bin/env node
// The `codex-auth` command line. `token`, `headers` and `status` on a fresh auth.json are answered without loading
// Effect (internal/fast/cli.ts); everything else — and those whenever the fast path is unsure — loads the full CLI.
// CODEX_AUTH_NO_FAST_PATH=1 forces the full CLI.
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as FastCli from "../internal/fast/cli.ts"

const fastAnswer = (): FastCli.Answer | undefined => {
  if (ReadModel.environment(process.env).noFastPath) return undefined
  try {
    return FastCli.run(process.argv.slice(2), process.env, Date.now())
  } catch {
    // Whatever surprised the fast path, the full CLI gives the real answer (and the real error).
    return undefined
  }
}

const answer = fastAnswer()
if (answer === undefined) {
  void import("../internal/cli/main.ts")
} else {
  if (answer.stdout !== "") process.stdout.write(answer.stdout)
  if (answer.stderr !== "") process.stderr.write(answer.stderr)
  process.exitCode = answer.code
}
