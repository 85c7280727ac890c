/**
 * The account pool on PostgreSQL: every account's credentials are a row of the PostgreSQL store (one account name
 * each), and the pool's health is shared by the fleet:
 *
 * - a usage limit (429) one replica reports cools the account for every replica until the reported reset;
 * - an account one replica finds needing a new login (its refresh token rejected: expired, reused, revoked; no
 *   credentials) is handed out by no replica until a new login is saved to its row (`codex-auth login --account
 *   NAME --store postgres`, `store copy`, or any save): the finding is kept with the row's version it was made at,
 *   and a newer version clears it everywhere.
 *
 * Each replica keeps the core pool (selection, affinity, single-flight refresh per account); a finding is written
 * to `codex_auth_pool_health` and announced over LISTEN/NOTIFY, a replica applies what it is told (and, at start,
 * what the table holds), so selection stays in memory (no database round trip per pick).
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
import * as internalStore from "./internal/store.ts"
import type * as PostgresCredentialStore from "./PostgresCredentialStore.ts"

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
/** Needs-login: not handed out until a newer version of the row clears it (epoch ms; `Number.MAX_SAFE_INTEGER`). */
const never = Number.MAX_SAFE_INTEGER

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
    const poolScope = yield* Effect.scope
    const health = sql(schema.healthTable)
    const credentials = sql(schema.credentialsTable)
    const stores = new Map<string, internalStore.Service>()
    for (const name of options.accounts) {
      stores.set(name, yield* internalStore.make({ ...options.store, account: name, migrate: options.store?.migrate }))
    }
    // Per account: the newest version of its row this replica has heard of, and, while it needs a new login, the
    // version that finding was made at (a newer row clears it).
    const latest = new Map<string, number>()
    const needsLogin = new Map<string, number>()
    const latestOf = (account: string) => Math.max(latest.get(account) ?? 0, stores.get(account)?.knownVersion() ?? 0)

    // Set below, once the inner pool exists (its hook runs only when it serves requests).
    const ref: { inner?: AccountPool.AccountPool.Service } = {}
    const applyNeedsLogin = (account: string, version: number, reason: string) =>
      Effect.suspend(() => {
        const inner = ref.inner
        if (inner === undefined || !stores.has(account) || latestOf(account) > version) return Effect.void
        needsLogin.set(account, Math.max(needsLogin.get(account) ?? 0, version))
        return Effect.ignore(inner.reportNeedsLogin(account, reason, never))
      })
    const applyVersion = (account: string, version: number) =>
      Effect.suspend(() => {
        latest.set(account, Math.max(latest.get(account) ?? 0, version))
        const found = needsLogin.get(account)
        const inner = ref.inner
        if (inner === undefined || found === undefined || version <= found) return Effect.void
        needsLogin.delete(account)
        return Effect.ignore(inner.reportLoggedIn(account))
      })

    /** What this replica found: shared when it still holds for the row's current version (else a login came). */
    const share = (account: string, found: AccountPool.Health): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (found._tag !== "NeedsLogin") {
          needsLogin.delete(account)
          return
        }
        const version = stores.get(account)?.knownVersion() ?? 0
        if (latestOf(account) > version) {
          // A newer login was saved meanwhile: this finding is about the old one; try the account again.
          if (ref.inner !== undefined) yield* Effect.ignore(ref.inner.reportLoggedIn(account))
          return
        }
        yield* applyNeedsLogin(account, version, found.reason)
        // Written in the background: the pick that found it moves on to another account without waiting for the
        // database (a database that is down delays only the other replicas' knowing).
        yield* Effect.forkIn(write(account, version, found.reason), poolScope)
      })

    const write = (account: string, version: number, reason: string): Effect.Effect<void> =>
      Effect.gen(function*() {
        const written = yield* sql<{ account: string }>`INSERT INTO ${health}
            (pool, account, state, reason, needs_login_version)
          SELECT ${pool}, ${account}, 'needs-login', ${reason}, ${version}
          WHERE COALESCE((SELECT version FROM ${credentials} WHERE account = ${account}), 0) = ${version}
          ON CONFLICT (pool, account) DO UPDATE SET reason = EXCLUDED.reason,
            needs_login_version = EXCLUDED.needs_login_version, updated_at = now()
          RETURNING account`
        if (written.length === 0) {
          // The row moved on between the session's read and this write: the finding is stale.
          yield* applyVersion(account, version + 1)
          return
        }
        yield* sql`SELECT pg_notify(${healthChannel}, ${
          [pool, account, "needs-login", String(version), reason].join("|")
        })`
      }).pipe(Effect.ignore)

    const core = yield* AccountPool.make({
      ...options,
      accounts: options.accounts.map((name) => ({ name, store: stores.get(name)! })),
      onHealthChange: (account, found) =>
        Effect.zipRight(
          share(account, found),
          options.onHealthChange === undefined ? Effect.void : options.onHealthChange(account, found)
        )
    })
    ref.inner = core

    const applyLimited = (account: string, until: number) =>
      stores.has(account) ? Effect.ignore(core.reportLimited(account, until)) : Effect.void

    // Listen first, then read the tables: a report made in between is seen at least once (applying twice is
    // harmless). A listener that reconnects reads them again (it may have missed a notice).
    const resync = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<
        {
          account: string
          until_ms: string | null
          state: string
          reason: string | null
          needs_login_version: string | null
          version: string | null
        }
      >`SELECT h.account, h.state, h.until_ms, h.reason, h.needs_login_version, c.version
        FROM ${health} h LEFT JOIN ${credentials} c ON c.account = h.account WHERE h.pool = ${pool}`
      for (const row of rows) {
        if (row.state === "cooling-down" && row.until_ms !== null && Number(row.until_ms) > now) {
          yield* applyLimited(row.account, Number(row.until_ms))
        }
        if (row.version !== null) yield* applyVersion(row.account, Number(row.version))
        if (row.needs_login_version !== null) {
          yield* applyNeedsLogin(row.account, Number(row.needs_login_version), row.reason ?? "needs a new login")
        }
      }
      // Accounts without a health row: their versions, so a needs-login this replica holds is cleared by a login.
      const versions = yield* sql<{ account: string; version: string }>`SELECT account, version FROM ${credentials}
        WHERE account IN ${sql.in([...stores.keys()])}`
      for (const row of versions) yield* applyVersion(row.account, Number(row.version))
    })
    const listen = (channel: string, onNotice: (payload: string) => Effect.Effect<void>) =>
      Effect.forkScoped(
        Stream.concat(Stream.make(undefined as string | undefined), pg.listen(channel)).pipe(
          Stream.retry(Schedule.spaced(Duration.seconds(1))),
          // The first element (and a reconnect's) is a resync, not a notice.
          Stream.runForEach((payload) => payload === undefined ? Effect.ignore(resync) : onNotice(payload)),
          Effect.ignore
        )
      )
    yield* listen(healthChannel, (payload) => {
      const [name, account, kind, ...rest] = payload.split("|")
      if (name !== pool || account === undefined || kind === undefined) return Effect.void
      return kind === "needs-login"
        ? applyNeedsLogin(account, Number(rest[0]), rest.slice(1).join("|"))
        : applyLimited(account, Number(kind))
    })
    yield* listen(schema.channel, (payload) => {
      const cut = payload.lastIndexOf(":")
      return applyVersion(payload.slice(0, cut), Number(payload.slice(cut + 1)))
    })
    yield* Effect.ignore(resync)
    // A notice can be lost (one made while a listener starts or reconnects): the tables are read again every
    // recheck period (two queries in the background; picks never wait for the database).
    yield* Effect.forkScoped(
      Effect.repeat(
        Effect.ignore(resync),
        Schedule.spaced(Duration.millis(options.recheckNeedsLoginMillis ?? 30_000))
      )
    )

    const service: AccountPool.AccountPool.Service = {
      ...core,
      reportLimited: (account, until) =>
        Effect.gen(function*() {
          yield* core.reportLimited(account, until)
          // The cooldown the pool chose (the default when no reset was given), as every replica must apply it.
          const current = yield* core.health(account)
          if (current._tag !== "CoolingDown") return
          const end = current.until
          yield* sql`INSERT INTO ${health} (pool, account, state, until_ms)
            VALUES (${pool}, ${account}, 'cooling-down', ${end})
            ON CONFLICT (pool, account) DO UPDATE SET state = EXCLUDED.state,
              until_ms = GREATEST(${health}.until_ms, EXCLUDED.until_ms), updated_at = now()`.pipe(
            // pg_notify, not PgClient.notify: NOTIFY takes no bound parameters, pg_notify does.
            Effect.zipRight(sql`SELECT pg_notify(${healthChannel}, ${[pool, account, String(end)].join("|")})`),
            // The replica's own cooldown holds whatever the database says; the others learn at their next report.
            Effect.ignore
          )
        }),
      // The embedder's own finding is shared like the pool's.
      reportNeedsLogin: (account, reason, recheckAt) =>
        Effect.gen(function*() {
          yield* core.reportNeedsLogin(account, reason, recheckAt)
          yield* share(account, yield* core.health(account))
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
