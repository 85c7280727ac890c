// `codex-auth login`. The login machinery (flows, presenters, ports) is loaded only when this command runs.
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { common, toCommon } from "./options.ts"

type Flow = "auto" | "browser" | "device" | "paste"

const flows: ReadonlyArray<Flow> = ["auto", "browser", "device", "paste"]

const options = {
  flow: Options.choice("flow", flows).pipe(
    Options.withDescription(
      "auto: what suits this machine (browser on a desktop; device code over SSH, in containers, without a " +
        "display; browser then device code on WSL). Or force browser, device or paste."
    ),
    Options.withDefault("auto" as Flow)
  ),
  deviceAuth: Options.boolean("device-auth").pipe(
    Options.withDescription("Same as --flow device (the Codex CLI's flag).")
  ),
  noBrowser: Options.boolean("no-browser").pipe(
    Options.withDescription("Do not launch a browser: print the sign-in URL (auto then prefers the device code).")
  ),
  port: Options.integer("port").pipe(
    Options.withDescription(
      "Loopback port for the browser callback (default 1455, then 1457: the only ones auth.openai.com accepts)."
    ),
    Options.optional
  ),
  workspaces: Options.text("workspace").pipe(
    Options.withDescription("Allowed ChatGPT workspace id (repeatable); another workspace's login is not saved."),
    Options.repeated
  ),
  ...common
}

export const loginCommand = Command.make("login", options, (args) =>
  Effect.gen(function*() {
    const port = Option.getOrUndefined(args.port)
    if (port !== undefined && (port < 1 || port > 65535)) {
      return yield* Effect.flatMap(
        Effect.promise(() => import("../../internal/cli/run.ts")),
        (run) => run.usageError(`--port must be between 1 and 65535 (got ${port}).`)
      )
    }
    const cli = yield* Effect.promise(() => import("../../internal/cli/login.ts"))
    return yield* cli.login(toCommon(args), {
      flow: args.deviceAuth ? "device" : args.flow,
      noBrowser: args.noBrowser,
      port,
      workspaces: args.workspaces
    })
  })).pipe(Command.withDescription("Sign in with ChatGPT and save the credentials where the Codex CLI reads them."))
