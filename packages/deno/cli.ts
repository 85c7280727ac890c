#!/usr/bin/env -S deno run -A
/**
 * `codex-auth` on Deno: `deno run -A packages/deno/cli.ts status|token|headers|login|refresh|logout …`, with the
 * Node CLI's flags, outputs and exit codes (see `src/DenoCli.ts`).
 *
 * @module
 */
import { main } from "./src/DenoCli.ts"

// Exit once the command is done: open handles (stdin, keep-alive sockets) must not hold the process.
Deno.exit(await main(Deno.args))
