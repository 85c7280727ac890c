// The fleet's account pool shares "needs a new login": 3 accounts in PostgreSQL, 4 replicas (separate processes, each
// its own pool and connections), the rotation-enforcing emulator over HTTP. One account's refresh token is revoked at
// the emulator and its access token has expired: the first replica that picks it makes the one refused refresh
// grant, and from then on no replica (nor one started later) picks it or asks the issuer again — until a new login is
// saved to its row (`codex-auth login --account bravo --store postgres`, device flow), when every replica picks it
// again, with the new login's token.
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulator } from "@codex-auth/emulator/node"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { authJsonText, tempCodexHome } from "../session/fixtures.ts"
import { startCluster } from "../support/postgres.ts"

const here = import.meta.dirname
const root = Path.resolve(here, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")
const accounts = ["alpha", "bravo", "charlie"]

interface Pick {
  readonly account?: string
  readonly token?: string
  readonly error?: string
}

interface Replica {
  readonly ask: (line: string) => Effect.Effect<any>
}

const startReplica = (env: Record<string, string>): Effect.Effect<Replica, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const child = ChildProcess.spawn(process.execPath, [Path.join(here, "poolChild.mjs")], {
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "inherit"]
      })
      const lines = Readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      const next = () => lines.next().then((r) => (r.done ? { exited: true } : JSON.parse(String(r.value))))
      const ready = await next()
      assert.isTrue(ready.ready, "a replica did not start")
      return { child, next }
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  ).pipe(Effect.map(({ child, next }) => ({
    ask: (line: string) =>
      Effect.promise(() => {
        child.stdin.write(line + "\n")
        return next()
      })
  })))

const picks = (replica: Replica, count: number): Effect.Effect<ReadonlyArray<Pick>> =>
  Effect.map(replica.ask(`pick ${count}`), (answer) => answer.picks)

const healthOf = (replica: Replica, account: string): Effect.Effect<string> =>
  Effect.map(replica.ask(`health ${account}`), (answer) => answer.health)

/** Bounded: every replica reports `state` for the account (each hears of it over LISTEN/NOTIFY). */
const awaitHealth = (replicas: ReadonlyArray<Replica>, account: string, state: string) =>
  Effect.forEach(replicas, (replica, index) =>
    Effect.gen(function*() {
      for (let tries = 0; (yield* healthOf(replica, account)) !== state; tries++) {
        assert.isBelow(tries, 300, `replica ${index} never heard that ${account} is ${state}`)
        yield* Effect.sleep("50 millis")
      }
    }))

const runCli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
    const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" }
    delete base["CI"]
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
  })

describe("the fleet's pool on PostgreSQL", () => {
  it.scopedLive(
    "an account one replica finds needing a new login is picked by no replica until it is signed in again",
    () =>
      Effect.gen(function*() {
        assert.isTrue(Fs.existsSync(Path.join(root, "packages/postgres/dist/PostgresAccountPool.js")), "npm run build")
        const cluster = yield* startCluster
        const emulator = yield* startEmulator({
          users: accounts.map((name) => Emulator.user({ email: `${name}@example.com` })),
          deviceInterval: "0"
        })
        const url = Redacted.make(cluster.url)
        const storeOf = (account: string) =>
          Effect.map(
            Layer.build(PostgresCredentialStore.layer({ url, account })),
            (context) => Context.get(context, CredentialStore)
          )
        const owner = new Map<string, string>()
        let bravoRefresh = ""
        for (const name of accounts) {
          // bravo's access token has expired, so the first pick of it refreshes — with a refresh token revoked below.
          const minted = yield* emulator.admin.mintTokens({
            email: `${name}@example.com`,
            accessTokenTtlSeconds: name === "bravo" ? -60 : 3600
          })
          owner.set(minted.access_token, name)
          if (name === "bravo") bravoRefresh = minted.refresh_token
          const store = yield* storeOf(name)
          yield* store.save(yield* AuthJson.parse(authJsonText(minted, emulator.url), { path: name }))
        }
        assert.strictEqual(yield* emulator.admin.revoke({ refreshToken: bravoRefresh }), 1)
        yield* emulator.admin.clearRequests
        const refreshGrants = Effect.map(
          emulator.admin.requests,
          (requests) => requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
        )

        const env = { ISSUER: emulator.url, CODEX_AUTH_DATABASE_URL: cluster.url, ACCOUNTS: accounts.join(",") }
        const replicas = yield* Effect.all(Array.from({ length: 4 }, () => startReplica(env)), { concurrency: 4 })
        assert.lengthOf(yield* refreshGrants, 0, "nothing refreshes before a pick")

        // Replica 0 picks: bravo's refresh is refused, it moves on to the others (no error reaches the caller).
        const first = yield* picks(replicas[0]!, 3)
        for (const pick of first) {
          assert.isUndefined(pick.error)
          assert.notStrictEqual(pick.account, "bravo")
          assert.strictEqual(owner.get(pick.token!), pick.account, "each account's own token")
        }
        const refused = yield* refreshGrants
        assert.lengthOf(refused, 1, "one replica asked the issuer once")
        assert.isAtLeast(refused[0]!.status, 400, "and was refused")

        // Every replica hears of it; none picks bravo, and none asks the issuer with its dead refresh token.
        yield* awaitHealth(replicas, "bravo", "NeedsLogin")
        const late = yield* startReplica(env)
        assert.strictEqual(yield* healthOf(late, "bravo"), "NeedsLogin", "a replica started later reads it at once")
        const everyone = [...replicas, late]
        for (const replica of everyone) {
          const picked = yield* picks(replica, 9)
          assert.sameMembers([...new Set(picked.map((pick) => pick.account))], ["alpha", "charlie"])
        }
        assert.lengthOf(yield* refreshGrants, 1, "still the one refused grant: no replica tried bravo again")
        assert.strictEqual(
          cluster.psql("SELECT needs_login_version FROM codex_auth_pool_health WHERE account = 'bravo'"),
          "1",
          "the finding is kept with the row's version it was made at"
        )

        // A new login saved to bravo's row, from the CLI (device flow, approved at the emulator as bravo).
        const home = yield* tempCodexHome
        const login = yield* Effect.fork(runCli(
          ["login", "--account", "bravo", "--store", "postgres", "--flow", "device", "--issuer", emulator.url],
          { CODEX_AUTH_DATABASE_URL: cluster.url, CODEX_HOME: home }
        ))
        const pending = yield* emulator.admin.awaitPendingDeviceCode("60 seconds")
        yield* emulator.admin.approveDeviceCode(pending.userCode, "bravo@example.com")
        const signedIn = yield* Fiber.join(login)
        assert.strictEqual(signedIn.code, 0, signedIn.stderr)
        const saved = Option.getOrThrow(yield* (yield* storeOf("bravo")).load)
        const newToken = Redacted.value(Option.getOrThrow(saved.tokens).accessToken)

        // Every replica picks bravo again, with the new login's token.
        yield* awaitHealth(everyone, "bravo", "Healthy")
        for (const replica of everyone) {
          const picked = yield* picks(replica, 6)
          for (const pick of picked) assert.isUndefined(pick.error)
          const bravo = picked.filter((pick) => pick.account === "bravo")
          assert.isNotEmpty(bravo, "bravo is picked again")
          for (const pick of bravo) assert.strictEqual(pick.token, newToken)
        }
        assert.lengthOf(yield* refreshGrants, 1, "the new login's token was fresh: no refresh")
      }),
    { timeout: 240_000 }
  )
})
