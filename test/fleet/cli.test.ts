// The CLI with the PostgreSQL store, as an operator runs it (the built bin; `npm run build` first): the schema printed
// for a DBA, a laptop's login copied into the fleet's store and back, `status` / `token` on `--store postgres` and
// CODEX_AUTH_STORE=postgres, an account name per side of `store copy`, `login --account NAME` into that account's row
// (device flow against the emulator), and a database that is down — never a password in what is printed.
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"
import { startCluster } from "../support/postgres.ts"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Effect.Effect<Result> =>
  Effect.async((resume) => {
    const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "" }
    delete base["CI"]
    delete base["CODEX_HOME"]
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

const password = "pw-never-printed-7f3a"

describe("codex-auth with --store postgres", () => {
  it.scopedLive("store migrate --print shows the idempotent schema script", () =>
    Effect.gen(function*() {
      const printed = yield* run(["store", "migrate", "--print"])
      assert.strictEqual(printed.code, 0, printed.stderr)
      assert.include(printed.stdout, "CREATE TABLE IF NOT EXISTS codex_auth_credentials")
      assert.include(printed.stdout, "pg_advisory_xact_lock")
    }), { timeout: 60_000 })

  it.scopedLive(
    "a laptop's login copied into PostgreSQL, used from there, and taken back",
    () =>
      Effect.gen(function*() {
        assert.isTrue(Fs.existsSync(bin), "build first: npm run build")
        const cluster = yield* startCluster
        const emulator = yield* startEmulator()
        const laptop = yield* tempCodexHome
        const replica = yield* tempCodexHome
        const back = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({})
        writeAuthJson(laptop, authJsonText(minted, emulator.url))
        // trust authentication ignores the password: it is there to prove it is never printed.
        const url = cluster.url.replace("postgres@", `postgres:${password}@`)
        const env = { CODEX_AUTH_DATABASE_URL: url, CODEX_AUTH_ISSUER: emulator.url }

        const migrated = yield* run(["store", "migrate"], env)
        assert.strictEqual(migrated.code, 0, migrated.stderr)
        const copied = yield* run(
          ["store", "copy", "--from", "file", "--to", "postgres", "--codex-home", laptop, "--account", "team"],
          env
        )
        assert.strictEqual(copied.code, 0, copied.stderr)
        assert.include(copied.stderr, "account team")

        const status = yield* run(["status", "--store", "postgres", "--codex-home", replica], {
          ...env,
          CODEX_AUTH_STORE_ACCOUNT: "team"
        })
        assert.strictEqual(status.code, 0, status.stderr)
        assert.include(status.stderr, "(postgres)", "status names the store")
        assert.include(status.stderr, "account team", "status names the account")

        const token = yield* run(["token", "--codex-home", replica], {
          ...env,
          CODEX_AUTH_STORE: "postgres",
          CODEX_AUTH_STORE_ACCOUNT: "team"
        })
        assert.strictEqual(token.code, 0, token.stderr)
        assert.strictEqual(token.stdout.trim(), minted.access_token)
        assert.isFalse(Fs.existsSync(Path.join(replica, "auth.json")), "the replica kept nothing on disk")

        const takenBack = yield* run(
          ["store", "copy", "--from", "postgres", "--to", "file", "--codex-home", back, "--account", "team"],
          env
        )
        assert.strictEqual(takenBack.code, 0, takenBack.stderr)
        assert.strictEqual(readAuthJson(back).tokens.refresh_token, minted.refresh_token)

        const empty = yield* run(["store", "copy", "--from", "postgres", "--to", "file", "--account", "nobody"], env)
        assert.strictEqual(empty.code, 1)
        assert.include(empty.stderr, "no login")

        for (const result of [migrated, copied, status, token, takenBack, empty]) {
          assert.notInclude(result.stdout + result.stderr, password)
        }
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "store copy names an account per side: file → postgres under another name, row → row, and back",
    () =>
      Effect.gen(function*() {
        assert.isTrue(Fs.existsSync(bin), "build first: npm run build")
        const cluster = yield* startCluster
        const emulator = yield* startEmulator()
        const laptop = yield* tempCodexHome
        const back = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({})
        writeAuthJson(laptop, authJsonText(minted, emulator.url))
        // CODEX_AUTH_STORE_ACCOUNT names a third row: the per-side flags win over it.
        const env = {
          CODEX_AUTH_DATABASE_URL: cluster.url,
          CODEX_AUTH_ISSUER: emulator.url,
          CODEX_AUTH_STORE_ACCOUNT: "elsewhere"
        }
        const copy = (args: ReadonlyArray<string>) => run(["store", "copy", ...args], env)

        const seeded = yield* copy(["--from", "file", "--to", "postgres", "--codex-home", laptop, "--to-account", "a"])
        assert.strictEqual(seeded.code, 0, seeded.stderr)
        assert.include(seeded.stderr, "account a")
        const rowToRow = yield* copy([
          "--from",
          "postgres",
          "--to",
          "postgres",
          "--from-account",
          "a",
          "--to-account",
          "b"
        ])
        assert.strictEqual(rowToRow.code, 0, rowToRow.stderr)
        assert.include(rowToRow.stderr, "account b")
        assert.strictEqual(
          cluster.psql("SELECT string_agg(account, ',' ORDER BY account) FROM codex_auth_credentials"),
          "a,b",
          "one row per named account, none under CODEX_AUTH_STORE_ACCOUNT"
        )
        const takenBack = yield* copy([
          "--from",
          "postgres",
          "--to",
          "file",
          "--codex-home",
          back,
          "--from-account",
          "b"
        ])
        assert.strictEqual(takenBack.code, 0, takenBack.stderr)
        assert.strictEqual(readAuthJson(back).tokens.refresh_token, minted.refresh_token)

        // One row onto itself re-saves it (sealed with the current key: a key rotation's last step).
        const sameRow = yield* copy(["--from", "postgres", "--to", "postgres", "--account", "a"])
        assert.strictEqual(sameRow.code, 0, sameRow.stderr)
        assert.strictEqual(cluster.psql("SELECT version FROM codex_auth_credentials WHERE account = 'a'"), "2")
        // What cannot mean anything is refused with the next step, and writes nothing.
        const fileSide = yield* copy([
          "--from",
          "file",
          "--to",
          "postgres",
          "--codex-home",
          laptop,
          "--from-account",
          "a"
        ])
        assert.strictEqual(fileSide.code, 1)
        assert.include(fileSide.stderr, "--from-account names a PostgreSQL row")
        const missing = yield* copy([
          "--from",
          "postgres",
          "--to",
          "file",
          "--codex-home",
          back,
          "--from-account",
          "zz"
        ])
        assert.strictEqual(missing.code, 1)
        assert.include(missing.stderr, "account zz")
        assert.strictEqual(cluster.psql("SELECT count(*) FROM codex_auth_credentials"), "2")
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "login --account NAME on the PostgreSQL store signs in (device flow) into that row",
    () =>
      Effect.gen(function*() {
        assert.isTrue(Fs.existsSync(bin), "build first: npm run build")
        const cluster = yield* startCluster
        const emulator = yield* startEmulator({
          users: ["ops", "batch"].map((name) => Emulator.user({ email: `${name}@example.com` })),
          deviceInterval: "0"
        })
        const replica = yield* tempCodexHome
        const url = cluster.url.replace("postgres@", `postgres:${password}@`)
        const env = { CODEX_AUTH_DATABASE_URL: url, CODEX_AUTH_STORE_ACCOUNT: "elsewhere" }
        const signIn = (name: string, args: ReadonlyArray<string>, extraEnv: Record<string, string>) =>
          Effect.gen(function*() {
            const login = yield* Effect.fork(run([
              "login",
              "--account",
              name,
              "--flow",
              "device",
              "--issuer",
              emulator.url,
              "--codex-home",
              replica,
              "--json",
              ...args
            ], { ...env, ...extraEnv }))
            const pending = yield* emulator.admin.awaitPendingDeviceCode("60 seconds")
            yield* emulator.admin.approveDeviceCode(pending.userCode, `${name}@example.com`)
            return yield* Fiber.join(login)
          })

        const flag = yield* signIn("ops", ["--store", "postgres"], {})
        assert.strictEqual(flag.code, 0, flag.stderr)
        assert.strictEqual(JSON.parse(flag.stdout).email, "ops@example.com")
        // The same through the environment alone.
        const variable = yield* signIn("batch", [], { CODEX_AUTH_STORE: "postgres" })
        assert.strictEqual(variable.code, 0, variable.stderr)
        assert.strictEqual(JSON.parse(variable.stdout).email, "batch@example.com")

        assert.strictEqual(
          cluster.psql("SELECT string_agg(account, ',' ORDER BY account) FROM codex_auth_credentials"),
          "batch,ops",
          "one row per --account, none under CODEX_AUTH_STORE_ACCOUNT"
        )
        assert.isFalse(Fs.existsSync(Path.join(replica, "auth.json")), "nothing was saved on disk")
        for (const name of ["ops", "batch"]) {
          const status = yield* run(["status", "--store", "postgres", "--codex-home", replica, "--json"], {
            ...env,
            CODEX_AUTH_STORE_ACCOUNT: name
          })
          assert.strictEqual(status.code, 0, status.stderr)
          assert.include(status.stdout, `${name}@example.com`, "the row holds that account's login")
        }

        // The file pool's config has no meaning for a row: refused with the next step (exit 2), nothing asked.
        const pool = yield* run(
          ["login", "--account", "ops", "--pool", Path.join(replica, "pool.json"), "--store", "postgres"],
          env
        )
        assert.strictEqual(pool.code, 2)
        assert.include(pool.stderr, "--account NAME alone")
        for (const result of [flag, variable, pool]) assert.notInclude(result.stdout + result.stderr, password)
      }),
    { timeout: 180_000 }
  )

  it.scopedLive("a database that is down: exit 1, what to do next, no password", () =>
    Effect.gen(function*() {
      const cluster = yield* startCluster
      const replica = yield* tempCodexHome
      cluster.stop()
      const url = cluster.url.replace("postgres@", `postgres:${password}@`)
      const status = yield* run(["status", "--store", "postgres", "--codex-home", replica], {
        CODEX_AUTH_DATABASE_URL: url
      })
      assert.strictEqual(status.code, 1)
      assert.include(status.stderr, "could not connect")
      assert.include(status.stderr, "CODEX_AUTH_DATABASE_URL")
      assert.notInclude(status.stderr + status.stdout, password)
      const missing = yield* run(["status", "--store", "postgres", "--codex-home", replica], {})
      assert.strictEqual(missing.code, 1)
      assert.include(missing.stderr, "CODEX_AUTH_DATABASE_URL")
    }), { timeout: 120_000 })
})
