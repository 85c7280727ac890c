/**
 * Every setting, read once, from one table: Codex's env overrides (`CODEX_REFRESH_TOKEN_URL_OVERRIDE`,
 * `CODEX_REVOKE_TOKEN_URL_OVERRIDE`), `CODEX_AUTH_*` (issuer, store, store key, database URL, …), the CA bundle and
 * proxy of §12, and `CODEX_HOME`. The names and the parsing live in one plain module (`ReadModel.environment` reads
 * them from an env record without Effect, for the startup paths); here they are `Config` values, so the Effect side
 * honours any `ConfigProvider`. Every entry point (the runtime session layers, the CLI, the facade, the pool, Deno)
 * is wired by these, so they pick the same issuer, store and overrides from one environment.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as plain from "./internal/read/environment.ts"

/**
 * The variable of each setting.
 *
 * @since 0.1.0
 * @category constants
 */
export const names: typeof plain.names = plain.names

/**
 * @since 0.1.0
 * @category models
 */
export type CaVariable = plain.CaVariable

/**
 * @since 0.1.0
 * @category models
 */
export type StoreChoice = plain.StoreChoice

/**
 * @since 0.1.0
 * @category constants
 */
export const storeChoices: ReadonlyArray<StoreChoice> = plain.storeChoices

const parsed = <A>(
  name: string,
  parse: (value: string | undefined) => A | undefined
): Config.Config<Option.Option<A>> =>
  Config.option(Config.string(name)).pipe(
    Config.map((value) => Option.fromNullable(parse(Option.getOrUndefined(value))))
  )

/**
 * `CODEX_HOME` (blank: unset).
 *
 * @since 0.1.0
 * @category config
 */
export const codexHome: Config.Config<Option.Option<string>> = parsed(names.codexHome, plain.codexHome)

/**
 * `CODEX_AUTH_ISSUER` (trimmed; blank: unset).
 *
 * @since 0.1.0
 * @category config
 */
export const issuer: Config.Config<Option.Option<string>> = parsed(names.issuer, plain.trimmed)

/**
 * `CODEX_REFRESH_TOKEN_URL_OVERRIDE` (trimmed; blank: unset).
 *
 * @since 0.1.0
 * @category config
 */
export const refreshTokenUrlOverride: Config.Config<Option.Option<string>> = parsed(
  names.refreshTokenUrlOverride,
  plain.trimmed
)

/**
 * `CODEX_REVOKE_TOKEN_URL_OVERRIDE` (trimmed; blank: unset).
 *
 * @since 0.1.0
 * @category config
 */
export const revokeTokenUrlOverride: Config.Config<Option.Option<string>> = parsed(
  names.revokeTokenUrlOverride,
  plain.trimmed
)

/**
 * `CODEX_AUTH_STORE`: one of {@link storeChoices}; anything else is a `ConfigError` naming the variable.
 *
 * @since 0.1.0
 * @category config
 */
export const store: Config.Config<Option.Option<StoreChoice>> = Config.option(
  Config.literal(...storeChoices)(names.store)
)

/**
 * `CODEX_AUTH_STORE_KEY` (a secret; blank values are the reader's to refuse).
 *
 * @since 0.1.0
 * @category config
 */
export const storeKey: Config.Config<Option.Option<Redacted.Redacted<string>>> = Config.option(
  Config.redacted(names.storeKey)
)

/**
 * `CODEX_AUTH_STORE_KEY_PREVIOUS` (comma-separated keys still accepted for reading).
 *
 * @since 0.1.0
 * @category config
 */
export const storeKeyPrevious: Config.Config<Option.Option<Redacted.Redacted<string>>> = Config.option(
  Config.redacted(names.storeKeyPrevious)
)

/**
 * `CODEX_AUTH_STORE_ACCOUNT` (non-empty).
 *
 * @since 0.1.0
 * @category config
 */
export const storeAccount: Config.Config<Option.Option<string>> = Config.option(
  Config.nonEmptyString(names.storeAccount)
)

/**
 * `CODEX_AUTH_STORE_LOCK_TIMEOUT_MS`.
 *
 * @since 0.1.0
 * @category config
 */
export const storeLockTimeoutMillis: Config.Config<Option.Option<number>> = Config.option(
  Config.integer(names.storeLockTimeoutMillis)
)

/**
 * `CODEX_AUTH_STORE_LEASE_TIMEOUT_MS`.
 *
 * @since 0.1.0
 * @category config
 */
export const storeLeaseTimeoutMillis: Config.Config<Option.Option<number>> = Config.option(
  Config.integer(names.storeLeaseTimeoutMillis)
)

/**
 * `CODEX_AUTH_DATABASE_URL` (required where it is read; a secret: it may carry a password).
 *
 * @since 0.1.0
 * @category config
 */
export const databaseUrl: Config.Config<Redacted.Redacted<string>> = Config.redacted(names.databaseUrl)

/**
 * §12's CA bundle: `CODEX_CA_CERTIFICATE`, else `SSL_CERT_FILE`, and the variable that named it.
 *
 * @since 0.1.0
 * @category config
 */
export const caBundle: Config.Config<Option.Option<{ readonly variable: CaVariable; readonly path: string }>> = Config
  .all({
    codex: Config.option(Config.string(names.caCertificate)),
    ssl: Config.option(Config.string(names.sslCertFile))
  }).pipe(
    Config.map(({ codex, ssl }) =>
      Option.fromNullable(plain.caBundle(Option.getOrUndefined(codex), Option.getOrUndefined(ssl)))
    )
  )

const proxyUrl = (name: string): Config.Config<Option.Option<string>> =>
  Config.mapOrFail(
    Config.option(Config.string(name)),
    (value): Either.Either<Option.Option<string>, ConfigError.ConfigError> => {
      const result = plain.proxyUrl(name, Option.getOrUndefined(value))
      return result.ok ? Either.right(Option.fromNullable(result.value)) : Either.left(
        ConfigError.InvalidData([], result.error)
      )
    }
  )

/**
 * `HTTPS_PROXY`, else `https_proxy`: an `http:`/`https:` URL (anything else is a `ConfigError` saying what to do).
 *
 * @since 0.1.0
 * @category config
 */
export const httpsProxy: Config.Config<Option.Option<string>> = Config.all({
  upper: proxyUrl(names.httpsProxy),
  lower: proxyUrl(names.httpsProxyLower)
}).pipe(Config.map(({ lower, upper }) => Option.orElse(upper, () => lower)))

/**
 * `NO_PROXY`, else `no_proxy`.
 *
 * @since 0.1.0
 * @category config
 */
export const noProxy: Config.Config<Option.Option<string>> = Config.all({
  upper: parsed(names.noProxy, plain.trimmed),
  lower: parsed(names.noProxyLower, plain.trimmed)
}).pipe(Config.map(({ lower, upper }) => Option.orElse(upper, () => lower)))
