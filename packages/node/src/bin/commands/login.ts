// `codex-auth login`. The login machinery (flows, presenters, ports) is loaded only when this command runs.
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { common, toCommon } from "./options.ts"

type Flow = "auto" | "browser" | "device" | "paste"

const flows: ReadonlyArray<Flow> = ["auto", "browser", "device", "paste"]

/** `--pool FILE`: the account pool's config (shared with `accounts`). */
export const pool: Options.Options<Option.Option<string>> = Options.file("pool").pipe(
  Options.withDescription(
    "The account pool's config file (default: $CODEX_AUTH_POOL, else ~/.codex/codex-auth-pool.json)."
  ),
  Options.optional
)

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
  withApiKey: Options.boolean("with-api-key").pipe(
    Options.withDescription(
      "Save an OpenAI API key instead of signing in with ChatGPT. The key is read from stdin, never from the " +
        "command line: `printenv OPENAI_API_KEY | codex-auth login --with-api-key`."
    )
  ),
  withAccessToken: Options.boolean("with-access-token").pipe(
    Options.withDescription(
      "Not supported yet (Codex's Agent Identity tokens are verified against keys only chatgpt.com serves); " +
        "refused with exit code 2. Use ChatGPT sign-in or --with-api-key."
    )
  ),
  account: Options.text("account").pipe(
    Options.withDescription(
      "Sign in a named account of the account pool (created if new; its CODEX_HOME defaults to accounts/NAME " +
        "beside the pool file, or --codex-home). Works with --with-api-key."
    ),
    Options.optional
  ),
  pool,
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
      workspaces: args.workspaces,
      withApiKey: args.withApiKey,
      withAccessToken: args.withAccessToken,
      account: Option.getOrUndefined(args.account),
      pool: Option.getOrUndefined(args.pool)
    })
  })).pipe(Command.withDescription("Sign in with ChatGPT and save the credentials where the Codex CLI reads them."))
