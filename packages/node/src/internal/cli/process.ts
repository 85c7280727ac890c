/** Node's runtime for the shared CLI (`@codex-auth/cli/Cli`): the process port, the ports and the account pool. */
import type * as Cli from "@codex-auth/cli/Cli"
import * as Effect from "effect/Effect"
import { platform } from "../../NodePlatform.ts"

// The pool's module loads only for the commands that use it (`login --account`), not for every refresh.
const pool = Effect.promise(() => import("../../NodeAccountPool.ts"))

/** All of stdin as text; the read stops (listeners removed, stdin paused) when the signal aborts. */
const readStdin = (signal: AbortSignal): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    const cleanup = () => {
      process.stdin.off("data", onData)
      process.stdin.off("end", onEnd)
      process.stdin.off("error", onError)
      signal.removeEventListener("abort", onAbort)
      process.stdin.pause()
    }
    const onData = (chunk: Buffer | string) => {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks).toString("utf8"))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    const onAbort = () => {
      cleanup()
      reject(new Error("aborted"))
    }
    process.stdin.on("data", onData)
    process.stdin.once("end", onEnd)
    process.stdin.once("error", onError)
    signal.addEventListener("abort", onAbort, { once: true })
  })

export const runtime: Cli.Runtime = {
  platform,
  process: {
    stdinIsTerminal: () => process.stdin.isTTY === true,
    stdoutIsTerminal: () => process.stdout.isTTY === true,
    stderrIsTerminal: () => process.stderr.isTTY === true,
    readStdin,
    writeStdout: (text) => {
      process.stdout.write(text)
    },
    writeStderr: (text) => {
      process.stderr.write(text)
    }
  },
  accountPool: {
    configPath: (explicit) => Effect.flatMap(pool, (module) => module.configPath(explicit)),
    addAccount: (account, options) => Effect.flatMap(pool, (module) => module.addAccount(account, options)),
    removeAccount: (name, options) => Effect.flatMap(pool, (module) => module.removeAccount(name, options))
  }
}
