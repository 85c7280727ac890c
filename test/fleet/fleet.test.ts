// A fleet on one PostgreSQL store: 4 machines (network namespaces joined over veth, see test/support/machines.ts) ×
// 8 processes, each with its own empty CODEX_HOME, against the rotation-enforcing emulator. Every round the login's
// access token is expired: the whole fleet makes exactly one refresh grant and all 32 get the same new token.
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import { startEmulator } from "@codex-auth/emulator/node"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ChildProcess } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { authJsonText } from "../session/fixtures.ts"
import { type Fleet, makeFleet } from "../support/machines.ts"
import { startCluster } from "../support/postgres.ts"

const here = Path.dirname(new URL(import.meta.url).pathname)
const requireBuild = () =>
  assert.isTrue(
    Fs.existsSync(Path.resolve("packages/postgres/dist/PostgresCredentialStore.js")),
    "build first: npm run build"
  )

const storeKey = Buffer.alloc(32, 3).toString("base64")

interface Replica {
  readonly child: ChildProcess
  readonly machine: string
  readonly next: () => Promise<any>
  readonly send: (line: string) => void
}

const startReplica = (
  fleet: Fleet,
  machineIndex: number,
  env: Record<string, string>
): Effect.Effect<Replica, never, import("effect/Scope").Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const machine = fleet.machines[machineIndex]!
      const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "fleet-home-"))
      const child = machine.spawnNode([Path.join(here, "fleetChild.mjs")], {
        env: { ...process.env, ...env, CODEX_HOME: home },
        stdio: ["pipe", "pipe", "inherit"]
      })
      const lines = Readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
      const next = () => lines.next().then((r) => (r.done ? { exited: true } : JSON.parse(String(r.value))))
      const ready = await next()
      assert.isTrue(ready.ready, `replica on ${machine.name} did not start`)
      return { child, machine: machine.name, next, send: (line: string) => child.stdin!.write(line + "\n"), home }
    }),
    (replica) =>
      Effect.sync(() => {
        if (replica.child.exitCode === null) replica.child.kill("SIGKILL")
        Fs.rmSync((replica as unknown as { home: string }).home, { recursive: true, force: true })
      })
  )

/** The emulator, PostgreSQL and a fleet of machines reaching both; the store the test seeds the login through. */
const setup = (machines: number) =>
  Effect.gen(function*() {
    requireBuild()
    const emulator = yield* startEmulator()
    const cluster = yield* startCluster
    const fleet = yield* makeFleet(machines)
    const emulatorPort = Number(new URL(emulator.url).port)
    const issuer = `http://${yield* fleet.reach(emulatorPort)}`
    const databaseUrl = `postgres://postgres@${yield* fleet.reach(cluster.port)}/postgres`
    const context = yield* Layer.build(
      PostgresCredentialStore.layer({ url: Redacted.make(cluster.url), key: Redacted.make(storeKey) })
    )
    const store = Context.get(context, CredentialStore)
    /** A new login whose access token is already expired, stored for the fleet. */
    const seedExpired = Effect.gen(function*() {
      const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      const document = yield* AuthJson.parse(authJsonText(minted, issuer), { path: "seed" })
      yield* store.save(document)
      return minted
    })
    const env = { ISSUER: issuer, CODEX_AUTH_DATABASE_URL: databaseUrl, CODEX_AUTH_STORE_KEY: storeKey }
    return { emulator, cluster, fleet, store, seedExpired, env }
  })

const refreshGrants = (requests: ReadonlyArray<{ path: string; grantType?: string | undefined }>) =>
  requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")

describe("a fleet on PostgreSQL", () => {
  it.scopedLive(
    "4 machines × 8 processes, 20 rounds of an expired token: one grant per rotation, 32 identical tokens",
    () =>
      Effect.gen(function*() {
        const { cluster, emulator, env, fleet, seedExpired } = yield* setup(4)
        const replicas = yield* Effect.all(
          Array.from({ length: 32 }, (_, i) => startReplica(fleet, i % 4, env)),
          { concurrency: 8 }
        )
        const rounds = 20
        for (let round = 0; round < rounds; round++) {
          const minted = yield* seedExpired
          yield* emulator.admin.clearRequests
          for (const replica of replicas) replica.send(`go ${round}`)
          const answers = yield* Effect.promise(() => Promise.all(replicas.map((r) => r.next())))
          for (const answer of answers) assert.isUndefined(answer.error, `round ${round}: ${answer.error}`)
          const tokens = new Set(answers.map((a) => a.token as string))
          assert.strictEqual(tokens.size, 1, `round ${round}: all 32 hold the same token`)
          assert.notInclude([...tokens], minted.access_token, `round ${round}: the expired token was replaced`)
          const requests = yield* emulator.admin.requests
          assert.strictEqual(refreshGrants(requests).length, 1, `round ${round}: exactly one refresh grant`)
          assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"), `round ${round}: no reuse`)
        }
        // Sealed at rest all along: the database holds no token text.
        const dump = cluster.psql("SELECT document FROM codex_auth_credentials")
        assert.isTrue(dump.startsWith("sealed:v1:"))
        assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_credentials"), String(rounds * 2))
        for (const replica of replicas) replica.send("quit")
        console.log(`fleet: ${fleet.isolated ? "4 network namespaces over veth" : "4 process groups (no netns)"}`)
      }),
    { timeout: 600_000 }
  )

  it.scopedLive(
    "a replica SIGKILLed while holding the lock, before its request left: another proceeds, still one grant",
    () =>
      Effect.gen(function*() {
        const setupDone = yield* setup(2)
        const { emulator, fleet, seedExpired } = setupDone
        // A dead holder's lease delays the others by the lease timeout: short here.
        const env = { ...setupDone.env, CODEX_AUTH_STORE_LEASE_TIMEOUT_MS: "2000" }
        const holder = yield* startReplica(fleet, 0, env)
        const others = yield* Effect.all(Array.from({ length: 4 }, (_, i) => startReplica(fleet, 1 - (i % 2), env)))
        yield* seedExpired
        yield* emulator.admin.clearRequests
        holder.send("hold")
        assert.isTrue((yield* Effect.promise(() => holder.next())).held)
        for (const replica of others) replica.send("go 0")
        // They wait on the lock; the holder dies without a word (its connection closes with it).
        yield* Effect.sleep("300 millis")
        holder.child.kill("SIGKILL")
        const answers = yield* Effect.promise(() => Promise.all(others.map((r) => r.next())))
        for (const answer of answers) assert.isUndefined(answer.error, answer.error)
        assert.strictEqual(new Set(answers.map((a) => a.token)).size, 1)
        assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1)
      }),
    { timeout: 300_000 }
  )

  const interruptedRefresh = (interrupt: "restart" | "cut") =>
    Effect.gen(function*() {
      const { cluster, emulator, env, fleet, seedExpired, store } = yield* setup(2)
      const replicas = yield* Effect.all(Array.from({ length: 6 }, (_, i) => startReplica(fleet, i % 2, env)))
      yield* seedExpired
      const seededVersion = Number(cluster.psql("SELECT version FROM codex_auth_credentials"))
      yield* emulator.admin.clearRequests
      // The issuer takes 3 s to answer the refresh: the interruption lands while the request is in flight.
      yield* emulator.admin.addFault({
        path: "/oauth/token",
        grantType: "refresh_token",
        kind: "latency",
        millis: 3000
      })
      for (const replica of replicas) replica.send("go 0")
      // A replica holds the lock and its lease, and has sent its refresh.
      for (let tries = 0; cluster.psql("SELECT count(*) FROM codex_auth_leases") !== "1"; tries++) {
        assert.isBelow(tries, 200, "no replica took the lock")
        yield* Effect.sleep("50 millis")
      }
      yield* Effect.sleep("700 millis")
      if (interrupt === "restart") {
        cluster.stop()
        yield* Effect.sleep("500 millis")
        cluster.start()
      } else {
        const killed = cluster.psql(
          "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        )
        assert.strictEqual(killed, "1", "the lock holder's connection was cut")
      }
      const answers = yield* Effect.promise(() => Promise.all(replicas.map((r) => r.next())))
      for (const answer of answers) assert.isUndefined(answer.error, answer.error)
      const tokens = new Set(answers.map((a) => a.token as string))
      assert.strictEqual(tokens.size, 1, "every replica holds the same token")
      const requests = yield* emulator.admin.requests
      assert.strictEqual(refreshGrants(requests).length, 1, "no double grant")
      assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"))
      // The issuer's answer reached the row exactly once, and nothing stale was written over it.
      assert.strictEqual(Number(cluster.psql("SELECT version FROM codex_auth_credentials")), seededVersion + 1)
      const stored = yield* store.load
      const storedAccess = Option.getOrThrow(Option.getOrThrow(stored).tokens).accessToken
      assert.strictEqual(Redacted.value(storedAccess), [...tokens][0])
      assert.strictEqual(cluster.psql("SELECT count(*) FROM codex_auth_leases"), "0", "the lease was given back")
    })

  it.scopedLive(
    "PostgreSQL restarted during a refresh: no double grant, the rotated token is saved, callers recover",
    () => interruptedRefresh("restart"),
    { timeout: 300_000 }
  )

  it.scopedLive(
    "the lock holder's connection cut mid-refresh: no double grant, no stale overwrite, callers recover",
    () => interruptedRefresh("cut"),
    { timeout: 300_000 }
  )
})
