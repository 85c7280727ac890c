/**
 * The account pool on PostgreSQL: every account's credentials are a row of the PostgreSQL store (one account name
 * each), and the pool's health is shared by the fleet — a usage limit (429) one replica reports cools the account
 * for every replica until the reported reset. Each replica keeps the core pool (selection, affinity, single-flight
 * refresh per account); a report is written to `codex_auth_pool_health` and announced over LISTEN/NOTIFY, and a
 * replica applies what it is told (and, at start, what the table holds), so selection stays in memory.
 *
 * @since 0.1.0
 */
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import type { DuplicateAccount } from "@codex-auth/accounts/AccountPoolError"
import type { CredentialStoreError } from "@codex-auth/core/CredentialStore"
import type { OAuthClient } from "@codex-auth/core/OAuthClient"
import type { ProviderProfile } from "@codex-auth/core/ProviderProfile"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as schema from "./internal/schema.ts"
import * as PostgresCredentialStore from "./PostgresCredentialStore.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<AccountPool.Options, "accounts"> {
  /** The pool's name: replicas with the same name share health (default `default`). */
  readonly pool?: string | undefined
  /** The account names: each is a row of the PostgreSQL store. */
  readonly accounts: ReadonlyArray<string>
  /** Options of every account's store (key, lock timeout, …); `account` is each account's name. */
  readonly store?: Omit<PostgresCredentialStore.Options, "account"> | undefined
}

const healthChannel = "codex_auth_pool_health"

/**
 * The pool over an `SqlClient` (with `PgClient`, for the notices).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  AccountPool.AccountPool.Service,
  DuplicateAccount | CredentialStoreError | SqlError,
  SqlClient.SqlClient | PgClient.PgClient | OAuthClient | ProviderProfile | Scope.Scope
> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pg = yield* PgClient.PgClient
    const pool = options.pool ?? "default"
    const accounts = yield* Effect.forEach(options.accounts, (name) =>
      Effect.map(
        PostgresCredentialStore.make({ ...options.store, account: name, migrate: options.store?.migrate }),
        (store) => ({ name, store })
      ))
    const inner = yield* AccountPool.make({ ...options, accounts })
    const known = new Set(options.accounts)
    const apply = (account: string, until: number) =>
      known.has(account) ? Effect.ignore(inner.reportLimited(account, until)) : Effect.void

    // Listen first, then read the table: a report made in between is seen at least once (applying twice is harmless).
    yield* Effect.forkScoped(
      pg.listen(healthChannel).pipe(
        Stream.retry(Schedule.spaced(Duration.seconds(1))),
        Stream.runForEach((payload) => {
          const [name, account, until] = payload.split("|")
          return name === pool && account !== undefined ? apply(account, Number(until)) : Effect.void
        }),
        Effect.ignore
      )
    )
    const now = yield* Clock.currentTimeMillis
    const cooling = yield* sql<{ account: string; until_ms: string }>`SELECT account, until_ms
      FROM ${sql(schema.healthTable)} WHERE pool = ${pool} AND state = 'cooling-down' AND until_ms > ${now}`
    for (const row of cooling) yield* apply(row.account, Number(row.until_ms))

    const service: AccountPool.AccountPool.Service = {
      ...inner,
      reportLimited: (account, until) =>
        Effect.gen(function*() {
          yield* inner.reportLimited(account, until)
          // The cooldown the pool chose (the default when no reset was given), as every replica must apply it.
          const health = yield* inner.health(account)
          if (health._tag !== "CoolingDown") return
          const end = health.until
          yield* sql`INSERT INTO ${sql(schema.healthTable)} (pool, account, state, until_ms)
            VALUES (${pool}, ${account}, 'cooling-down', ${end})
            ON CONFLICT (pool, account) DO UPDATE SET state = EXCLUDED.state,
              until_ms = GREATEST(${sql(schema.healthTable)}.until_ms, EXCLUDED.until_ms), updated_at = now()`.pipe(
            // pg_notify, not PgClient.notify: NOTIFY takes no bound parameters, pg_notify does.
            Effect.zipRight(sql`SELECT pg_notify(${healthChannel}, ${[pool, account, String(end)].join("|")})`),
            // The replica's own cooldown holds whatever the database says; the others learn at their next report.
            Effect.ignore
          )
        })
    }
    return service
  })

/**
 * The pool with its own connection pool to `url`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options & { readonly url: import("effect/Redacted").Redacted<string> }
): Layer.Layer<
  AccountPool.AccountPool,
  DuplicateAccount | CredentialStoreError | SqlError,
  OAuthClient | ProviderProfile
> =>
  Layer.scoped(AccountPool.AccountPool, make(options)).pipe(
    Layer.provide(PgClient.layer({ url: options.url, maxConnections: 4, applicationName: "codex-auth-pool" }))
  )
