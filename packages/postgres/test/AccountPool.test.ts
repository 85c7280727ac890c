// The account pool on PostgreSQL: 3 accounts in the store, 4 replicas (each its own pool and connections, as on four
// machines). One replica reports a 429 for an account: no replica picks it until the reported reset, a replica that
// starts meanwhile knows it too, and after the reset it is picked again.
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeHttpClient from "@codex-auth/node/NodeHttpClient"
import * as PostgresAccountPool from "@codex-auth/postgres/PostgresAccountPool"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { authJsonText } from "../../../test/session/fixtures.ts"
import { startCluster } from "../../../test/support/postgres.ts"

const accounts = ["alpha", "bravo", "charlie"]

describe("the account pool on PostgreSQL", () => {
  it.scopedLive(
    "a 429 reported by one replica cools the account for every replica until the reset",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const emulator = yield* startEmulator({
          users: accounts.map((name) => Emulator.user({ email: `${name}@example.com` }))
        })
        const url = Redacted.make(cluster.url)
        const tokens = new Map<string, string>()
        for (const name of accounts) {
          const minted = yield* emulator.admin.mintTokens({ email: `${name}@example.com` })
          tokens.set(minted.access_token, name)
          const store = Context.get(
            yield* Layer.build(PostgresCredentialStore.layer({ url, account: name })),
            CredentialStore
          )
          yield* store.save(yield* AuthJson.parse(authJsonText(minted, emulator.url), { path: name }))
        }
        const services = Layer.provideMerge(
          OAuthClient.layer,
          Layer.mergeAll(ProviderProfile.layerConfig({ issuer: emulator.url }), NodeHttpClient.layerConfig)
        )
        const replica = () =>
          Effect.map(
            Layer.build(
              PostgresAccountPool.layer({ url, accounts, strategy: "round-robin" }).pipe(Layer.provide(services))
            ),
            (context) => Context.get(context, AccountPool.AccountPool)
          )
        const replicas = yield* Effect.all([replica(), replica(), replica(), replica()])
        const picks = (pool: AccountPool.AccountPool.Service, count: number) =>
          Effect.forEach(Array.from({ length: count }), () =>
            Effect.map(pool.getToken(), (selection) => {
              // The account's own token: the pool's account and the store's row agree.
              assert.strictEqual(tokens.get(Redacted.value(selection.token)), selection.account)
              return selection.account
            }))
        for (const pool of replicas) assert.sameMembers([...new Set(yield* picks(pool, 6))], accounts)

        const reset = Date.now() + 4_000
        yield* replicas[0]!.reportLimited("bravo", reset)
        // Every replica hears of it (LISTEN/NOTIFY): wait for the notice, bounded.
        for (const pool of replicas) {
          for (let tries = 0; (yield* pool.health("bravo"))._tag !== "CoolingDown"; tries++) {
            assert.isBelow(tries, 100, "a replica never heard of the 429")
            yield* Effect.sleep("20 millis")
          }
        }
        const late = yield* replica()
        assert.strictEqual((yield* late.health("bravo"))._tag, "CoolingDown", "a replica started later reads it")
        for (const pool of [...replicas, late]) {
          const picked = yield* picks(pool, 9)
          assert.notInclude(picked, "bravo")
          assert.sameMembers([...new Set(picked)], ["alpha", "charlie"])
        }
        // After the reset every replica picks it again.
        yield* Effect.sleep(`${Math.max(0, reset - Date.now()) + 100} millis`)
        for (const pool of [...replicas, late]) assert.include(yield* picks(pool, 3), "bravo")
      }),
    { timeout: 120_000 }
  )
})
