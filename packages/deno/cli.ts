#!/usr/bin/env -S deno run -A
/**
 * `codex-auth` on Deno: `deno run -A packages/deno/cli.ts status|token|headers|login|refresh|logout …`, with the
 * Node CLI's flags, outputs and exit codes (see `src/DenoCli.ts`). `status`, `token` and `headers` on a fresh
 * auth.json are answered by the startup path (`src/internal/fast/cli.ts`, no Effect); everything else — and those
 * whenever the startup path is unsure (a stale token, a flag it does not know) — loads the full CLI.
 * CODEX_AUTH_NO_FAST_PATH=1 forces the full CLI.
 *
 * @module
 */
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as FastCli from "./src/internal/fast/cli.ts"

const writeAll = (stream: { writeSync(bytes: Uint8Array): number }, text: string): void => {
  const bytes = new TextEncoder().encode(text)
  let written = 0
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written))
}

const startup = (): { readonly answer: FastCli.Answer | undefined; readonly trace: string | undefined } => {
  try {
    const env = Deno.env.toObject()
    const settings = ReadModel.environment(env)
    return {
      answer: settings.noFastPath ? undefined : FastCli.run(Deno.args, env, Date.now()),
      trace: settings.startupTrace
    }
  } catch {
    // Whatever surprised the startup path (an environment not granted whole, …), the full CLI gives the real answer.
    return { answer: undefined, trace: undefined }
  }
}

const { answer, trace } = startup()

const traced = (line: string): void => {
  if (trace === undefined) return
  try {
    Deno.writeTextFileSync(trace, `${line} ${Deno.pid}\n`, { append: true })
  } catch {
    // a trace is for tests; it never changes an answer
  }
}

// Named through a variable, not a literal: Deno loads (reads and parses) the whole module graph of every literal
// `import("…")` before the program starts, which is the very cost the startup path is there to skip. From the
// repository this file runs as TypeScript; from the package (`dist/cli.js`) its siblings are JavaScript too.
const engine: string = import.meta.url.endsWith(".ts") ? "./src/DenoCli.ts" : "./src/DenoCli.js"

if (answer === undefined) {
  traced("engine")
  const { main }: typeof import("./src/DenoCli.ts") = await import(engine)
  // Exit once the command is done: open handles (stdin, keep-alive sockets) must not hold the process.
  Deno.exit(await main(Deno.args))
} else {
  traced("fast")
  if (answer.stdout !== "") writeAll(Deno.stdout, answer.stdout)
  if (answer.stderr !== "") writeAll(Deno.stderr, answer.stderr)
  Deno.exit(answer.code)
}
