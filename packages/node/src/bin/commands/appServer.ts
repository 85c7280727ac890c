// `codex-auth app-server [--codex-home DIR] [--store …] [--codex-bin PATH] [-- ARG…]`: stands in for
// `codex app-server` on stdio, with codex-auth owning its ChatGPT login. The arguments after `--` go to the app-server
// (main.ts splits them off before @effect/cli parses the rest).
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
  codexBin: Options.text("codex-bin").pipe(
    Options.withDescription("The Codex CLI to run as `PATH app-server ARG…` (default: codex on PATH)."),
    Options.optional
  )
}

export const appServerCommand = (passthrough: ReadonlyArray<string>) =>
  Command.make(
    "app-server",
    options,
    (args) =>
      Effect.flatMap(Effect.promise(() => import("../../internal/cli/appServer.ts")), (cli) =>
        cli.appServer({
          codexHome: args.codexHome,
          store: Option.getOrUndefined(args.store),
          issuer: args.issuer,
          verbose: args.verbose,
          codexBin: Option.getOrUndefined(args.codexBin),
          passthrough
        }))
  ).pipe(
    Command.withDescription(
      "Run `codex app-server` signed in with the stored ChatGPT login: speak to this command on stdio exactly as to " +
        "the app-server; its refresh requests are answered here. Arguments after -- go to the app-server."
    )
  )
