/**
 * The PostgreSQL credential store: one row per account name holding the `auth.json` document (sealed with
 * AES-256-GCM when a key is set), its version and timestamps, so a fleet of replicas on many machines shares one
 * ChatGPT login. `withLock` is a session advisory lock (bounded wait, typed error) that excludes every replica across
 * re-read → refresh → save, and a save under it is fenced on the version read there. Built on `@effect/sql-pg`.
 *
 * @since 0.1.0
 */
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import type { CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as Environment from "@codex-auth/core/Environment"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as schema from "./internal/schema.ts"
import * as internal from "./internal/store.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The row's id: one login per account name (default `default`). */
  readonly account?: string | undefined
  /** How long `withLock` waits for another replica before failing with a typed error (default 30 s). */
  readonly lockTimeout?: Duration.DurationInput | undefined
  /**
   * How long a lock holder's lease outlives its last heartbeat (default 10 s): a replica that died holding the
   * lock delays the others this long; one whose lock connection was cut, or whose server restarted, keeps its turn.
   */
  readonly leaseTimeout?: Duration.DurationInput | undefined
  /** `CODEX_AUTH_STORE_KEY`: 32 bytes, base64. Set, every save is sealed with it. */
  readonly key?: Redacted.Redacted<string> | undefined
  /** `CODEX_AUTH_STORE_KEY_PREVIOUS`: keys that still open rows during a rotation (never used to seal). */
  readonly previousKeys?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /** Run the migration at start (default true; false when a DBA applies `codex-auth store migrate --print`). */
  readonly migrate?: boolean | undefined
  /** Where the row lives, for `status` and messages (never with a password). */
  readonly location?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions extends Options {
  /** A libpq URL (`postgres://user:password@host:port/db`); its password is never printed. */
  readonly url: Redacted.Redacted<string>
  /** How long to wait for the server at start (default 5 s). */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * The store over an `SqlClient` (any `@effect/sql-pg` client the embedder already runs).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<CredentialStore.Service, CredentialStoreError, SqlClient.SqlClient> = (
  options = {}
) => internal.make(options)

/**
 * Creates the schema when it is absent (idempotent; N replicas may run it at once).
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrate: Effect.Effect<void, SqlError, SqlClient.SqlClient> = internal.migrate

/**
 * The migration as SQL, for a DBA to apply (`codex-auth store migrate --print`).
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrationSql: string = schema.migrationScript

/**
 * A libpq URL without its password.
 *
 * @since 0.1.0
 * @category utils
 */
export const safeLocation: (url: string, account: string) => string = internal.safeLocation

/**
 * The store over an existing `SqlClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options?: Options
): Layer.Layer<CredentialStore, CredentialStoreError, SqlClient.SqlClient> =>
  Layer.effect(CredentialStore, make(options))

/**
 * The store with its own connection pool to `url`. A database that cannot be reached at start is a typed
 * `CredentialStoreError` naming the server (without password) and what to do.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ConnectOptions): Layer.Layer<CredentialStore, CredentialStoreError> => {
  const account = options.account ?? "default"
  const location = options.location ?? internal.safeLocation(Redacted.value(options.url), account)
  const client = PgClient.layer({
    url: options.url,
    connectTimeout: options.connectTimeout ?? Duration.seconds(5),
    // One connection may hold the lock while another loads and saves.
    maxConnections: 4,
    applicationName: "codex-auth"
  }).pipe(
    Layer.mapError((error) => internal.connectError(location, error))
  )
  return layerClient({ ...options, account, location }).pipe(Layer.provide(client))
}

/**
 * The store from the environment: `CODEX_AUTH_DATABASE_URL` (required), `CODEX_AUTH_STORE_ACCOUNT`,
 * `CODEX_AUTH_STORE_KEY`, `CODEX_AUTH_STORE_KEY_PREVIOUS` (comma-separated), `CODEX_AUTH_STORE_LOCK_TIMEOUT_MS`,
 * `CODEX_AUTH_STORE_LEASE_TIMEOUT_MS`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides: Partial<Options> = {}
): Layer.Layer<CredentialStore, CredentialStoreError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(
    Config.all({
      url: Environment.databaseUrl,
      account: Environment.storeAccount,
      key: Environment.storeKey,
      previous: Environment.storeKeyPrevious,
      lockTimeoutMillis: Environment.storeLockTimeoutMillis,
      leaseTimeoutMillis: Environment.storeLeaseTimeoutMillis
    }),
    (config) =>
      layer({
        url: config.url,
        account: overrides.account ?? Option.getOrUndefined(config.account),
        key: overrides.key ?? Option.getOrUndefined(config.key),
        previousKeys: overrides.previousKeys ?? Option.match(config.previous, {
          onNone: () => [],
          onSome: (text) =>
            Redacted.value(text).split(",").filter((part) => part.trim() !== "").map((part) => Redacted.make(part))
        }),
        lockTimeout: overrides.lockTimeout ??
          Option.getOrUndefined(Option.map(config.lockTimeoutMillis, Duration.millis)),
        leaseTimeout: overrides.leaseTimeout ??
          Option.getOrUndefined(Option.map(config.leaseTimeoutMillis, Duration.millis)),
        migrate: overrides.migrate
      })
  ))
