/**
 * `codex-auth login`: the console presenter on stderr, the planner's flow (or the forced one), then the save.
 * `--with-api-key` saves a key read from stdin instead; `--account NAME` signs in (or saves the key of) one account of
 * the account pool, in that account's own CODEX_HOME — or, with the PostgreSQL store (`--store postgres`,
 * `CODEX_AUTH_STORE=postgres`), into that account's row, which a fleet's pool (`PostgresAccountPool`) reads.
 */
import * as AccessTokenAuth from "@codex-auth/accounts/AccessTokenAuth"
import * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import * as ApiKeyAuth from "@codex-auth/accounts/ApiKeyAuth"
import * as ConsolePresenter from "@codex-auth/adapters/ConsolePresenter"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as CoreEnvironment from "@codex-auth/core/Environment"
import { LoginPresenter } from "@codex-auth/core/LoginPresenter"
import { Environment, Login as FacadeLogin } from "@codex-auth/facade/FacadeRuntime"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AddedAccount, Common, ExitWith, Runtime } from "./run.ts"
import { CliRuntime, environmentOptions, human, json, runCommand, usageError } from "./run.ts"

export interface LoginArgs {
  readonly flow: FacadeLogin.Flow
  readonly noBrowser: boolean
  readonly port: number | undefined
  readonly workspaces: ReadonlyArray<string>
  /** Save an API key read from stdin. */
  readonly withApiKey?: boolean | undefined
  /** Save an Agent Identity access token read from stdin (checked against the issuer's keys first). */
  readonly withAccessToken?: boolean | undefined
  /** A named account of the pool. */
  readonly account?: string | undefined
  /** The pool's config file (default: `$CODEX_AUTH_POOL`, else `~/.codex/codex-auth-pool.json`). */
  readonly pool?: string | undefined
}

/** stdin could not be read (closed with an error). */
export class StdinUnreadable extends Data.TaggedError("StdinUnreadable")<{
  readonly reason: string
  readonly accessToken?: boolean | undefined
}> {
  override get message(): string {
    return this.accessToken === true
      ? `Could not read the access token from stdin (${this.reason}). Pipe it in, e.g. ` +
        "`printenv CODEX_ACCESS_TOKEN | codex-auth login --with-access-token`."
      : `Could not read the API key from stdin (${this.reason}). Pipe it in, e.g. ` +
        "`printenv OPENAI_API_KEY | codex-auth login --with-api-key`."
  }
}

/** All of stdin as text (secrets must never come from argv, where `ps` and shell history see them). */
const readStdinFor = (accessToken: boolean): Effect.Effect<string, StdinUnreadable, CliRuntime> =>
  Effect.flatMap(
    CliRuntime,
    (runtime) =>
      Effect.tryPromise({
        try: (signal) => runtime.process.readStdin(signal),
        catch: (error) =>
          new StdinUnreadable({
            reason: typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
              ? error.code
              : "read error",
            accessToken
          })
      })
  )

/**
 * The secret a `--with-…` flag takes, read from stdin and parsed; a terminal there is a usage error (exit 2) whose
 * line, `terminalHint`, says how to pipe it in.
 */
const readSecret = <E>(
  accessToken: boolean,
  terminalHint: string,
  parse: (text: string) => Either.Either<Redacted.Redacted<string>, E>
): Effect.Effect<Redacted.Redacted<string>, StdinUnreadable | E | ExitWith, CliRuntime> =>
  Effect.flatMap(
    CliRuntime,
    (runtime): Effect.Effect<Redacted.Redacted<string>, StdinUnreadable | E | ExitWith, CliRuntime> =>
      runtime.process.stdinIsTerminal()
        ? usageError(terminalHint)
        : Effect.flatMap(readStdinFor(accessToken), (text) =>
          Either.match(parse(text), {
            onLeft: Effect.fail,
            onRight: Effect.succeed
          }))
  )

const readApiKey = readSecret(
  false,
  "--with-api-key reads the key from stdin, and stdin is a terminal. Pipe it in, e.g. " +
    "`printenv OPENAI_API_KEY | codex-auth login --with-api-key` (never pass a key as an argument).",
  ApiKeyAuth.parseInput
)

const readAccessToken = readSecret(
  true,
  "--with-access-token reads the token from stdin, and stdin is a terminal. Pipe it in, e.g. " +
    "`printenv CODEX_ACCESS_TOKEN | codex-auth login --with-access-token` (never pass a token as an argument).",
  AccessTokenAuth.parseInput
)

/** A flag combination that cannot mean anything: the line to print (exit 2), if any. */
const conflict = (
  runtime: Runtime,
  args: LoginArgs,
  store: CoreEnvironment.StoreChoice
): string | undefined => {
  if (
    args.withApiKey === true &&
    (args.flow !== "auto" || args.noBrowser || args.port !== undefined || args.workspaces.length > 0)
  ) {
    return "--with-api-key saves a key read from stdin: it takes none of the ChatGPT sign-in options " +
      "(--flow, --device-auth, --no-browser, --port, --workspace)."
  }
  if (args.withAccessToken === true && args.withApiKey === true) {
    return "--with-access-token and --with-api-key each save one credential read from stdin: pick one."
  }
  if (
    args.withAccessToken === true &&
    (args.flow !== "auto" || args.noBrowser || args.port !== undefined || args.workspaces.length > 0)
  ) {
    return "--with-access-token saves a token read from stdin: it takes none of the ChatGPT sign-in options " +
      "(--flow, --device-auth, --no-browser, --port, --workspace)."
  }
  if (args.withAccessToken === true && (args.account !== undefined || args.pool !== undefined)) {
    return "--with-access-token cannot be combined with --account or --pool yet."
  }
  if (store === "postgres" && args.pool !== undefined) {
    return "--pool names the file pool's config; with the PostgreSQL store an account is a row: pass --account NAME " +
      "alone."
  }
  if (
    store !== "postgres" && (args.account !== undefined || args.pool !== undefined) && runtime.accountPool === undefined
  ) {
    return "--account and --pool (the account pool) are not available on this runtime yet; use the Node " +
      "`codex-auth` for the account pool."
  }
  if (args.account !== undefined && !AccountPoolConfig.isAccountName(args.account)) {
    return `--account ${JSON.stringify(args.account)} is not a valid account name: use 1-64 letters, digits, ` +
      "'.', '_' or '-', starting with a letter or digit."
  }
  if (args.account !== undefined && store !== "file" && store !== "postgres") {
    return `--account keeps every account in its own CODEX_HOME/auth.json (or, with --store postgres, in its own ` +
      `row), so it cannot be combined with --store ${store}.`
  }
  if (args.pool !== undefined && args.account === undefined) {
    return "--pool only applies together with --account NAME (or to `codex-auth accounts`)."
  }
  return undefined
}

interface PoolTarget {
  readonly added: AddedAccount
  readonly pool: string
}

const poolJson = (target: PoolTarget | undefined) =>
  target === undefined
    ? {}
    : {
      account: {
        name: target.added.name,
        codexHome: target.added.codexHome,
        pool: target.pool,
        replaced: target.added.replaced
      }
    }

const poolLine = (target: PoolTarget | undefined): Effect.Effect<void, never, CliRuntime> =>
  target === undefined
    ? Effect.void
    : human(
      `  - Pool account: ${target.added.name} (${
        target.added.replaced ? "updated" : "added to"
      } ${target.pool}; CODEX_HOME ${target.added.codexHome})`
    )

const apiKeyLogin = (common: Common, apiKey: Redacted.Redacted<string>, target: PoolTarget | undefined) =>
  Effect.gen(function*() {
    yield* ApiKeyAuth.login(apiKey)
    const store = yield* CredentialStore
    // Codex's own mask (`sk-proj-***ABCDE`): never more of the key than `codex login status` shows.
    const masked = ApiKeyAuth.mask(Redacted.value(apiKey))
    if (common.json) {
      yield* json({
        loggedIn: true,
        method: "apikey",
        mode: "apikey",
        maskedApiKey: masked,
        email: null,
        accountId: null,
        plan: null,
        ...poolJson(target)
      })
    }
    yield* human(`✓ Logged in using an API key - ${masked}\n  - Stored in: ${store.location} (${store.kind})`)
    yield* poolLine(target)
    return 0
  })

const accessTokenLogin = (common: Common, token: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const result = yield* AccessTokenAuth.login(token)
    const store = yield* CredentialStore
    const claims = result.claims
    if (common.json) {
      yield* json({
        loggedIn: true,
        method: "accessToken",
        mode: AccessTokenAuth.authMode,
        email: Option.getOrNull(claims.email),
        accountId: claims.accountId,
        plan: claims.planType
      })
    }
    const who = Option.match(claims.email, { onNone: () => claims.accountId, onSome: (email) => email })
    yield* human(
      `✓ Logged in using an access token (Agent Identity) - ${who}\n  - Stored in: ${store.location} (${store.kind})`
    )
    return 0
  })

const chatGptLogin = (common: Common, args: LoginArgs, target: PoolTarget | undefined) =>
  Effect.gen(function*() {
    const summary = yield* FacadeLogin.run({
      method: args.flow === "auto" ? undefined : args.flow === "custom" ? undefined : args.flow,
      allowedWorkspaceIds: args.workspaces.length > 0 ? args.workspaces : undefined
    })
    if (common.json) {
      yield* json({
        loggedIn: true,
        method: summary.method,
        email: summary.email ?? null,
        accountId: summary.accountId ?? null,
        plan: summary.plan ?? null,
        ...poolJson(target)
      })
    }
    yield* poolLine(target)
    return 0
  }).pipe(
    Effect.onInterrupt(() => human("\n✗ Login cancelled; nothing was saved."))
  )

/**
 * `--json`: every login event also goes to stderr as one JSON line (`{"event":"PasteRequested","authorizeUrl":…}`),
 * so a script can read the URL or the device code while stdout keeps its one final document. Human lines never
 * start with `{`. No event carries a secret.
 */
const jsonEvents = (runtime: Runtime) =>
  Layer.effect(
    LoginPresenter,
    Effect.map(LoginPresenter, (presenter) =>
      LoginPresenter.of({
        ...presenter,
        present: (event) =>
          Effect.zipRight(
            Effect.sync(() => {
              const { _tag, ...fields } = event
              runtime.process.writeStderr(`${JSON.stringify({ event: _tag, ...fields })}\n`)
            }),
            presenter.present(event)
          )
      }))
  )

const loginLayers = (runtime: Runtime, common: Common, args: LoginArgs) => {
  const interactiveInput = runtime.process.stdinIsTerminal()
  const presenter = ConsolePresenter.layer({
    // "Press Enter" and the paste prompt need someone at the keyboard.
    pressEnterToOpen: interactiveInput && !args.noBrowser,
    paste: interactiveInput || args.flow === "paste",
    // The command prints the failure itself, with its exit code and advice.
    announceFailure: false
  }).pipe(Layer.provide(runtime.platform.terminal))
  return Layer.merge(
    FacadeLogin.layerPorts(runtime.platform, { flow: args.flow, noBrowser: args.noBrowser }),
    common.json ? Layer.provide(jsonEvents(runtime), presenter) : presenter
  )
}

export const login = (common: Common, args: LoginArgs): Effect.Effect<void, ExitWith, CliRuntime> =>
  Effect.flatMap(
    CliRuntime,
    (runtime) =>
      Effect.flatMap(storeChoice(common), (store) =>
        store === "postgres" && args.account !== undefined && conflict(runtime, args, store) === undefined
          ? withStoreAccount(args.account, loginWith(runtime, common, { ...args, account: undefined }, store))
          : loginWith(runtime, common, args, store))
  )

/** The store this run uses: `--store`, else `CODEX_AUTH_STORE` (a bad value is reported where the store is built). */
const storeChoice = (common: Common): Effect.Effect<CoreEnvironment.StoreChoice> =>
  common.store !== undefined
    ? Effect.succeed(common.store)
    : Effect.map(Effect.orElseSucceed(CoreEnvironment.store, Option.none), Option.getOrElse(() => "file" as const))

/**
 * `--account NAME` on the PostgreSQL store: the row is the account, so the sign-in runs with NAME as
 * `CODEX_AUTH_STORE_ACCOUNT` (over whatever the environment says) and saves into that row, under its lock.
 */
const withStoreAccount = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.configProviderWith(Effect.succeed), (current) =>
    Effect.withConfigProvider(
      effect,
      ConfigProvider.orElse(
        ConfigProvider.fromMap(new Map([[CoreEnvironment.names.storeAccount, name]])),
        () => current
      )
    ))

const loginWith = (
  runtime: Runtime,
  common: Common,
  args: LoginArgs,
  store: CoreEnvironment.StoreChoice
): Effect.Effect<void, ExitWith, CliRuntime> => {
  const refused = conflict(runtime, args, store)
  if (refused !== undefined) return usageError(refused)
  if (args.withAccessToken === true) {
    return runCommand(
      common,
      Effect.gen(function*() {
        // The token first: nothing is read from disk or the network for an empty or unusable input.
        const token = yield* readAccessToken
        return yield* Effect.provide(
          accessTokenLogin(common, token),
          Environment.layer(runtime.platform, environmentOptions(common))
        )
      })
    )
  }
  const accountPool = runtime.accountPool
  const body = Effect.gen(function*() {
    // The key first: a missing key must not leave a new, empty account behind.
    const apiKey = args.withApiKey === true ? Option.some(yield* readApiKey) : Option.none()
    let target: PoolTarget | undefined
    if (args.account !== undefined && accountPool !== undefined) {
      const pool = yield* accountPool.configPath(args.pool)
      const added = yield* accountPool.addAccount(
        { name: args.account, codexHome: Option.getOrUndefined(common.codexHome) },
        { configPath: pool }
      )
      target = { added, pool }
    }
    const environment = Environment.layer(runtime.platform, {
      ...environmentOptions(common),
      ...(target === undefined ? {} : { codexHome: target.added.codexHome, store: "file" as const }),
      loopbackPorts: args.port === undefined ? undefined : [args.port]
    })
    // An account this command added is taken out of the pool again when its sign-in fails or is cancelled, so the
    // pool never lists an account that was never signed in (its empty CODEX_HOME stays; nothing secret is in it).
    const added = target
    const undoAdd = <A, E, R>(signIn: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      added === undefined || added.added.replaced || accountPool === undefined ? signIn : signIn.pipe(Effect.onExit((
        exit
      ) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : Effect.ignore(accountPool.removeAccount(added.added.name, { configPath: added.pool }))
      ))
    return yield* Option.match(apiKey, {
      onNone: () =>
        undoAdd(
          Effect.provide(
            chatGptLogin(common, args, target),
            Layer.merge(environment, loginLayers(runtime, common, args))
          )
        ),
      onSome: (key) => undoAdd(Effect.provide(apiKeyLogin(common, key, target), environment))
    })
  })
  return runCommand(common, body)
}
