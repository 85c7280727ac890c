/**
 * The `codex-auth` command line, once for every runtime: the `login`, `status`, `token`, `headers`, `refresh` and
 * `logout` commands (@effect/cli), their flags, outputs and exit codes. A runtime package provides a {@link Runtime}
 * (its facade {@link Facade.Platform}, a small process port and, optionally, the account pool), the file system and
 * terminal @effect/cli needs, and runs {@link run} from its own entry point (Node's `codex-auth` bin, Deno's
 * `cli.ts`). Each command loads the session machinery only when it runs.
 *
 * Exit codes: 0 success, 1 failure (one line on stderr; `--verbose` adds the cause), 2 bad usage, 130 interrupted.
 *
 * @since 0.1.0
 */
import type * as Facade from "@codex-auth/facade/Facade"
import type { StoreChoice } from "@codex-auth/facade/FacadeRuntime"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as App from "./internal/cli/app.ts"
import type { Common } from "./internal/cli/run.ts"
import * as Runtime_ from "./internal/cli/runtime.ts"
import { CliRuntime, ExitWith } from "./internal/cli/runtime.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type { AccountPool, AddedAccount, Invocation, Process, Runtime } from "./internal/cli/runtime.ts"

/**
 * The credential stores `--store` takes.
 *
 * @since 0.1.0
 * @category models
 */
export type { StoreChoice } from "@codex-auth/facade/FacadeRuntime"

/**
 * The flags every command shares, parsed.
 *
 * @since 0.1.0
 * @category models
 */
export type { Common } from "./internal/cli/run.ts"

/**
 * The runtime a command runs in (provided by {@link run}).
 *
 * @since 0.1.0
 * @category tags
 */
export { CliRuntime }

/**
 * How a command ends when it does not exit 0 (see {@link exitCode}).
 *
 * @since 0.1.0
 * @category errors
 */
export { ExitWith }

/**
 * @since 0.1.0
 * @category constants
 */
export const exitCodes: { readonly failure: 1; readonly usage: 2; readonly interrupted: 130 } = Runtime_.exitCodes

/**
 * A human line on stderr.
 *
 * @since 0.1.0
 * @category output
 */
export const human: (text: string) => Effect.Effect<void, never, CliRuntime> = Runtime_.human

/**
 * One JSON document on stdout.
 *
 * @since 0.1.0
 * @category output
 */
export const json: (value: unknown) => Effect.Effect<void, never, CliRuntime> = Runtime_.json

/**
 * A bad flag value the parser could not catch: one line, exit 2.
 *
 * @since 0.1.0
 * @category output
 */
export const usageError: (message: string) => Effect.Effect<never, ExitWith, CliRuntime> = Runtime_.usageError

/**
 * Runs a command body: a failure prints one line (`--verbose`: the cause too) and exits 1; a non-zero answer exits
 * with it. `environment`, when given, provides the body's services.
 *
 * @since 0.1.0
 * @category running
 */
export const runCommand = <E, R>(
  common: Common,
  body: Effect.Effect<number, E, R>,
  environment?: Layer.Layer<Exclude<R, CliRuntime>, unknown> | undefined
): Effect.Effect<void, ExitWith, CliRuntime> =>
  Effect.flatMap(
    Effect.promise(() => import("./internal/cli/run.ts")),
    (run) => run.runCommand(common, body, environment)
  )

const storeChoices: ReadonlyArray<StoreChoice> = ["file", "keyring", "auto", "memory", "postgres"]

/**
 * @since 0.1.0
 * @category options
 */
export const codexHome: Options.Options<Option.Option<string>> = Options.directory("codex-home").pipe(
  Options.withDescription("Where the credentials live (default: $CODEX_HOME, else ~/.codex)."),
  Options.optional
)

/**
 * @since 0.1.0
 * @category options
 */
export const store: Options.Options<Option.Option<StoreChoice>> = Options.choice("store", storeChoices).pipe(
  Options.withDescription(
    "Credential store: file (CODEX_HOME/auth.json), keyring (the OS keyring, as Codex), auto (keyring, else " +
      "file), memory (this process only) or postgres (a fleet's shared store at $CODEX_AUTH_DATABASE_URL, " +
      "account $CODEX_AUTH_STORE_ACCOUNT). Default: $CODEX_AUTH_STORE, else file."
  ),
  Options.optional
)

/**
 * @since 0.1.0
 * @category options
 */
export const issuer: Options.Options<Option.Option<string>> = Options.text("issuer").pipe(
  Options.withDescription("The auth server (default: $CODEX_AUTH_ISSUER, else https://auth.openai.com)."),
  Options.optional
)

/**
 * @since 0.1.0
 * @category options
 */
export const clientId: Options.Options<Option.Option<string>> = Options.text("client-id").pipe(
  Options.withDescription("The OAuth client id (default: the Codex CLI's)."),
  Options.optional
)

/**
 * @since 0.1.0
 * @category options
 */
export const jsonOption: Options.Options<boolean> = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON document on stdout (human output stays on stderr).")
)

/**
 * @since 0.1.0
 * @category options
 */
export const verbose: Options.Options<boolean> = Options.boolean("verbose").pipe(
  Options.withDescription("On failure, also print the cause.")
)

/**
 * `-c key=value` (repeatable): a Codex `config.toml` override, as `codex -c` takes it (e.g.
 * `-c forced_login_method=chatgpt`); it replaces the file's value.
 *
 * @since 0.1.0
 * @category options
 */
export const configOverride: Options.Options<Array<string>> = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("Override a value of CODEX_HOME/config.toml, as codex -c does (key=value; repeatable)."),
  Options.repeated
)

/**
 * `--pool FILE`: the account pool's config (`login --account`, and a runtime's `accounts` command).
 *
 * @since 0.1.0
 * @category options
 */
export const pool: Options.Options<Option.Option<string>> = Options.file("pool").pipe(
  Options.withDescription(
    "The account pool's config file (default: $CODEX_AUTH_POOL, else ~/.codex/codex-auth-pool.json)."
  ),
  Options.optional
)

/**
 * The flags of every session command.
 *
 * @since 0.1.0
 * @category options
 */
export const common: {
  readonly codexHome: Options.Options<Option.Option<string>>
  readonly store: Options.Options<Option.Option<StoreChoice>>
  readonly issuer: Options.Options<Option.Option<string>>
  readonly clientId: Options.Options<Option.Option<string>>
  readonly json: Options.Options<boolean>
  readonly verbose: Options.Options<boolean>
  readonly config: Options.Options<Array<string>>
} = { codexHome, store, issuer, clientId, json: jsonOption, verbose, config: configOverride }

/**
 * The parsed values of {@link common}.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonArgs {
  readonly codexHome: Option.Option<string>
  readonly store: Option.Option<StoreChoice>
  readonly issuer: Option.Option<string>
  readonly clientId: Option.Option<string>
  readonly json: boolean
  readonly verbose: boolean
  readonly config: Array<string>
}

/**
 * @since 0.1.0
 * @category options
 */
export const toCommon = (args: CommonArgs): Common => ({
  codexHome: args.codexHome,
  store: Option.getOrUndefined(args.store),
  issuer: args.issuer,
  clientId: args.clientId,
  json: args.json,
  verbose: args.verbose,
  config: args.config
})

const loadSession = Effect.promise(() => import("./internal/cli/session.ts"))

/** A command with the common flags whose body is the session module's function of the same name. */
const sessionCommand = <Name extends "status" | "token" | "headers" | "refresh">(
  name: Name,
  description: string
): Command.Command<Name, CliRuntime, ExitWith, CommonArgs> =>
  Command.make(name, common, (args) => Effect.flatMap(loadSession, (cli) => cli[name](toCommon(args)))).pipe(
    Command.withDescription(description)
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const statusCommand: Command.Command<"status", CliRuntime, ExitWith, CommonArgs> = sessionCommand(
  "status",
  "Show who is signed in. Exits 0 when logged in, 1 when not."
)

/**
 * @since 0.1.0
 * @category commands
 */
export const tokenCommand: Command.Command<"token", CliRuntime, ExitWith, CommonArgs> = sessionCommand(
  "token",
  "Print a valid access token (refreshed if needed) on stdout and nothing else; --json adds its expiry and account."
)

/**
 * @since 0.1.0
 * @category commands
 */
export const headersCommand: Command.Command<"headers", CliRuntime, ExitWith, CommonArgs> = sessionCommand(
  "headers",
  "Print the headers for the ChatGPT backend (Authorization, ChatGPT-Account-ID, …)."
)

/**
 * @since 0.1.0
 * @category commands
 */
export const refreshCommand: Command.Command<"refresh", CliRuntime, ExitWith, CommonArgs> = sessionCommand(
  "refresh",
  "Refresh the tokens now (adopting tokens another process refreshed meanwhile)."
)

/**
 * @since 0.1.0
 * @category models
 */
export interface LogoutArgs extends CommonArgs {
  readonly noRevoke: boolean
}

/**
 * @since 0.1.0
 * @category commands
 */
export const logoutCommand: Command.Command<"logout", CliRuntime, ExitWith, LogoutArgs> = Command.make(
  "logout",
  {
    ...common,
    noRevoke: Options.boolean("no-revoke").pipe(
      Options.withDescription("Only remove the local credentials; do not revoke the refresh token at the issuer.")
    )
  },
  (args) => Effect.flatMap(loadSession, (cli) => cli.logout(toCommon(args), !args.noRevoke))
).pipe(Command.withDescription("Revoke the refresh token (best effort) and remove the stored credentials."))

type Flow = "auto" | "browser" | "device" | "paste"

const flows: ReadonlyArray<Flow> = ["auto", "browser", "device", "paste"]

/**
 * @since 0.1.0
 * @category models
 */
export interface LoginArgs extends CommonArgs {
  readonly flow: Flow
  readonly deviceAuth: boolean
  readonly noBrowser: boolean
  readonly port: Option.Option<number>
  readonly workspaces: Array<string>
  readonly withApiKey: boolean
  readonly withAccessToken: boolean
  readonly account: Option.Option<string>
  readonly pool: Option.Option<string>
}

/**
 * @since 0.1.0
 * @category commands
 */
export const loginCommand: Command.Command<"login", CliRuntime, ExitWith, LoginArgs> = Command.make("login", {
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
      "Save an Agent Identity access token instead of signing in, as `codex login --with-access-token` does. The " +
        "token is read from stdin, never from the command line (`printenv CODEX_ACCESS_TOKEN | codex-auth login " +
        "--with-access-token`), verified as Codex verifies it (its key in the issuer's JWKS at " +
        "CODEX_AGENT_IDENTITY_JWKS_BASE_URL, RS256, issuer, audience, expiry) and saved as Codex's file " +
        "(auth_mode agentIdentity). Such a login has no bearer: `token` and `headers` refuse it; `status` shows it."
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
}, (args) =>
  Effect.gen(function*() {
    const port = Option.getOrUndefined(args.port)
    if (port !== undefined && (port < 1 || port > 65535)) {
      return yield* usageError(`--port must be between 1 and 65535 (got ${port}).`)
    }
    const cli = yield* Effect.promise(() => import("./internal/cli/login.ts"))
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

/**
 * The root command's description.
 *
 * @since 0.1.0
 * @category constants
 */
export const description: string = "Sign in with ChatGPT the way the Codex CLI does, and keep the tokens valid."

/**
 * Runs a root command (`codex-auth` with its subcommands) on `argv` (the runtime's full argv: executable, script,
 * arguments), with the runtime and the file system, path and terminal @effect/cli needs. The command line is checked
 * first (see `internal/cli/usage.ts`): `--help` is rendered from the commands' descriptors, and a bad flag or value is
 * a usage error (exit 2) naming the flag and the command's `--help`; with `--json` that error is a JSON document too.
 *
 * @since 0.1.0
 * @category running
 */
export const run: <A>(
  root: Command.Command<"codex-auth", CliRuntime | CliApp.CliApp.Environment, unknown, A>,
  options: {
    readonly argv: ReadonlyArray<string>
    readonly runtime: Runtime_.Runtime
    readonly environment: Layer.Layer<CliApp.CliApp.Environment>
  }
) => Effect.Effect<void, unknown> = App.run

/**
 * The process's exit code for how {@link run} ended; an unexpected failure is reported on stderr first.
 *
 * @since 0.1.0
 * @category running
 */
export const exitCode: (exit: Exit.Exit<void, unknown>, runtime: Runtime_.Runtime) => number = App.exitCode

/**
 * Facade ports, re-exported for runtimes that build a {@link Runtime}.
 *
 * @since 0.1.0
 * @category models
 */
export type Platform = Facade.Platform

/**
 * The commands every runtime's `codex-auth` has, in the order `--help` lists them; a runtime adds its own after them.
 *
 * @since 0.1.0
 * @category commands
 */
export const commands: readonly [
  typeof loginCommand,
  typeof statusCommand,
  typeof tokenCommand,
  typeof headersCommand,
  typeof refreshCommand,
  typeof logoutCommand
] = [loginCommand, statusCommand, tokenCommand, headersCommand, refreshCommand, logoutCommand]
