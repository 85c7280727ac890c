import * as AuthJson from "@codex-auth/core/AuthJson"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import { CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as Environment from "@codex-auth/core/Environment"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as PostgresCredentialStore from "../PostgresCredentialStore.ts"
import * as schema from "./schema.ts"
import * as seal from "./seal.ts"

type Operation = CredentialStoreError["operation"]

/** The server's SQLSTATE, or the socket's errno, or the driver's words: never the URL (it may hold a password). */
export const reasonOf = (error: SqlError): string => {
  const cause = error.cause as { code?: unknown; message?: unknown; errors?: ReadonlyArray<{ code?: unknown }> }
  const code = typeof cause?.code === "string"
    ? cause.code
    : Array.isArray(cause?.errors) && typeof cause.errors[0]?.code === "string"
    ? cause.errors[0].code
    : undefined
  // A server error (SQLSTATE, five characters) carries the server's own sentence; a socket error only its code.
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && typeof cause.message === "string") {
    return `${cause.message} (SQLSTATE ${code})`
  }
  if (code !== undefined) return code
  return error.message
}

/** A lost connection or a server going away (restart, failover): worth retrying, unlike a refusal. */
export const isTransient = (reason: string): boolean =>
  /SQLSTATE (08|57P0[123])/.test(reason) || /^E[A-Z]+$/.test(reason) ||
  /terminated|timeout exceeded when trying to connect|Connection/i.test(reason)

/** A libpq URL without its password, for `status` and messages. */
export const safeLocation = (url: string, account: string): string => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    return `${parsed.toString()} (account ${account})`
  } catch {
    return `postgres (account ${account})`
  }
}

interface Fence {
  /** The version this lock holder last read or wrote; 0 = no row; undefined = not read yet. */
  version: number | undefined
}

interface Row {
  readonly document: string
  readonly format: number
  readonly version: string | number
}

/** The store, and what the fleet's pool needs of it. */
export interface Service extends CredentialStore.Service {
  /** The newest version of the row this replica has read or written (0: none seen, or no row). */
  readonly knownVersion: () => number
}

export const make = (
  options: PostgresCredentialStore.Options
): Effect.Effect<Service, CredentialStoreError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const account = options.account ?? "default"
    const location = options.location ?? `postgres (account ${account})`
    const lockTimeoutMillis = Math.max(1, Math.round(Duration.toMillis(options.lockTimeout ?? Duration.seconds(30))))
    const fail = (operation: Operation, reason: string) =>
      new CredentialStoreError({ store: "postgres", operation, location, reason })
    const fromSql = (operation: Operation) => (error: SqlError) => fail(operation, reasonOf(error))
    const leaseTimeoutMillis = Math.max(
      100,
      Math.round(Duration.toMillis(options.leaseTimeout ?? Duration.seconds(10)))
    )
    // Retried while the server is away (a restart, a cut connection), for as long as a lock wait may last: the
    // issuer's answer must reach the row even when PostgreSQL restarts while the request is in flight.
    const transientRetry = Schedule.spaced(Duration.millis(200)).pipe(
      Schedule.upTo(Duration.millis(Math.max(lockTimeoutMillis, 5_000)))
    )
    const retryTransient = <A>(effect: Effect.Effect<A, SqlError>): Effect.Effect<A, SqlError> =>
      Effect.retry(effect, { schedule: transientRetry, while: (error) => isTransient(reasonOf(error)) })

    const importKeys = (texts: ReadonlyArray<Redacted.Redacted<string>>, name: string) =>
      Effect.forEach(texts, (text) =>
        Effect.flatMap(
          Effect.promise(() => seal.importKey(Redacted.value(text))),
          (key) =>
            typeof key === "string"
              ? Effect.fail(
                fail("load", `${name} is not a 32-byte key: ${key} (make one with: openssl rand -base64 32)`)
              )
              : Effect.succeed(key)
        ))
    const current = options.key === undefined ? [] : yield* importKeys([options.key], Environment.names.storeKey)
    const previous = yield* importKeys(options.previousKeys ?? [], Environment.names.storeKeyPrevious)
    const sealingKey = current[0]
    const openingKeys = [...current, ...previous]

    const readSchema = sql<{ version: number }>`SELECT version FROM ${sql(schema.schemaTable)}`
    // A replica's start reads the schema version (one statement); the migration runs only when it is missing.
    const present = yield* Effect.option(readSchema)
    if (
      options.migrate !== false && (present._tag === "None" || (present.value[0]?.version ?? 0) < schema.schemaVersion)
    ) {
      yield* migrate.pipe(Effect.mapError(fromSql("load")))
    }
    const found = present._tag === "Some" && (present.value[0]?.version ?? 0) >= schema.schemaVersion
      ? present.value
      : yield* readSchema.pipe(
        Effect.mapError((error) =>
          fail(
            "load",
            `${
              reasonOf(error)
            }; the schema is missing: run \`codex-auth store migrate\` (or apply \`codex-auth store migrate --print\`)`
          )
        )
      )
    const version = found[0]?.version ?? 0
    if (version > schema.schemaVersion) {
      return yield* fail(
        "load",
        `newer schema: the database is at schema ${version}, this codex-auth knows ${schema.schemaVersion}`
      )
    }
    if (version < schema.schemaVersion) {
      return yield* fail(
        "load",
        `older schema: the database is at schema ${version}, this codex-auth needs ${schema.schemaVersion}: run ` +
          "`codex-auth store migrate` (or apply `codex-auth store migrate --print`; it only adds)"
      )
    }

    const fenceRef = FiberRef.unsafeMake<Fence | undefined>(undefined)
    // The newest version this replica has read or written: a notice of it (our own save) is not news.
    let knownVersion = 0
    const accountLockKey = schema.lockKey(`codex-auth/credentials/${account}`)

    const encode = (document: AuthJson.AuthDocument): Effect.Effect<string> => {
      const text = AuthJson.stringifyCompact(document)
      return sealingKey === undefined
        ? Effect.succeed(text)
        : Effect.promise(() => seal.seal(sealingKey, account, text))
    }
    const decode = (row: Row) =>
      Effect.gen(function*() {
        if (row.format > schema.documentFormat) {
          return yield* fail(
            "load",
            `newer schema: the row's document is in format ${row.format}, this codex-auth reads ${schema.documentFormat}`
          )
        }
        let text = row.document
        if (seal.isSealed(text)) {
          const opened = yield* Effect.promise(() => seal.open(openingKeys, account, text))
          if (!opened.ok) return yield* fail("load", opened.reason)
          text = opened.plaintext
        }
        return yield* AuthJson.parse(text, { path: location })
      })

    const load = Effect.gen(function*() {
      const rows = yield* retryTransient(sql<Row>`SELECT document, format, version FROM ${sql(schema.credentialsTable)}
        WHERE account = ${account}`).pipe(Effect.mapError(fromSql("load")))
      const fence = yield* FiberRef.get(fenceRef)
      const row = rows[0]
      if (fence !== undefined) fence.version = row === undefined ? 0 : Number(row.version)
      if (row !== undefined) knownVersion = Math.max(knownVersion, Number(row.version))
      if (row === undefined) return Option.none<AuthJson.AuthDocument>()
      return Option.some(yield* decode(row))
    })

    const save = (document: AuthJson.AuthDocument) =>
      Effect.gen(function*() {
        const text = yield* encode(document)
        const fence = yield* FiberRef.get(fenceRef)
        const table = sql(schema.credentialsTable)
        // Under the lock, the save is fenced on the version read there: a holder that lost its lock (connection cut,
        // process paused past the others' wait) finds a newer version and writes nothing. Outside a lock: last wins.
        const statement = fence === undefined || fence.version === undefined
          ? sql<{ version: string }>`
            WITH saved AS (
              INSERT INTO ${table} (account, document, format, version) VALUES (${account}, ${text}, ${schema.documentFormat}, 1)
              ON CONFLICT (account) DO UPDATE SET document = EXCLUDED.document, format = EXCLUDED.format,
                version = ${table}.version + 1, updated_at = now()
              RETURNING version)
            SELECT version, pg_notify(${schema.channel}, ${account} || ':' || version::text) FROM saved`
          : fence.version === 0
          ? sql<{ version: string }>`
            WITH saved AS (
              INSERT INTO ${table} (account, document, format, version) VALUES (${account}, ${text}, ${schema.documentFormat}, 1)
              ON CONFLICT (account) DO NOTHING
              RETURNING version)
            SELECT version, pg_notify(${schema.channel}, ${account} || ':' || version::text) FROM saved`
          : sql<{ version: string }>`
            WITH saved AS (
              UPDATE ${table} SET document = ${text}, format = ${schema.documentFormat}, version = version + 1,
                updated_at = now()
              WHERE account = ${account} AND version = ${fence.version}
              RETURNING version)
            SELECT version, pg_notify(${schema.channel}, ${account} || ':' || version::text) FROM saved`
        // A retry after a lost reply may find its own write there: that is success, not a fence.
        const written = yield* retryTransient(
          Effect.flatMap(statement, (rows) =>
            rows.length > 0 || fence?.version === undefined
              ? Effect.succeed(rows)
              : Effect.map(
                sql<
                  { version: string }
                >`SELECT version FROM ${table} WHERE account = ${account} AND document = ${text}`,
                (mine) => mine.length > 0 ? mine : rows
              ))
        )
        if (written[0] === undefined) {
          return yield* fail(
            "save",
            `fenced: the row is no longer at version ${fence?.version} (another replica saved after this one read it)`
          )
        }
        if (fence !== undefined) fence.version = Number(written[0].version)
        knownVersion = Math.max(knownVersion, Number(written[0].version))
      }).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(fromSql("save")(error))))

    const remove = retryTransient(sql<{ account: string }>`DELETE FROM ${sql(schema.credentialsTable)}
      WHERE account = ${account} RETURNING account`).pipe(
      Effect.map((rows) => rows.length > 0),
      Effect.mapError(fromSql("remove"))
    )

    // A session advisory lock on a connection reserved for the lock alone: the lock ends with that connection (a
    // replica killed or cut off releases it at once), and the saves made under it go through other connections, so
    // the issuer's answer is committed the moment it is saved, not at the end of a transaction that could be lost.
    const advisoryLock = Effect.gen(function*() {
      const connection = yield* sql.reserve
      yield* connection.executeRaw(
        `SET lock_timeout = ${lockTimeoutMillis}; SELECT pg_advisory_lock(${accountLockKey}); RESET lock_timeout`,
        []
      )
      yield* Effect.addFinalizer(() =>
        connection.executeRaw(`SELECT pg_advisory_unlock(${accountLockKey})`, []).pipe(Effect.ignore)
      )
    })

    // The advisory lock alone ends when its connection does — also when the server restarts while the holder's
    // refresh is in flight, and the holder is still alive. So the holder also keeps a lease row, beaten from its
    // other connections: a new lock holder waits while another's lease is alive, and takes over only when its
    // heartbeat has stopped for leaseTimeout (the holder died or is paused; then the fence guards the row).
    const leases = sql(schema.leaseTable)
    const awaitLease = Effect.gen(function*() {
      const rows = yield* sql<{ age: number }>`SELECT (extract(epoch FROM now() - heartbeat_at) * 1000)::float8 AS age
        FROM ${leases} WHERE account = ${account}`
      const age = rows[0]?.age
      if (age !== undefined && age < leaseTimeoutMillis) return yield* Effect.fail("alive" as const)
    }).pipe(
      Effect.retry({
        schedule: Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.millis(lockTimeoutMillis))),
        while: (reason) => reason === "alive" || isTransient(reasonOf(reason))
      }),
      Effect.catchIf(
        (reason): reason is "alive" => reason === "alive",
        () => Effect.fail(fail("lock", `lock wait exceeded ${lockTimeoutMillis} ms (another replica's lease is alive)`))
      )
    )
    const takeLease = (holder: string) =>
      Effect.gen(function*() {
        yield* retryTransient(
          sql`INSERT INTO ${leases} (account, holder, heartbeat_at) VALUES (${account}, ${holder}, now())
          ON CONFLICT (account) DO UPDATE SET holder = EXCLUDED.holder, heartbeat_at = now()`
        )
        const beat = sql`UPDATE ${leases} SET heartbeat_at = now() WHERE account = ${account} AND holder = ${holder}`
        // Not forkScoped: closing the scope would wait for the heartbeat's interruption, and interrupting a beat in
        // flight never completed in a long-lived process (the broker: the lock was never given back, the save's
        // answer never sent). The finalizer only signals it; a last beat after the lease is gone updates no row.
        const heartbeat = yield* Effect.forkDaemon(
          Effect.repeat(Effect.ignore(beat), Schedule.spaced(Duration.millis(Math.max(50, leaseTimeoutMillis / 5))))
        )
        yield* Effect.addFinalizer(() => Fiber.interruptFork(heartbeat))
        yield* Effect.addFinalizer(() =>
          retryTransient(sql`DELETE FROM ${leases} WHERE account = ${account} AND holder = ${holder}`).pipe(
            Effect.ignore
          )
        )
      })

    const acquire = Effect.gen(function*() {
      yield* Effect.retry(advisoryLock, {
        schedule: transientRetry,
        while: (error) => isTransient(reasonOf(error))
      })
      yield* awaitLease
      yield* takeLease(crypto.randomUUID())
    }).pipe(
      Effect.catchTag("SqlError", (error) => {
        const reason = reasonOf(error)
        return Effect.fail(
          reason.includes("SQLSTATE 55P03")
            ? fail("lock", `lock wait exceeded ${lockTimeoutMillis} ms (SQLSTATE 55P03)`)
            : fail("lock", reason)
        )
      })
    )

    // Another replica's save, announced by LISTEN/NOTIFY on the store's own connection. A listener that lost its
    // connection reconnects and reports a change (it may have missed one): a dropped cache costs one read.
    const pg = yield* Effect.serviceOption(PgClient.PgClient)
    const changes = Option.map(pg, (client) =>
      Stream.retry(
        Stream.concat(
          Stream.make(undefined as string | undefined),
          client.listen(schema.channel)
        ),
        Schedule.spaced(Duration.seconds(1))
      ).pipe(
        Stream.orElse(() => Stream.empty),
        Stream.drop(1),
        Stream.filter((payload) => {
          if (payload === undefined) return true
          const cut = payload.lastIndexOf(":")
          return payload.slice(0, cut) === account && Number(payload.slice(cut + 1)) > knownVersion
        }),
        Stream.as(undefined as void)
      ))

    const service: Service = {
      knownVersion: () => knownVersion,
      kind: "postgres",
      location,
      changes: Option.getOrUndefined(changes),
      load,
      save,
      remove,
      withLock: (effect) =>
        Effect.scoped(
          Effect.zipRight(acquire, Effect.suspend(() => Effect.locally(effect, fenceRef, { version: undefined })))
        )
    }
    return service
  })

/** Creates the schema when absent: idempotent, and safe when many replicas start at once. */
export const migrate: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    sql.withTransaction(
      Effect.gen(function*() {
        yield* sql.unsafe(`SELECT pg_advisory_xact_lock(${schema.migrationLockKey})`)
        for (const statement of schema.migrationStatements) yield* sql.unsafe(statement)
      })
    )
)

/** The database could not be reached at start: a typed error naming the server (no password) and the next step. */
export const connectError = (location: string, error: SqlError): CredentialStoreError =>
  new CredentialStoreError({
    store: "postgres",
    operation: "load",
    location,
    reason: `could not connect: ${reasonOf(error)}`
  })
