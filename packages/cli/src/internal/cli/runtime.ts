/**
 * The light half of the CLI's shared machinery, loaded with the command definitions: the runtime port (process,
 * platform, account pool), the exit convention and the output helpers. The session machinery is in run.ts, loaded
 * only when a command runs.
 */
import type * as Facade from "@codex-auth/facade/Facade"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Format from "../../CliFormat.ts"

/** The process as the CLI sees it: the TTY-ness and content of stdin, and the two output streams. */
export interface Process {
  readonly stdinIsTerminal: () => boolean
  /** All of stdin as text; rejects with an error whose `code` says why (aborting the signal stops the read). */
  readonly readStdin: (signal: AbortSignal) => Promise<string>
  readonly writeStdout: (text: string) => void
  readonly writeStderr: (text: string) => void
  /** Whether stdout / stderr is a terminal (help colours, progress lines). Default: not a terminal. */
  readonly stdoutIsTerminal?: (() => boolean) | undefined
  readonly stderrIsTerminal?: (() => boolean) | undefined
}

/** What {@link Runtime} knows of this run once the command line is checked (set by `Cli.run`). */
export interface Invocation {
  /** `codex-auth login`: what `--help` pointers name. */
  readonly command: string
  /** `--json` was given: every outcome, failures included, is one JSON document on stdout. */
  readonly json: boolean
  /** Whether anything was written to stdout yet (a failure after a document prints no second one). */
  readonly stdoutUsed: () => boolean
}

/** An account added to the pool by `login --account`. */
export interface AddedAccount {
  readonly name: string
  readonly codexHome: string
  readonly replaced: boolean
}

/** The account pool's file, for `login --account` (a runtime without one refuses the flag). */
export interface AccountPool {
  readonly configPath: (explicit: string | undefined) => Effect.Effect<string, unknown>
  readonly addAccount: (
    account: { readonly name: string; readonly codexHome?: string | undefined },
    options: { readonly configPath: string }
  ) => Effect.Effect<AddedAccount, unknown>
  readonly removeAccount: (name: string, options: { readonly configPath: string }) => Effect.Effect<boolean, unknown>
}

export interface Runtime {
  readonly platform: Facade.Platform
  readonly process: Process
  readonly accountPool?: AccountPool | undefined
  readonly invocation?: Invocation | undefined
}

/** `base` for one run: stdout writes are recorded, so a failure after a `--json` document prints no second one. */
export const forInvocation = (base: Runtime, invocation: Omit<Invocation, "stdoutUsed">): Runtime => {
  let stdoutUsed = false
  return {
    ...base,
    process: {
      ...base.process,
      writeStdout: (text) => {
        stdoutUsed = true
        base.process.writeStdout(text)
      }
    },
    invocation: { ...invocation, stdoutUsed: () => stdoutUsed }
  }
}

export class CliRuntime extends Context.Tag("@codex-auth/cli/Cli/CliRuntime")<CliRuntime, Runtime>() {}

/** How a command ends when it does not exit 0; the runtime's main turns it into the process's exit code. */
export class ExitWith extends Data.TaggedError("ExitWith")<{ readonly code: number }> {}

export const exitCodes = { failure: 1, usage: 2, interrupted: 130 } as const

export const human = (text: string): Effect.Effect<void, never, CliRuntime> =>
  Effect.map(CliRuntime, (runtime) => runtime.process.writeStderr(text.endsWith("\n") ? text : `${text}\n`))

export const stdout = (text: string): Effect.Effect<void, never, CliRuntime> =>
  Effect.map(CliRuntime, (runtime) => runtime.process.writeStdout(Format.line(text)))

export const json = (value: unknown): Effect.Effect<void, never, CliRuntime> =>
  Effect.map(CliRuntime, (runtime) => runtime.process.writeStdout(Format.jsonText(value)))

/** The JSON document of a failure: a stable `_tag`, the message and the next step. */
export const errorJson = (
  tag: string,
  message: string,
  next: string,
  extra: Record<string, unknown> = {}
): { readonly error: Record<string, unknown> } => ({ error: { _tag: tag, message, next, ...extra } })

/** Writes the failure document when `--json` asked for one and stdout holds nothing yet. */
export const jsonFailure = (runtime: Runtime, document: unknown): void => {
  const invocation = runtime.invocation
  if (invocation !== undefined && invocation.json && !invocation.stdoutUsed()) {
    runtime.process.writeStdout(Format.jsonText(document))
  }
}

/** Ctrl-C under `--json`: still one document (the exit code stays 130). */
export const onInterruptJson = (runtime: Runtime): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> =>
  Effect.onInterrupt(() =>
    Effect.sync(() =>
      jsonFailure(runtime, errorJson("Interrupted", "The command was interrupted.", "Run the command again."))
    )
  )

const sentence = (text: string): string => /[.!?]$/.test(text) ? text : `${text}.`

/** A usage error, printed: one line naming what is wrong and the command's `--help`; with `--json`, a document. */
export const reportUsage = (runtime: Runtime, message: string, flag?: string | undefined): void => {
  const command = runtime.invocation?.command ?? "codex-auth"
  const next = `See \`${command} --help\`.`
  runtime.process.writeStderr(`✗ ${sentence(message)} ${next}\n`)
  jsonFailure(runtime, errorJson("UsageError", sentence(message), next, flag === undefined ? {} : { flag }))
}

/** A bad flag value the parser could not catch: one line, exit 2. */
export const usageError = (message: string): Effect.Effect<never, ExitWith, CliRuntime> =>
  Effect.flatMap(CliRuntime, (runtime) => {
    reportUsage(runtime, message, /^--[a-z-]+/.exec(message)?.[0])
    return Effect.fail(new ExitWith({ code: exitCodes.usage }))
  })
