/**
 * Running the command line: the check of `argv` before @effect/cli parses it (help, version, usage errors; see
 * usage.ts), the one-line reports of what @effect/cli refuses or what fails unexpectedly, and the process's exit code.
 * `Cli.run` and `Cli.exitCode` are these; the command definitions stay in Cli.ts.
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime_ from "./runtime.ts"
import type { CliRuntime } from "./runtime.ts"
import * as Usage from "./usage.ts"

const version = "0.1.0"

const isHttpUrl = (value: string): string | undefined => {
  try {
    const url = new URL(value)
    return url.protocol === "https:" || url.protocol === "http:"
      ? undefined
      : `expected an http(s) URL such as https://auth.openai.com`
  } catch {
    return "expected an http(s) URL such as https://auth.openai.com"
  }
}

/** Values the parser takes as text but that cannot mean anything: refused as usage errors naming the flag. */
const validators: Usage.Validators = { issuer: isHttpUrl }

/** `codex-auth completion <shell>`: @effect/cli's completion scripts, as a command of their own. */
const completionSpec: Usage.CommandSpec = {
  name: "completion",
  description: "Print a shell completion script (bash, fish or zsh), e.g. `source <(codex-auth completion bash)`.",
  flags: [],
  subcommands: [],
  args: [{ name: "shell", choices: ["bash", "fish", "zsh"] }]
}

const noPool = "is the account pool's, which this runtime does not offer yet; use the Node `codex-auth` for it"

const colour = Effect.map(
  Effect.all([
    Config.option(Config.string("NO_COLOR")),
    Config.option(Config.string("FORCE_COLOR"))
  ]).pipe(Effect.orElseSucceed(() => [Option.none<string>(), Option.none<string>()] as const)),
  ([noColor, forceColor]) => ({
    off: Option.isSome(noColor) && noColor.value !== "",
    forced: Option.isSome(forceColor) && forceColor.value !== "" && forceColor.value !== "0"
  })
)

// eslint-disable-next-line no-control-regex -- ANSI escapes are what it removes
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "")

/** `Cli.run`: checks `argv`, then runs the root command on it with the runtime and @effect/cli's environment. */
export const run = <A>(
  root: Command.Command<"codex-auth", CliRuntime | CliApp.CliApp.Environment, unknown, A>,
  options: {
    readonly argv: ReadonlyArray<string>
    readonly runtime: Runtime_.Runtime
    readonly environment: Layer.Layer<CliApp.CliApp.Environment>
  }
): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    const base = options.runtime
    const unavailable: Record<string, string> = base.accountPool === undefined
      ? { account: `--account ${noPool}`, pool: `--pool ${noPool}` }
      : {}
    const described = Usage.fromCommand(root, Object.keys(unavailable))
    const spec: Usage.CommandSpec = { ...described, subcommands: [...described.subcommands, completionSpec] }
    const args = options.argv.slice(2)
    const checked = Usage.check(spec, args, validators, unavailable)
    const runtime = Runtime_.forInvocation(base, {
      command: ["codex-auth", ...checked._tag === "Help" || checked._tag === "Version" ? [] : checked.path].join(" "),
      json: checked._tag === "Run" || checked._tag === "Invalid" ? checked.json : false
    })
    switch (checked._tag) {
      case "Help": {
        const { forced, off } = yield* colour
        const tty = base.process.stdoutIsTerminal?.() === true
        const style = forced || (tty && !off) ? Usage.ansi : Usage.plain
        runtime.process.writeStdout(Usage.help(spec, checked.path, style, version))
        return
      }
      case "Version":
        runtime.process.writeStdout(`codex-auth ${version}\n`)
        return
      case "Invalid":
        Runtime_.reportUsage(runtime, checked.message, checked.flag)
        return yield* Effect.fail(new Runtime_.ExitWith({ code: Runtime_.exitCodes.usage }))
      case "Run":
        break
    }
    const argv = checked.path[0] === "completion"
      ? [...options.argv.slice(0, 2), "--completions", args[args.indexOf("completion") + 1]!]
      : options.argv
    // @effect/cli prints what it refuses with `Console.error` (in ANSI): keep that text for our own one line, and give
    // the command bodies the ordinary console back.
    const refused: Array<string> = []
    const console = yield* Console.consoleWith(Effect.succeed)
    const capturing: Console.Console = {
      ...console,
      error: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void refused.push(parts.map(String).join(" ")))
    }
    const app = Command.transformHandler(root, (effect) => Effect.withConsole(effect, console))
    return yield* Command.run(app, { name: "codex-auth", version })(argv).pipe(
      Effect.withConsole(capturing),
      Effect.catchIf(ValidationError.isValidationError, () => {
        const text = stripAnsi(refused.join("\n")).split("\n").map((line) => line.trim()).find((line) => line !== "")
        Runtime_.reportUsage(runtime, text ?? "invalid command line")
        return Effect.fail(new Runtime_.ExitWith({ code: Runtime_.exitCodes.usage }))
      }),
      Effect.catchAllCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure) && failure.value instanceof Runtime_.ExitWith) return Effect.failCause(cause)
        runtime.process.writeStderr(
          `✗ codex-auth failed unexpectedly: ${Cause.pretty(cause).split("\n")[0]}. Please report this.\n`
        )
        Runtime_.jsonFailure(
          runtime,
          Runtime_.errorJson("UnexpectedError", "codex-auth failed unexpectedly.", "Please report this.")
        )
        return Effect.fail(new Runtime_.ExitWith({ code: Runtime_.exitCodes.failure }))
      }),
      Runtime_.onInterruptJson(runtime),
      Effect.provide(options.environment),
      Effect.provideService(Runtime_.CliRuntime, runtime)
    )
  })

/** `Cli.exitCode`: the exit code for how {@link run} ended; an unexpected failure is reported on stderr first. */
export const exitCode = (exit: Exit.Exit<void, unknown>, runtime: Runtime_.Runtime): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) return Runtime_.exitCodes.interrupted
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const error = failure.value
    if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "ExitWith") {
      return (error as unknown as { code: number }).code
    }
    // Bad flags and values: @effect/cli has printed what is wrong.
    if (ValidationError.isValidationError(error)) return Runtime_.exitCodes.usage
  }
  runtime.process.writeStderr(
    `✗ codex-auth failed unexpectedly: ${Cause.pretty(exit.cause).split("\n")[0]}. Please report this.\n`
  )
  return Runtime_.exitCodes.failure
}
