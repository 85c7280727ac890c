/**
 * The account pool's config file (`$CODEX_AUTH_POOL`, else `codex-auth-pool.json`): the selection strategy and the
 * named accounts, each a complete credential set in its own `CODEX_HOME`.
 *
 * ```json
 * { "strategy": "round-robin", "accounts": [{ "name": "work", "codexHome": "/home/me/.codex-work" }] }
 * ```
 *
 * A relative `codexHome` is relative to the config file's directory. Fields this project does not know are an error
 * (a typo such as `"stratgy"` must not silently fall back to the default).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * The environment variable that names the config file.
 *
 * @since 0.1.0
 * @category constants
 */
export const environmentVariable: string = "CODEX_AUTH_POOL"

/**
 * The config file's name when `CODEX_AUTH_POOL` is not set (the runtime decides its directory).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultFileName: string = "codex-auth-pool.json"

/**
 * How the pool picks an account for a request without (or with a broken) affinity:
 * - `round-robin`: the next usable account after the one used last, in config order;
 * - `fill-first`: the first usable account in config order (the next takes over only when it cannot serve);
 * - `least-recently-limited`: the usable account whose last reported limit is oldest (never limited first).
 *
 * @since 0.1.0
 * @category models
 */
export const Strategy: Schema.Literal<["round-robin", "fill-first", "least-recently-limited"]> = Schema.Literal(
  "round-robin",
  "fill-first",
  "least-recently-limited"
)

/**
 * @since 0.1.0
 * @category models
 */
export type Strategy = typeof Strategy.Type

/**
 * An account name: letters, digits, `.`, `_`, `-` (it may become a directory name), 1 to 64 characters.
 *
 * @since 0.1.0
 * @category models
 */
export const AccountName: Schema.filter<typeof Schema.String> = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: () => "an account name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export const AccountEntry: Schema.Struct<{ name: typeof AccountName; codexHome: typeof Schema.NonEmptyString }> = Schema
  .Struct({
    name: AccountName,
    /** The account's `CODEX_HOME` (its `auth.json` and `auth.lock`). */
    codexHome: Schema.NonEmptyString
  })

/**
 * @since 0.1.0
 * @category models
 */
export type AccountEntry = typeof AccountEntry.Type

/**
 * @since 0.1.0
 * @category models
 */
export interface PoolConfig {
  readonly strategy: Strategy
  readonly accounts: ReadonlyArray<AccountEntry>
}

const FileSchema = Schema.Struct({
  strategy: Schema.optionalWith(Strategy, { default: () => "round-robin" as const }),
  accounts: Schema.optionalWith(Schema.Array(AccountEntry), { default: () => [] })
})

/**
 * The config file cannot be used. The message names the file and the problem.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolConfigInvalid extends Schema.TaggedError<PoolConfigInvalid>("@codex-auth/accounts/PoolConfigInvalid")(
  "PoolConfigInvalid",
  { path: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `The account pool config ${this.path} cannot be used: ${this.reason}. Fix the file (see ` +
      "`codex-auth accounts --help` for its shape), or remove it and add accounts with `codex-auth login --account NAME`."
  }
}

/**
 * An empty pool with the default strategy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: PoolConfig = { strategy: "round-robin", accounts: [] }

const decode = Schema.decodeUnknownEither(FileSchema, { onExcessProperty: "error" })

/**
 * Reads the config file's text.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  text: string,
  options: { readonly path: string }
): Either.Either<PoolConfig, PoolConfigInvalid> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Either.left(new PoolConfigInvalid({ path: options.path, reason: "it is not valid JSON" }))
  }
  return Either.flatMap(
    Either.mapLeft(decode(json), (error) =>
      new PoolConfigInvalid({
        path: options.path,
        reason: ParseResult.TreeFormatter.formatErrorSync(error).replace(/\s+/g, " ")
      })),
    (config) => {
      const seen = new Set<string>()
      for (const account of config.accounts) {
        if (seen.has(account.name)) {
          return Either.left(
            new PoolConfigInvalid({ path: options.path, reason: `the account name "${account.name}" appears twice` })
          )
        }
        seen.add(account.name)
      }
      return Either.right(config)
    }
  )
}

/**
 * Writes the config as two-space JSON with a trailing newline (it is a file people edit).
 *
 * @since 0.1.0
 * @category formatting
 */
export const stringify = (config: PoolConfig): string =>
  JSON.stringify(
    { strategy: config.strategy, accounts: config.accounts.map((a) => ({ name: a.name, codexHome: a.codexHome })) },
    null,
    2
  ) + "\n"

/**
 * The config with `entry` added, or with the account of that name pointed at `entry.codexHome`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const upsertAccount = (config: PoolConfig, entry: AccountEntry): PoolConfig => {
  const index = config.accounts.findIndex((account) => account.name === entry.name)
  const accounts = index === -1
    ? [...config.accounts, entry]
    : config.accounts.map((account, i) => (i === index ? entry : account))
  return { ...config, accounts }
}

/**
 * The config without the named account.
 *
 * @since 0.1.0
 * @category combinators
 */
export const removeAccount = (config: PoolConfig, name: string): PoolConfig => ({
  ...config,
  accounts: config.accounts.filter((account) => account.name !== name)
})

/**
 * Whether `name` is a valid account name.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAccountName: (name: unknown) => name is string = Schema.is(AccountName)
