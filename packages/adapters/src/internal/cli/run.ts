/**
 * What every `codex-auth` command shares: its common flags, the session environment, output (human lines on
 * stderr, one JSON document or the asked-for secret on stdout, through the runtime's process port) and the mapping of
 * every failure to one line and an exit code (the cause only with `--verbose`).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Format from "../../CliFormat.ts"
import * as Environment from "../facade/environment.ts"
import { CliRuntime, exitCodes, ExitWith, human } from "./runtime.ts"

export * from "./runtime.ts"

export interface Common {
  readonly codexHome: Option.Option<string>
  readonly store: Environment.StoreChoice | undefined
  readonly issuer: Option.Option<string>
  readonly clientId: Option.Option<string>
  readonly json: boolean
  readonly verbose: boolean
  /** `-c key=value` overrides of config.toml. */
  readonly config?: ReadonlyArray<string> | undefined
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

const messageOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" &&
    error.message !== ""
    ? error.message
    : undefined

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/** The one line a failure prints: what failed and what to do next. Never a secret (the errors carry none). */
export const describe = (error: unknown, common: Pick<Common, "codexHome">): string => {
  const tag = tagOf(error)
  if (tag === "CodexHomeNotFound" && Option.isSome(common.codexHome)) {
    const reason = (error as { reason: string }).reason === "missing" ? "does not exist" : "is not a directory"
    return `--codex-home ${common.codexHome.value} ${reason}. Create that directory, or leave out --codex-home ` +
      "to use CODEX_HOME or ~/.codex."
  }
  if (tag === "LoginRequired" && "reason" in (error as object)) {
    const reason = (error as { reason: string }).reason
    if (reason === "ci" || reason === "non-interactive") {
      const why = reason === "ci" ? "this looks like a CI environment (CI is set)" : "stdin/stdout are not a terminal"
      return `Not logging in: ${why}, so nobody could complete a login. Run \`codex-auth login\` in a terminal, ` +
        "or force a flow you can complete from here: `codex-auth login --flow device` (or --flow browser / paste)."
    }
  }
  if (tag === "ConfigError") return `Invalid configuration: ${oneLine(String(error))}. Fix the environment variable.`
  const message = messageOf(error)
  if (message !== undefined) return oneLine(message)
  return "An unexpected error occurred. Run again with --verbose to see the cause, and report it if it persists."
}

/**
 * Runs a command body with the session environment; prints a failure as one line (`--verbose`: the cause too) and
 * turns it into `ExitWith`. A body that answers a non-zero code exits with it.
 */
export const runCommand = <E, R>(
  common: Common,
  body: Effect.Effect<number, E, R>,
  environment: Layer.Layer<Exclude<R, CliRuntime>, unknown> | undefined = undefined
): Effect.Effect<void, ExitWith, CliRuntime> => {
  const provided = (environment === undefined ? body : Effect.provide(body, environment)) as Effect.Effect<
    number,
    unknown,
    CliRuntime
  >
  return provided.pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.interrupt : Effect.gen(function*() {
        const failure = Cause.failureOption(cause)
        const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
        if (error instanceof ExitWith) return error.code
        yield* human(`✗ ${describe(error, common)}`)
        if (common.verbose) yield* human(Cause.pretty(cause))
        return exitCodes.failure
      })
    ),
    Effect.flatMap((code) => code === 0 ? Effect.void : Effect.fail(new ExitWith({ code })))
  )
}

export const environmentOptions = (common: Common): Environment.EnvironmentOptions => ({
  codexHome: Option.getOrUndefined(common.codexHome),
  store: common.store,
  issuer: Option.getOrUndefined(common.issuer),
  clientId: Option.getOrUndefined(common.clientId),
  configOverrides: common.config
})

/** The session environment for a command, with this runtime's ports. */
export const environment = (
  options: Environment.EnvironmentOptions
): Effect.Effect<Layer.Layer<Environment.Services, unknown>, never, CliRuntime> =>
  Effect.map(CliRuntime, (runtime) => Environment.layer(runtime.platform, options))

export const formatTime = Format.formatTime
