// The full `codex-auth` command line (loaded by bin/codex-auth.ts when the fast path does not answer): the commands
// every runtime shares (`@codex-auth/cli/Cli`) and the Node-only `accounts` and `emulator`, with Node's runtime.
import * as Cli from "@codex-auth/cli/Cli"
import * as Command from "@effect/cli/Command"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { accountsCommand } from "../../bin/commands/accounts.ts"
import { appServerCommand } from "../../bin/commands/appServer.ts"
import { brokerCommand } from "../../bin/commands/broker.ts"
import { emulatorCommand } from "../../bin/commands/emulator.ts"
import { storeCommand } from "../../bin/commands/store.ts"
import * as StderrTerminal from "../facade/terminal.ts"
import { runtime } from "./process.ts"

// `codex-auth app-server … -- ARG…`: what follows `--` is the app-server's, not ours to parse.
const isAppServer = process.argv[2] === "app-server"
const separator = isAppServer ? process.argv.indexOf("--", 3) : -1
const argv = separator < 0 ? process.argv : process.argv.slice(0, separator)
const passthrough = separator < 0 ? [] : process.argv.slice(separator + 1)

const root = Command.make("codex-auth").pipe(
  Command.withDescription(Cli.description),
  Command.withSubcommands([
    ...Cli.commands,
    accountsCommand,
    emulatorCommand,
    appServerCommand(passthrough),
    brokerCommand,
    storeCommand
  ])
)

const environment = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, StderrTerminal.layer)

const fiber = Effect.runFork(Cli.run(root, { argv, runtime, environment }))

const onSignal = () => {
  process.removeListener("SIGINT", onSignal)
  process.removeListener("SIGTERM", onSignal)
  fiber.unsafeInterruptAsFork(fiber.id())
}
// `app-server` passes signals on to the app-server and exits as it does.
if (!isAppServer) {
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
}

fiber.addObserver((exit) => {
  const code = Cli.exitCode(exit, runtime)
  // Exit once stdout is flushed: open handles (stdin, keep-alive sockets) must not hold the process.
  process.stdout.write("", () => process.exit(code))
})
