// `codex-auth broker [--port N] [--codex-home DIR] [--store …]`: a local refresh endpoint for the Codex CLI, so that
// any number of Codex processes on one login make one refresh grant (@codex-auth/broker).
import { codexHome, issuer, store, verbose } from "@codex-auth/cli/Cli"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

const options = {
  codexHome,
  store,
  issuer,
  verbose,
  port: Options.integer("port").pipe(
    Options.withDescription("Port on 127.0.0.1 (default 0: a free one; the URL is the first line of stdout)."),
    Options.withDefault(0)
  )
}

export const brokerCommand = Command.make(
  "broker",
  options,
  (args) =>
    Effect.flatMap(Effect.promise(() => import("../../internal/cli/broker.ts")), (cli) =>
      cli.broker({
        codexHome: args.codexHome,
        store: Option.getOrUndefined(args.store),
        issuer: args.issuer,
        verbose: args.verbose,
        port: args.port
      }))
).pipe(
  Command.withDescription(
    "Serve a refresh endpoint on 127.0.0.1 for Codex CLI processes (CODEX_REFRESH_TOKEN_URL_OVERRIDE=URL/oauth/token): " +
      "one refresh grant however many ask. Prints its URL first; runs until Ctrl-C."
  )
)
