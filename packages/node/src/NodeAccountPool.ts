/**
 * The account pool on Node: the config file (`$CODEX_AUTH_POOL`, else `~/.codex/codex-auth-pool.json`), one file
 * store per account in its own `CODEX_HOME` (so every account's refresh is single-flight across processes through
 * its `auth.lock`), the §12 HTTP client, Codex's env overrides — and `openPool`, the Promise API for embedders that
 * do not use Effect.
 *
 * Cooldowns and health are per process (see `AccountPool`).
 *
 * @since 0.1.0
 */
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import type { AccountNotFound, DuplicateAccount, NoAccountAvailable } from "@codex-auth/accounts/AccountPoolError"
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import type { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import { SecretFile, type SecretFileError } from "@codex-auth/core/SecretFile"
import type * as Session from "@codex-auth/core/Session"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Os from "node:os"
import * as Path from "node:path"
import * as NodeHttpClient from "./NodeHttpClient.ts"
import * as NodeSecretFile from "./NodeSecretFile.ts"
import { userAgent } from "./NodeSession.ts"

/**
 * What can stop the pool from being opened.
 *
 * @since 0.1.0
 * @category errors
 */
export type PoolLayerError =
  | AccountPoolConfig.PoolConfigInvalid
  | SecretFileError
  | CaCertificateInvalid
  | ConfigError.ConfigError
  | DuplicateAccount

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<AccountPool.Options, "accounts" | "strategy"> {
  /** The config file. Default: `$CODEX_AUTH_POOL`, else `~/.codex/codex-auth-pool.json`. */
  readonly configPath?: string | undefined
  /** Use this config instead of reading a file (relative `codexHome`s are then relative to the working directory). */
  readonly config?: AccountPoolConfig.PoolConfig | undefined
  /** Overrides the config's strategy. */
  readonly strategy?: AccountPoolConfig.Strategy | undefined
  /** Provider profile overrides (issuer, client id, …); Codex's env overrides still apply. */
  readonly profile?: ProviderProfile.Overrides | undefined
}

/**
 * The config file's path: `explicit`, else `$CODEX_AUTH_POOL`, else `~/.codex/codex-auth-pool.json`.
 *
 * @since 0.1.0
 * @category config
 */
export const configPath = (explicit?: string): Effect.Effect<string, ConfigError.ConfigError> =>
  explicit !== undefined
    ? Effect.succeed(Path.resolve(explicit))
    : Effect.map(
      Config.option(Config.string(AccountPoolConfig.environmentVariable)),
      (value) =>
        Option.match(Option.filter(value, (v) => v.trim() !== ""), {
          onNone: () => Path.join(Os.homedir(), ".codex", AccountPoolConfig.defaultFileName),
          onSome: (v) => Path.resolve(v)
        })
    )

/**
 * Where an account's `CODEX_HOME` is: a relative `codexHome` is relative to the config file's directory.
 *
 * @since 0.1.0
 * @category config
 */
export const resolveCodexHome = (path: string, entry: AccountPoolConfig.AccountEntry): string =>
  Path.resolve(Path.dirname(path), entry.codexHome)

/**
 * Reads the config file; a missing file is an empty pool.
 *
 * @since 0.1.0
 * @category config
 */
export const readConfig = (
  path: string
): Effect.Effect<AccountPoolConfig.PoolConfig, AccountPoolConfig.PoolConfigInvalid | SecretFileError> =>
  Effect.flatMap(
    NodeSecretFile.make.read(path),
    Option.match({
      onNone: () => Effect.succeed(AccountPoolConfig.empty),
      onSome: (text) => AccountPoolConfig.parse(text, { path })
    })
  )

const updateConfig = <A>(
  path: string,
  update: (config: AccountPoolConfig.PoolConfig) => readonly [AccountPoolConfig.PoolConfig, A]
): Effect.Effect<A, AccountPoolConfig.PoolConfigInvalid | SecretFileError> => {
  const files = NodeSecretFile.make
  return Effect.gen(function*() {
    yield* files.ensureDirectory(Path.dirname(path), { mode: 0o700 })
    // Two `codex-auth login --account` at once must not lose one of the accounts.
    return yield* Effect.scoped(Effect.gen(function*() {
      yield* files.lock(`${path}.lock`)
      const [next, result] = update(yield* readConfig(path))
      yield* files.writeAtomic(path, AccountPoolConfig.stringify(next), { mode: 0o600 })
      return result
    }))
  })
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AddedAccount {
  readonly name: string
  /** The account's `CODEX_HOME`, absolute; created (0700) when missing. */
  readonly codexHome: string
  /** Whether the config already had an account of that name (now pointed at `codexHome`). */
  readonly replaced: boolean
}

/**
 * Adds an account to the config file (or points an existing one at a new `CODEX_HOME`) and creates its
 * directory. Default `CODEX_HOME`: `accounts/NAME` beside the config file. What `codex-auth login --account NAME`
 * calls before it logs in to {@link layerStore} of the result.
 *
 * @since 0.1.0
 * @category config
 */
export const addAccount = (
  account: { readonly name: string; readonly codexHome?: string | undefined },
  options: { readonly configPath?: string | undefined } = {}
): Effect.Effect<
  AddedAccount,
  AccountPoolConfig.PoolConfigInvalid | SecretFileError | ConfigError.ConfigError
> =>
  Effect.gen(function*() {
    const path = yield* configPath(options.configPath)
    if (!AccountPoolConfig.isAccountName(account.name)) {
      return yield* new AccountPoolConfig.PoolConfigInvalid({
        path,
        reason: `"${account.name}" is not a valid account name (1-64 letters, digits, '.', '_' or '-')`
      })
    }
    const codexHome = Path.resolve(account.codexHome ?? Path.join(Path.dirname(path), "accounts", account.name))
    yield* NodeSecretFile.make.ensureDirectory(codexHome, { mode: 0o700 })
    const replaced = yield* updateConfig(path, (config) => [
      AccountPoolConfig.upsertAccount(config, { name: account.name, codexHome }),
      config.accounts.some((a) => a.name === account.name)
    ])
    return { name: account.name, codexHome, replaced }
  })

/**
 * Removes an account from the config file (its `CODEX_HOME` and credentials stay); `false` when it had none.
 *
 * @since 0.1.0
 * @category config
 */
export const removeAccount = (
  name: string,
  options: { readonly configPath?: string | undefined } = {}
): Effect.Effect<boolean, AccountPoolConfig.PoolConfigInvalid | SecretFileError | ConfigError.ConfigError> =>
  Effect.flatMap(configPath(options.configPath), (path) =>
    updateConfig(path, (config) => [
      AccountPoolConfig.removeAccount(config, name),
      config.accounts.some((a) => a.name === name)
    ]))

/**
 * The file store of one `CODEX_HOME` (no `CODEX_HOME` variable involved): give it to `NodeSession.layer({ store })`
 * to log in to, or inspect, one account.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = (codexHome: string): Layer.Layer<CredentialStore> =>
  FileCredentialStore.layer.pipe(
    Layer.provide(Layer.succeed(CodexHome.CodexHome, CodexHome.fromDirectory(Path.resolve(codexHome), Path.join))),
    Layer.provide(NodeSecretFile.layer)
  )

const makeStore = (codexHome: string): Effect.Effect<CredentialStore.Service> =>
  FileCredentialStore.make.pipe(
    Effect.provideService(CodexHome.CodexHome, CodexHome.fromDirectory(codexHome, Path.join)),
    Effect.provideService(SecretFile, NodeSecretFile.make)
  )

/**
 * The pool from the config file, with every account's file store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<AccountPool.AccountPool, PoolLayerError> =>
  Layer.scoped(
    AccountPool.AccountPool,
    Effect.gen(function*() {
      const path = yield* configPath(options.configPath)
      const config = options.config ?? (yield* readConfig(path))
      const base = options.config === undefined ? path : Path.join(process.cwd(), "pool.json")
      const accounts = yield* Effect.forEach(config.accounts, (entry) =>
        Effect.map(makeStore(resolveCodexHome(base, entry)), (store) => ({ name: entry.name, store })))
      const profile = yield* ProviderProfile.config(options.profile)
      const session: Session.Options = {
        ...options.session,
        userAgent: options.session?.userAgent ?? userAgent(profile.originator, ProviderProfile.codexVersion)
      }
      return yield* AccountPool.make({ ...options, strategy: options.strategy ?? config.strategy, accounts, session })
    })
  ).pipe(
    Layer.provide(OAuthClient.layer),
    Layer.provide(Layer.mergeAll(ProviderProfile.layerConfig(options.profile), NodeHttpClient.layerConfig))
  )

/**
 * An account as the Promise API lists it (times in epoch milliseconds, `null` when unknown).
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolAccount {
  readonly name: string
  readonly location: string
  readonly health: "healthy" | "cooling-down" | "needs-login" | "failing"
  /** End of the cooldown, or the next retry of a failing account. */
  readonly until: number | null
  /** Why the account needs login or is failing. */
  readonly reason: string | null
  readonly mode: string | null
  readonly email: string | null
  readonly plan: string | null
  readonly accountId: string | null
  readonly accessTokenExpiresAt: number | null
  readonly lastRefresh: number | null
  readonly lastLimitedAt: number | null
  /** Why the store could not be read, when it could not. */
  readonly statusError: string | null
}

/**
 * Plain-data form of an `AccountInfo` (for `codex-auth accounts --json` and the Promise API).
 *
 * @since 0.1.0
 * @category models
 */
export const toPoolAccount = (info: AccountPool.AccountInfo): PoolAccount => {
  const status = info.status
  const field = <A>(f: (s: Session.Status) => Option.Option<A>): A | null => Option.getOrNull(Option.flatMap(status, f))
  const health = info.health
  const mode = field((s) => s.mode)
  const statusError = Option.getOrNull(info.statusError)
  // Health lives in one process, so a fresh one knows only what the stores show: an account whose store holds no
  // credentials (or cannot be read, a missing CODEX_HOME included) needs a login — what `codex-auth accounts` says too.
  const signedOut = health._tag === "Healthy" && (mode === null || statusError !== null)
  return {
    name: info.name,
    location: info.location,
    health: signedOut
      ? "needs-login"
      : health._tag === "Healthy"
      ? "healthy"
      : health._tag === "CoolingDown"
      ? "cooling-down"
      : health._tag === "NeedsLogin"
      ? "needs-login"
      : "failing",
    until: health._tag === "CoolingDown" ? health.until : health._tag === "Failing" ? health.retryAt : null,
    reason: signedOut
      ? (statusError ?? "not signed in")
      : health._tag === "NeedsLogin" || health._tag === "Failing"
      ? health.reason
      : null,
    mode,
    email: field((s) => s.email),
    plan: field((s) => s.plan),
    accountId: field((s) => s.accountId),
    accessTokenExpiresAt: field((s) => s.accessTokenExpiresAt),
    lastRefresh: field((s) => s.lastRefresh),
    lastLimitedAt: Option.getOrNull(info.lastLimitedAt),
    statusError
  }
}

type PoolError = NoAccountAvailable | AccountNotFound

/**
 * The pool with Promises. Rejections are the typed errors (`NoAccountAvailable`, `AccountNotFound`, …): match on
 * `error._tag`. Secrets are plain strings only in what `getHeaders` / `getToken` resolve to.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromisePool {
  readonly getHeaders: (
    options?: AccountPool.SelectOptions
  ) => Promise<{ readonly account: string; readonly headers: Record<string, string> }>
  readonly getToken: (
    options?: AccountPool.SelectOptions
  ) => Promise<{ readonly account: string; readonly token: string }>
  /** A usage limit or 429 for `account`; `until` is the reset time when the backend said it. */
  readonly reportLimited: (account: string, until?: Date | number) => Promise<void>
  /** A 401 for `account`: reload, refresh once; ask `getHeaders` again afterwards. */
  readonly reportUnauthorized: (account: string) => Promise<void>
  readonly list: () => Promise<ReadonlyArray<PoolAccount>>
  readonly close: () => Promise<void>
}

/**
 * Opens the pool for a non-Effect program; call `close()` when done.
 *
 * @since 0.1.0
 * @category promise
 */
export const openPool = async (options: Options = {}): Promise<PromisePool> => {
  const runtime = ManagedRuntime.make(layer(options))
  // Rejections are the typed errors themselves (squashed from the cause).
  const run = async <A>(effect: Effect.Effect<A, PoolLayerError | PoolError, AccountPool.AccountPool>): Promise<A> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }
  // Open now, so a broken config rejects here rather than at the first request.
  await run(Effect.asVoid(AccountPool.AccountPool))
  const withPool = <A, E extends PoolError>(f: (pool: AccountPool.AccountPool.Service) => Effect.Effect<A, E>) =>
    Effect.flatMap(AccountPool.AccountPool, f)
  return {
    getHeaders: (selectOptions) =>
      run(
        withPool((pool) =>
          Effect.map(pool.getHeaders(selectOptions), ({ account, headers }) => ({ account, headers: { ...headers } }))
        )
      ),
    getToken: (selectOptions) =>
      run(
        withPool((pool) =>
          Effect.map(pool.getToken(selectOptions), ({ account, token }) => ({ account, token: Redacted.value(token) }))
        )
      ),
    reportLimited: (account, until) => run(withPool((pool) => pool.reportLimited(account, until))),
    reportUnauthorized: (account) => run(withPool((pool) => pool.reportUnauthorized(account))),
    list: () => run(withPool((pool) => Effect.map(pool.list, (infos) => infos.map(toPoolAccount)))),
    close: () => runtime.dispose()
  }
}
