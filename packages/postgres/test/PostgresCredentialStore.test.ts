// The PostgreSQL store against a real server (a cluster this suite starts on 127.0.0.1 and stops): round trips,
// sealing at rest and key rotation, the lock's bounded wait, the fenced save of a holder that lost its lock, rows of a
// newer schema, a database that is down at start, and N replicas migrating at once.
import * as AuthJson from "@codex-auth/core/AuthJson"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import { CredentialStore as CredentialStoreTag } from "@codex-auth/core/CredentialStore"
import { startEmulator } from "@codex-auth/emulator/node"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { authJsonText } from "../../../test/session/fixtures.ts"
import { startCluster } from "../../../test/support/postgres.ts"

const keyA = Redacted.make(Buffer.alloc(32, 7).toString("base64"))
const keyB = Redacted.make(Buffer.alloc(32, 9).toString("base64"))

const storeFor = (url: string, options: PostgresCredentialStore.Options = {}) =>
  Layer.build(PostgresCredentialStore.layer({ url: Redacted.make(url), ...options })).pipe(
    Effect.map((context): CredentialStore.Service => Context.get(context, CredentialStoreTag))
  )

const mintedDocument = Effect.gen(function*() {
  const emulator = yield* startEmulator()
  const minted = yield* emulator.admin.mintTokens({})
  const document = yield* AuthJson.parse(authJsonText(minted, emulator.url), { path: "fixture" })
  return { minted, document }
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  return Option.getOrElse(Cause.failureOption(exit.cause), () => assert.fail(`expected a failure: ${exit.cause}`))
}

describe("PostgresCredentialStore", () => {
  it.scopedLive("saves, loads, versions and removes one row per account", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster
      const { document, minted } = yield* mintedDocument
      const store = yield* storeFor(cluster.url, { account: "team-a" })
      const other = yield* storeFor(cluster.url, { account: "team-b" })
      assert.isTrue(Option.isNone(yield* store.load))
      yield* store.save(document)
      yield* store.save(document)
      const loaded = yield* store.load
      assert.isTrue(Option.isSome(loaded))
      assert.strictEqual(
        Redacted.value(Option.getOrThrow(Option.getOrThrow(loaded).tokens).refreshToken),
        minted.refresh_token
      )
      assert.isTrue(Option.isNone(yield* other.load), "another account's row is apart")
      assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_credentials WHERE account = 'team-a'"), "2")
      assert.strictEqual(store.kind, "postgres")
      assert.include(store.location, "team-a")
      assert.isTrue(yield* store.remove)
      assert.isFalse(yield* store.remove)
      assert.isTrue(Option.isNone(yield* store.load))
    }), { timeout: 120_000 })

  it.scopedLive(
    "sealed at rest: a dump shows no token; a rotated key still opens; a moved row does not",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const { document, minted } = yield* mintedDocument
        const sealedA = yield* storeFor(cluster.url, { account: "fleet", key: keyA })
        yield* sealedA.save(document)
        const dump = cluster.psql("SELECT document FROM codex_auth_credentials")
        assert.isTrue(dump.startsWith("sealed:v1:"))
        for (const secret of [minted.access_token, minted.refresh_token, minted.id_token]) {
          assert.notInclude(dump, secret)
          assert.notInclude(dump, secret.slice(0, 24))
        }
        // Rotation: B is the new key, A still opens what A sealed; the next save seals with B.
        const rotated = yield* storeFor(cluster.url, { account: "fleet", key: keyB, previousKeys: [keyA] })
        assert.isTrue(Option.isSome(yield* rotated.load))
        yield* rotated.save(document)
        const onlyB = yield* storeFor(cluster.url, { account: "fleet", key: keyB })
        assert.isTrue(Option.isSome(yield* onlyB.load))
        const onlyA = yield* storeFor(cluster.url, { account: "fleet", key: keyA })
        const wrongKey = failureOf(yield* Effect.exit(onlyA.load))
        assert.strictEqual(wrongKey._tag, "CredentialStoreError")
        assert.include(wrongKey.message, "CODEX_AUTH_STORE_KEY")
        // The account is the associated data: the sealed row copied under another name does not open.
        cluster.psql(
          "INSERT INTO codex_auth_credentials (account, document, version) SELECT 'thief', document, 1 FROM codex_auth_credentials WHERE account = 'fleet'"
        )
        const thief = yield* storeFor(cluster.url, { account: "thief", key: keyB })
        assert.include(failureOf(yield* Effect.exit(thief.load)).message, "moved from another row")
        const badKey = yield* Effect.exit(storeFor(cluster.url, { key: Redacted.make("c2hvcnQ=") }))
        const badKeyError = failureOf(badKey)
        assert.include(badKeyError.message, "not a 32-byte key")
        assert.notInclude(badKeyError.message, "c2hvcnQ=")
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "the lock excludes another replica, and a wait past the bound is a typed error",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const first = yield* storeFor(cluster.url)
        const second = yield* storeFor(cluster.url, { lockTimeout: "300 millis" })
        const held = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* Effect.fork(
          first.withLock(Effect.zipRight(Deferred.succeed(held, undefined), Deferred.await(release)))
        )
        yield* Deferred.await(held)
        const error = failureOf(yield* Effect.exit(second.withLock(Effect.void)))
        assert.strictEqual(error._tag, "CredentialStoreError")
        assert.strictEqual(error.operation, "lock")
        assert.include(error.message, "lock wait exceeded")
        assert.include(error.message, "CODEX_AUTH_STORE_LOCK_TIMEOUT_MS")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        // Released: the other replica gets it now.
        assert.strictEqual(yield* second.withLock(Effect.succeed("got it")), "got it")
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "a holder that lost its lock and went quiet (paused) cannot overwrite what the next holder saved (fenced)",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const { document } = yield* mintedDocument
        // The stale holder beats its lease rarely; the next one gives up on a lease quiet for 300 ms: to the next
        // holder it looks like a paused process whose lock connection was cut.
        const stale = yield* storeFor(cluster.url, { account: "fence", leaseTimeout: "60 seconds" })
        const next = yield* storeFor(cluster.url, { account: "fence", leaseTimeout: "300 millis" })
        yield* stale.save(document)
        const loadedUnderLock = yield* Deferred.make<void>()
        const cut = yield* Deferred.make<void>()
        const staleRun = yield* Effect.fork(Effect.exit(stale.withLock(Effect.gen(function*() {
          yield* stale.load
          yield* Deferred.succeed(loadedUnderLock, undefined)
          yield* Deferred.await(cut)
          yield* stale.save(document)
        }))))
        yield* Deferred.await(loadedUnderLock)
        // The lock holder's connection is killed (a network cut): the server releases its advisory lock.
        const killed = cluster.psql(
          "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        )
        assert.strictEqual(killed, "1")
        const { document: newer, minted: newerTokens } = yield* mintedDocument
        yield* next.withLock(Effect.zipRight(next.load, next.save(newer)))
        yield* Deferred.succeed(cut, undefined)
        const staleExit = yield* Fiber.join(staleRun)
        const error = failureOf(staleExit)
        assert.strictEqual(error._tag, "CredentialStoreError")
        assert.include(error.message, "fenced")
        assert.include(
          cluster.psql("SELECT document FROM codex_auth_credentials WHERE account = 'fence'"),
          newerTokens.refresh_token
        )
        assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_credentials WHERE account = 'fence'"), "2")
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "a holder whose lock connection was cut keeps its turn: the next holder waits for its save, then reads it",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const { document } = yield* mintedDocument
        const holder = yield* storeFor(cluster.url, { account: "cut" })
        const next = yield* storeFor(cluster.url, { account: "cut" })
        yield* holder.save(document)
        const loadedUnderLock = yield* Deferred.make<void>()
        const proceed = yield* Deferred.make<void>()
        const { document: rotated, minted: rotatedTokens } = yield* mintedDocument
        const holderRun = yield* Effect.fork(holder.withLock(Effect.gen(function*() {
          yield* holder.load
          yield* Deferred.succeed(loadedUnderLock, undefined)
          yield* Deferred.await(proceed)
          yield* holder.save(rotated)
        })))
        yield* Deferred.await(loadedUnderLock)
        const killed = cluster.psql(
          "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        )
        assert.strictEqual(killed, "1")
        const nextRun = yield* Effect.fork(next.withLock(next.load))
        // The advisory lock is free now, but the holder's lease is alive: the next holder must not have read yet.
        yield* Effect.sleep("500 millis")
        assert.isNull(nextRun.unsafePoll(), "the next holder waits while the holder's lease is alive")
        yield* Deferred.succeed(proceed, undefined)
        yield* Fiber.join(holderRun)
        const seen = yield* Fiber.join(nextRun)
        assert.strictEqual(
          Redacted.value(Option.getOrThrow(Option.getOrThrow(seen).tokens).refreshToken),
          rotatedTokens.refresh_token,
          "the next holder reads what the cut-off holder saved"
        )
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "a row of a newer format, or a database at a newer schema, is refused with the next step",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const { document } = yield* mintedDocument
        const store = yield* storeFor(cluster.url)
        yield* store.save(document)
        cluster.psql("UPDATE codex_auth_credentials SET format = 2")
        const rowError = failureOf(yield* Effect.exit(store.load))
        assert.include(rowError.message, "newer schema")
        assert.include(rowError.message, "upgrade")
        cluster.psql("UPDATE codex_auth_schema SET version = 99")
        const schemaError = failureOf(yield* Effect.exit(storeFor(cluster.url)))
        assert.include(schemaError.message, "schema 99")
      }),
    { timeout: 120_000 }
  )

  it.scopedLive("a database that is down at start: a typed error without the password", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster
      cluster.stop()
      const url = `postgres://fleet:hunter2-secret@127.0.0.1:${cluster.port}/postgres`
      const error = failureOf(
        yield* Effect.exit(
          Layer.build(PostgresCredentialStore.layer({ url: Redacted.make(url), connectTimeout: "3 seconds" }))
        )
      )
      assert.strictEqual(error._tag, "CredentialStoreError")
      assert.include(error.message, "could not connect")
      assert.include(error.message, "CODEX_AUTH_DATABASE_URL")
      assert.notInclude(error.message, "hunter2")
      assert.include(error.message, `127.0.0.1:${cluster.port}`)
    }), { timeout: 120_000 })

  it.scopedLive("eight replicas starting at once on an empty database migrate it once", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster
      const stores = yield* Effect.all(Array.from({ length: 8 }, () => storeFor(cluster.url)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(stores.length, 8)
      assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_schema"), "2")
      assert.include(PostgresCredentialStore.migrationSql, "pg_advisory_xact_lock")
      // The printed script applies cleanly over an existing schema too (idempotent).
      cluster.psql(PostgresCredentialStore.migrationSql)
      assert.strictEqual(cluster.psql("SELECT count(*) FROM codex_auth_schema"), "1")
    }), { timeout: 120_000 })

  it.scopedLive(
    "a database at schema 1: refused without the migration (with the next step), upgraded with it",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const { document } = yield* mintedDocument
        const first = yield* storeFor(cluster.url)
        yield* first.save(document)
        // What schema 1 was: no needs_login_version column.
        cluster.psql("ALTER TABLE codex_auth_pool_health DROP COLUMN needs_login_version")
        cluster.psql("UPDATE codex_auth_schema SET version = 1")
        const refused = failureOf(yield* Effect.exit(storeFor(cluster.url, { migrate: false })))
        assert.include(refused.message, "older schema")
        assert.include(refused.message, "codex-auth store migrate")
        yield* storeFor(cluster.url)
        assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_schema"), "2")
        assert.strictEqual(
          cluster.psql(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'codex_auth_pool_health' " +
              "AND column_name = 'needs_login_version'"
          ),
          "1"
        )
        assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_credentials"), "1", "the row was kept")
      }),
    { timeout: 120_000 }
  )
})
