// The Deno runtime on the PostgreSQL store: `@codex-auth/postgres` (over `@effect/sql-pg` and `pg`, through Deno's
// npm compatibility) against a real PostgreSQL server (Debian's binaries, test/support/postgres.ts). A login whose
// access token has expired is seeded into a row from this Deno process; the Deno CLI's `token --store postgres`
// refreshes it (one grant at the emulator) and saves the rotated tokens into the row; `status` names the store and the
// account; the Node CLI then reads the same token from the row (no second grant); and the Deno facade
// (`CodexAuth.open({ store: "postgres" })`) answers the same token.
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as assert from "../../../test/shared/assert.ts"
import { startCluster } from "../../../test/support/postgres.ts"
import * as CodexAuth from "../src/CodexAuth.ts"
import { startEmulator, tempHome } from "./support/emulator.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const root = new URL("../../../", import.meta.url).pathname
const denoCli = `${root}packages/deno/cli.ts`
const nodeCli = `${root}packages/node/bin/codex-auth.js`

const run = async (command: string, args: ReadonlyArray<string>, extra: Record<string, string>) => {
  const env = Deno.env.toObject()
  delete env["CI"]
  delete env["CODEX_HOME"]
  const output = await new Deno.Command(command, {
    args: [...args],
    env: { ...env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "", ...extra },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped"
  }).output()
  const decoder = new TextDecoder()
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) }
}

Deno.test({
  name: "the Deno CLI and facade on --store postgres: refresh into the row, read back by Node",
  ...options,
  fn: async () => {
    const scope = Effect.runSync(Scope.make())
    const emulator = await startEmulator()
    try {
      const cluster = await Effect.runPromise(Scope.extend(startCluster, scope))
      const store = Context.get(
        await Effect.runPromise(
          Scope.extend(
            Layer.build(PostgresCredentialStore.layer({ url: Redacted.make(cluster.url), account: "deno-team" })),
            scope
          )
        ),
        CredentialStore
      )
      const minted = await emulator.run(emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 }))
      const text = JSON.stringify({
        auth_mode: "chatgpt",
        OPENAI_API_KEY: null,
        tokens: {
          id_token: minted.id_token,
          access_token: minted.access_token,
          refresh_token: minted.refresh_token,
          account_id: minted.account_id
        },
        last_refresh: new Date(Date.now() - 3_600_000).toISOString()
      })
      await Effect.runPromise(Effect.flatMap(AuthJson.parse(text, { path: "seed" }), store.save))
      await emulator.run(emulator.admin.clearRequests)

      const home = await tempHome()
      const env = {
        CODEX_AUTH_DATABASE_URL: cluster.url,
        CODEX_AUTH_STORE_ACCOUNT: "deno-team",
        CODEX_HOME: home
      }
      const token = await run(
        Deno.execPath(),
        ["run", "-A", "--conditions=source", denoCli, "token", "--store", "postgres", "--issuer", emulator.url],
        env
      )
      assert.equal(token.code, 0, token.stderr)
      const refreshed = token.stdout.trim()
      assert.notEqual(refreshed, minted.access_token, "the expired token was refreshed")
      const grants = (await emulator.run(emulator.admin.requests)).filter((r) =>
        r.path === "/oauth/token" && r.grantType === "refresh_token"
      )
      assert.equal(grants.length, 1, "one refresh grant")
      const row = Option.getOrThrow(await Effect.runPromise(store.load))
      assert.equal(Redacted.value(Option.getOrThrow(row.tokens).accessToken), refreshed, "saved into the row")
      assert.isFalse(await Deno.stat(`${home}/auth.json`).then(() => true, () => false), "nothing on disk")

      const status = await run(
        Deno.execPath(),
        ["run", "-A", "--conditions=source", denoCli, "status", "--store", "postgres"],
        env
      )
      assert.equal(status.code, 0, status.stderr)
      assert.include(status.stderr, "account deno-team", "status names the account")
      assert.include(status.stderr, "(postgres)", "and the store")

      const node = await run("node", [nodeCli, "token", "--store", "postgres", "--issuer", emulator.url], env)
      assert.equal(node.code, 0, node.stderr)
      assert.equal(node.stdout.trim(), refreshed, "the Node CLI reads the same row")

      const previous = Deno.env.toObject()
      for (const [key, value] of Object.entries(env)) Deno.env.set(key, value)
      try {
        const auth = await CodexAuth.open({ store: "postgres", issuer: emulator.url })
        try {
          assert.equal(await auth.getToken(), refreshed, "the Deno facade answers it too")
        } finally {
          await auth.close()
        }
      } finally {
        for (const key of Object.keys(env)) {
          if (previous[key] === undefined) Deno.env.delete(key)
          else Deno.env.set(key, previous[key])
        }
      }
      const after = (await emulator.run(emulator.admin.requests)).filter((r) =>
        r.path === "/oauth/token" && r.grantType === "refresh_token"
      )
      assert.equal(after.length, 1, "still one grant: the others read the row")
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await emulator.close()
    }
  }
})
