/**
 * `codex-auth app-server`: spawns `codex app-server ARG…` and stands in for it on stdio. stdin's lines go to the
 * bridge (the `initialize` gains `experimentalApi`; the login precedes the first request after `initialized`), the
 * server's lines come back on stdout (its refresh requests answered here, never shown to the host); the bridge's own
 * notes go to stderr. The app-server's exit code is ours; a signal that ended it ends us too; SIGINT, SIGTERM and
 * SIGHUP sent to us are passed on to it.
 */
import type { Common } from "@codex-auth/cli/Cli"
import { runCommand } from "@codex-auth/cli/Cli"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as NodeAppServer from "../../NodeAppServer.ts"
import * as Environment from "../facade/environment.ts"

export interface AppServerArgs extends Pick<Common, "codexHome" | "store" | "issuer" | "verbose"> {
  readonly codexBin: string | undefined
  readonly passthrough: ReadonlyArray<string>
}

const forwarded: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP"]

export const appServer = (args: AppServerArgs) => {
  const common: Common = { ...args, clientId: Option.none(), json: false }
  const body = Effect.scoped(Effect.gen(function*() {
    const running = yield* NodeAppServer.spawn({
      codexBin: args.codexBin,
      args: args.passthrough,
      // The app-server keeps its config and threads in the same CODEX_HOME as the login it is given.
      env: Option.isSome(args.codexHome) ? { ...process.env, CODEX_HOME: args.codexHome.value } : process.env,
      toHost: (line) => {
        process.stdout.write(`${line}\n`)
      },
      onEvent: (event) =>
        Effect.sync(() => {
          // stderr only: stdout is the protocol's.
          if (event._tag === "SignInFailed") process.stderr.write(`✗ codex-auth app-server: ${event.message}\n`)
          if (event._tag === "RefreshFailed") {
            process.stderr.write(`✗ codex-auth app-server: refresh answered with an error: ${event.message}\n`)
          }
        })
    })
    const onSignal = (signal: NodeJS.Signals) => running.kill(signal)
    for (const signal of forwarded) process.on(signal, onSignal)
    yield* Effect.addFinalizer(() => Effect.sync(() => forwarded.forEach((s) => process.off(s, onSignal))))
    process.stdin.on("data", running.sendBytes)
    process.stdin.once("end", running.end)
    process.stdin.on("error", running.end)
    const exit = yield* running.exited
    process.stdin.off("data", running.sendBytes)
    process.stdin.pause()
    if (exit.signal !== null) {
      // Die of the same signal, once stdout is flushed, so the host sees what it would see from the app-server.
      for (const signal of forwarded) process.removeAllListeners(signal)
      yield* Effect.async<void>((resume) => {
        process.stdout.write("", () => resume(Effect.void))
      })
      process.kill(process.pid, exit.signal)
      return yield* Effect.never
    }
    return exit.code ?? 1
  }))
  return Effect.flatMap(
    Effect.sync(() =>
      Environment.layer({
        codexHome: Option.getOrUndefined(args.codexHome),
        store: args.store,
        issuer: Option.getOrUndefined(args.issuer)
      })
    ),
    (layer) => runCommand(common, body, layer)
  )
}
