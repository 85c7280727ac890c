#!/usr/bin/env node
// The `codex-auth` command line. Each subcommand lives in ./commands/ and is composed here.
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { emulatorCommand } from "./commands/emulator.ts"

const root = Command.make("codex-auth").pipe(
  Command.withDescription("Sign in with ChatGPT the way the Codex CLI does."),
  Command.withSubcommands([emulatorCommand])
)

const cli = Command.run(root, { name: "codex-auth", version: "0.1.0" })

cli(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  // Commands print their own errors (and @effect/cli its validation errors); a failure exits with code 1.
  NodeRuntime.runMain({ disableErrorReporting: true })
)
