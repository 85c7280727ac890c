// Sessions over the PostgreSQL store: a replica learns of another's new token at once (LISTEN/NOTIFY) and drops its
// cached bearer, long before that bearer expires; the warm path stays in memory (it answers with the server down).
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Session from "@codex-auth/core/Session"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { authJsonText, tempCodexHome } from "../../../test/session/fixtures.ts"
import { startCluster } from "../../../test/support/postgres.ts"

describe("sessions on the PostgreSQL store", () => {
  it.scopedLive(
    "another replica's refresh reaches a warm replica at once; the warm path needs no database",
    () =>
      Effect.gen(function*() {
        const cluster = yield* startCluster
        const emulator = yield* startEmulator()
        // config.toml is read from CODEX_HOME: an empty one, shared by nothing else.
        process.env.CODEX_HOME = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({})
        const storeLayer = PostgresCredentialStore.layer({ url: Redacted.make(cluster.url) })
        const seed = Context.get(yield* Layer.build(storeLayer), CredentialStore)
        yield* seed.save(yield* AuthJson.parse(authJsonText(minted, emulator.url), { path: "seed" }))
        const replica = () =>
          Effect.map(
            Layer.build(NodeSession.layer({ profile: { issuer: emulator.url }, store: storeLayer as never })),
            (context) => Context.get(context, Session.Session)
          )
        const a = yield* replica()
        const b = yield* replica()
        assert.strictEqual(Redacted.value(yield* a.getToken), minted.access_token)
        assert.strictEqual(Redacted.value(yield* b.getToken), minted.access_token)

        // A refreshes (the token is an hour from expiry: B's copy would be served for that hour without the notice).
        yield* a.refresh
        const renewed = Redacted.value(yield* a.getToken)
        assert.notStrictEqual(renewed, minted.access_token)
        let seen = Redacted.value(yield* b.getToken)
        for (let tries = 0; seen !== renewed && tries < 100; tries++) {
          yield* Effect.sleep("50 millis")
          seen = Redacted.value(yield* b.getToken)
        }
        assert.strictEqual(seen, renewed, "B dropped its stale bearer and read A's")
        const grants = (yield* emulator.admin.requests).filter((r) => r.grantType === "refresh_token")
        assert.strictEqual(grants.length, 1, "B did not refresh on its own")

        // Warm: memory only — both answer with the database stopped.
        cluster.stop()
        assert.strictEqual(Redacted.value(yield* a.getToken), renewed)
        assert.strictEqual(Redacted.value(yield* b.getToken), renewed)
        delete process.env.CODEX_HOME
      }),
    { timeout: 120_000 }
  )
})
