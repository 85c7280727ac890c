// The full `codex-auth` command line (loaded by bin/codex-auth.ts when the fast path does not answer). Each
// subcommand lives in bin/commands/ and loads its machinery only when it runs.
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { accountsCommand } from "../../bin/commands/accounts.ts"
import { emulatorCommand } from "../../bin/commands/emulator.ts"
import { loginCommand } from "../../bin/commands/login.ts"
import {
  headersCommand,
  logoutCommand,
  refreshCommand,
  statusCommand,
  tokenCommand
} from "../../bin/commands/session.ts"
import * as StderrTerminal from "../facade/terminal.ts"

const root = Command.make("codex-auth").pipe(
  Command.withDescription("Sign in with ChatGPT the way the Codex CLI does, and keep the tokens valid."),
  Command.withSubcommands([
    loginCommand,
    statusCommand,
    tokenCommand,
    headersCommand,
    refreshCommand,
    logoutCommand,
    accountsCommand,
    emulatorCommand
  ])
)

const cli = Command.run(root, { name: "codex-auth", version: "0.1.0" })

const environment = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, StderrTerminal.layer)

const exitCodeOf = (exit: Exit.Exit<void, unknown>): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) return 130
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const error = failure.value
    if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "ExitWith") {
      return (error as unknown as { code: number }).code
    }
    // Bad flags and values: @effect/cli has printed what is wrong.
    if (ValidationError.isValidationError(error)) return 2
  }
  process.stderr.write(
    `✗ codex-auth failed unexpectedly: ${Cause.pretty(exit.cause).split("\n")[0]}. Please report this.\n`
  )
  return 1
}

const fiber = Effect.runFork(Effect.provide(cli(process.argv), environment))

const onSignal = () => {
  process.removeListener("SIGINT", onSignal)
  process.removeListener("SIGTERM", onSignal)
  fiber.unsafeInterruptAsFork(fiber.id())
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

fiber.addObserver((exit) => {
  const code = exitCodeOf(exit)
  // Exit once stdout is flushed: open handles (stdin, keep-alive sockets) must not hold the process.
  process.stdout.write("", () => process.exit(code))
})
