// Fleet: replicas sharing one login through the PostgreSQL store (a cluster started here from Debian's binaries).
// 1. Grants per rotation and the time from "go" until every replica holds the new token: BENCH_PROCESSES replicas
//    (default 32) on 4 machines (network namespaces over veth where scripts/netns.sh allows, as in test/fleet), each
//    building a fresh session (a replica's start: connect, check the schema, read the row) and asking for a token
//    while the stored one is expired. BENCH_ROUNDS rounds (default 5).
// 2. Warm getToken: a session over the PostgreSQL store vs one over the file store, fresh token in memory.
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Session from "@codex-auth/core/Session"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { makeFleet } from "../test/support/machines.ts"
import { startCluster } from "../test/support/postgres.ts"
import { authJsonText, fmt, machine, median, repoRoot, table, tempCodexHome, writeAuthJson } from "./support.ts"

const processes = Number(process.env["BENCH_PROCESSES"] ?? 32)
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5)
const warmCalls = 1_000_000
const childScript = Path.join(repoRoot, "test/fleet/fleetChild.mjs")

const main = Effect.gen(function*() {
  const emulator = yield* startEmulator()
  const cluster = yield* startCluster
  const fleet = yield* makeFleet(4)
  const issuer = `http://${yield* fleet.reach(Number(new URL(emulator.url).port))}`
  const databaseUrl = `postgres://postgres@${yield* fleet.reach(cluster.port)}/postgres`
  const store = Context.get(
    yield* Layer.build(PostgresCredentialStore.layer({ url: Redacted.make(cluster.url) })),
    CredentialStore
  )
  const homes = Array.from({ length: processes }, () => tempCodexHome())
  const children = yield* Effect.promise(() =>
    Promise.all(
      homes.map((home, i) =>
        new Promise<{ send: (line: string) => void; next: () => Promise<any>; kill: () => void }>((resolve) => {
          const child = fleet.machines[i % 4]!.spawnNode([childScript], {
            env: { ...process.env, CODEX_HOME: home.path, ISSUER: issuer, CODEX_AUTH_DATABASE_URL: databaseUrl },
            stdio: ["pipe", "pipe", "inherit"]
          })
          const lines = Readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
          const next = () => lines.next().then((r) => JSON.parse(String(r.value)))
          void next().then(() =>
            resolve({ send: (line) => child.stdin!.write(line + "\n"), next, kill: () => child.kill("SIGKILL") })
          )
        })
      )
    )
  )
  const rows: Array<Array<string>> = []
  const totals: Array<number> = []
  for (let round = 1; round <= rounds; round++) {
    const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    yield* store.save(yield* AuthJson.parse(authJsonText(minted, issuer), { path: "seed" }))
    yield* emulator.admin.clearRequests
    const start = process.hrtime.bigint()
    for (const child of children) child.send(`go ${round}`)
    const answers = yield* Effect.promise(() =>
      Promise.all(
        children.map((child) =>
          child.next().then((answer) => ({ at: Number(process.hrtime.bigint() - start) / 1e6, answer }))
        )
      )
    )
    const requests = yield* emulator.admin.requests
    const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token").length
    const reused = requests.filter((r) => r.errorCode === "refresh_token_reused").length
    const distinct = new Set(answers.map((a) => a.answer.token ?? `error: ${a.answer.error}`)).size
    const times = answers.map((a) => a.at)
    totals.push(Math.max(...times))
    rows.push([
      String(round),
      String(processes),
      String(grants),
      String(reused),
      String(distinct),
      fmt(Math.min(...times), 1),
      fmt(median(times), 1),
      fmt(Math.max(...times), 1)
    ])
  }
  for (const child of children) child.kill()
  for (const home of homes) home.cleanup()
  table(
    `Fleet: ${processes} replicas on ${
      fleet.isolated ? "4 network namespaces (veth)" : "4 process groups"
    }, one PostgreSQL row, expired token — ${machine()}`,
    ["round", "replicas", "refresh grants", "reuse errors", "distinct tokens", "first ms", "median ms", "all ms"],
    rows
  )
  console.log(`\nMedian time until every replica holds the new token: ${fmt(median(totals), 1)} ms (from "go").`)

  // Warm getToken: the same fresh login, in memory, over each store.
  const fresh = yield* emulator.admin.mintTokens({})
  yield* store.save(yield* AuthJson.parse(authJsonText(fresh, emulator.url), { path: "warm" }))
  const home = tempCodexHome()
  writeAuthJson(home.path, authJsonText(fresh, emulator.url))
  process.env["CODEX_HOME"] = home.path
  const measure = (store: "file" | Layer.Layer<CredentialStore, never>) =>
    Effect.gen(function*() {
      const session = Context.get(
        yield* Layer.build(NodeSession.layer({ profile: { issuer: emulator.url }, store: store as never })),
        Session.Session
      )
      yield* session.getToken
      const before = yield* Effect.promise(() => countStatements(cluster.psql))
      const start = process.hrtime.bigint()
      for (let i = 0; i < warmCalls; i++) yield* session.getToken
      const nanos = Number(process.hrtime.bigint() - start) / warmCalls
      const after = yield* Effect.promise(() => countStatements(cluster.psql))
      return { nanos, statements: after - before }
    })
  const pgStore = PostgresCredentialStore.layer({ url: Redacted.make(cluster.url) }) as unknown as Layer.Layer<
    CredentialStore,
    never
  >
  const onFile = yield* measure("file")
  const onPostgres = yield* measure(pgStore)
  table(`Warm getToken (fresh token in memory, ${warmCalls.toLocaleString("en")} calls in one fiber)`, [
    "store",
    "ns/call",
    "database statements during the loop"
  ], [
    ["file (CODEX_HOME/auth.json)", fmt(onFile.nanos, 0), "—"],
    ["postgres", fmt(onPostgres.nanos, 0), String(onPostgres.statements)]
  ])
  home.cleanup()
  Fs.rmSync(home.path, { recursive: true, force: true })
})

/**
 * Transactions the server has run so far (pg_stat_database, flushed by the backends within a second of going idle:
 * wait that long first). The reading itself is one, subtracted.
 */
const countStatements = async (psql: (sql: string) => string): Promise<number> => {
  await new Promise((resolve) => setTimeout(resolve, 1500))
  return Number(psql("SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database WHERE datname = 'postgres'")) - 1
}

await Effect.runPromise(Effect.scoped(main))
process.exit(0)
