/**
 * The session commands `token` and `headers` on a command line a runtime's startup path has already parsed, without
 * loading @effect/cli: building `Cli`'s command descriptors costs more than the refresh itself, so a runtime whose
 * startup path found the stored token stale (and holds `auth.lock` for its engine) runs the same command body through
 * this module instead. The body, its output, its failures and its exit codes are `Cli`'s — the `token` and `headers`
 * commands' own (`internal/cli/session.ts`) — only the parsing is skipped; anything the startup path did not parse is
 * `Cli.run`'s.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { Common } from "./internal/cli/run.ts"
import * as Runtime_ from "./internal/cli/runtime.ts"

/**
 * A command this module runs.
 *
 * @since 0.1.0
 * @category models
 */
export type Command = "token" | "headers"

/**
 * What the startup path parsed: the command, `--json`, `--codex-home DIR` and `--store file`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parsed {
  readonly command: Command
  readonly json: boolean
  readonly codexHome: string | undefined
  readonly fileStore: boolean
}

const unexpected = (runtime: Runtime_.Runtime, cause: Cause.Cause<unknown>): void => {
  runtime.process.writeStderr(
    `✗ codex-auth failed unexpectedly: ${Cause.pretty(cause).split("\n")[0]}. Please report this.\n`
  )
  Runtime_.jsonFailure(
    runtime,
    Runtime_.errorJson("UnexpectedError", "codex-auth failed unexpectedly.", "Please report this.")
  )
}

/**
 * Runs the command as `Cli.run` runs it once the command line is checked: the same invocation (`codex-auth token`,
 * `--json`), the same body, an unexpected failure reported in one line (and one JSON document under `--json`), and
 * Ctrl-C under `--json` still one document.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (parsed: Parsed, base: Runtime_.Runtime): Effect.Effect<void, Runtime_.ExitWith> =>
  Effect.suspend(() => {
    const runtime = Runtime_.forInvocation(base, { command: `codex-auth ${parsed.command}`, json: parsed.json })
    const common: Common = {
      codexHome: Option.fromNullable(parsed.codexHome),
      store: parsed.fileStore ? "file" : undefined,
      issuer: Option.none(),
      clientId: Option.none(),
      json: parsed.json,
      verbose: false,
      config: []
    }
    return Effect.flatMap(
      Effect.promise(() => import("./internal/cli/session.ts")),
      (session) => parsed.command === "token" ? session.token(common) : session.headers(common)
    ).pipe(
      Effect.catchAllCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure) && failure.value instanceof Runtime_.ExitWith) return Effect.failCause(cause)
        unexpected(runtime, cause)
        return Effect.fail(new Runtime_.ExitWith({ code: Runtime_.exitCodes.failure }))
      }),
      Runtime_.onInterruptJson(runtime),
      Effect.provideService(Runtime_.CliRuntime, runtime)
    )
  })

/**
 * The process's exit code for how {@link run} ended (as `Cli.exitCode`).
 *
 * @since 0.1.0
 * @category running
 */
export const exitCode = (exit: Exit.Exit<void, unknown>, runtime: Runtime_.Runtime): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) return Runtime_.exitCodes.interrupted
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && failure.value instanceof Runtime_.ExitWith) return failure.value.code
  unexpected(runtime, exit.cause)
  return Runtime_.exitCodes.failure
}
