// The broker over the PostgreSQL store (issue 15's fleet store): two `codex-auth broker --store postgres` processes on
// one row — brokers on two machines — asked at once with the same expired login's refresh token → exactly 1 grant at
// the rotation-enforcing emulator, every answer the same new tokens, the row holding them. Needs a real PostgreSQL
// (`test/support/postgres.ts`, Debian's binaries via scripts/setup-postgres.sh) and the built CLI.
//   npm run build && bash scripts/netns.sh node_modules/.bin/vitest run test/broker/postgres.test.ts
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { authJsonText } from "../session/fixtures.ts"
import { startCluster } from "../support/postgres.ts"
import { type BrokerProcess, cliBin, runCli, startBrokerProcess } from "./support.ts"

const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"

const refresh = async (url: string, refreshToken: string) => {
  const response = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: clientId,
      grant_type: "refresh_token",
      refresh_reason: "proactive_expiry",
      refresh_token: refreshToken
    }),
    signal: AbortSignal.timeout(90_000)
  })
  return { status: response.status, json: await response.json() as any }
}

describe("the broker over the PostgreSQL store", () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined)
    cleanup.length = 0
  })

  // Once a hang (fixed 2026-12-03: the store's lease heartbeat was forkScoped, and closing the lock's scope waited for
  // the interruption of a beat in flight that never completed in a long-lived process) left the grant unsaved.
  it("two brokers on one row, 3 requests each at once: exactly 1 grant, the same tokens for all", async () => {
    expect(Fs.existsSync(cliBin), "build first: npm run build").toBe(true)
    const scope = Effect.runSync(Scope.make())
    cleanup.push(() => Effect.runPromise(Scope.close(scope, Exit.void)))
    const cluster = await Effect.runPromise(Scope.extend(startCluster, scope))
    const emulator = await startEmulatorPromise({})
    cleanup.push(() => emulator.close())
    const laptop = Fs.mkdtempSync(Path.join(Os.tmpdir(), "broker-pg-home-"))
    cleanup.push(async () => Fs.rmSync(laptop, { recursive: true, force: true }))
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    Fs.writeFileSync(Path.join(laptop, "auth.json"), authJsonText(minted, emulator.url), { mode: 0o600 })
    const env = {
      HOME: laptop,
      CODEX_AUTH_DATABASE_URL: cluster.url,
      CODEX_AUTH_ISSUER: emulator.url,
      CODEX_AUTH_STORE_ACCOUNT: "team"
    }
    const migrated = await runCli(["store", "migrate"], env)
    expect(migrated.code, migrated.stderr).toBe(0)
    const copied = await runCli(["store", "copy", "--from", "file", "--to", "postgres", "--codex-home", laptop], env)
    expect(copied.code, copied.stderr).toBe(0)

    const brokers: Array<BrokerProcess> = []
    for (let i = 0; i < 2; i++) {
      const broker = await startBrokerProcess(["--store", "postgres", "--codex-home", laptop], env)
      cleanup.push(() => broker.stop("SIGKILL"))
      brokers.push(broker)
    }
    await emulator.admin.clearRequests()
    const answers = await Promise.all(
      brokers.flatMap((broker) => [0, 1, 2].map(() => refresh(broker.url, minted.refresh_token)))
    )
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.json)).toBe(200)
    const refreshTokens = new Set(answers.map((answer) => answer.json.refresh_token as string))
    expect(refreshTokens.size, "one set of tokens for every caller").toBe(1)
    const [rotated] = refreshTokens
    expect(rotated).not.toBe(minted.refresh_token)
    const grants = (await emulator.admin.requests()).filter((entry) => entry.grantType === "refresh_token")
    expect(grants, JSON.stringify(grants)).toHaveLength(1)
    expect(grants[0]!.status).toBe(200)
    for (const broker of brokers) {
      expect(await broker.stop("SIGTERM")).toBe(130)
      expect(broker.stdout().trim()).toBe(broker.url)
      expect(broker.stdout() + broker.stderr()).not.toContain(minted.refresh_token)
      expect(broker.stdout() + broker.stderr()).not.toContain(rotated!)
    }

    // The row holds the answer: a file copy of it carries the rotated refresh token.
    const back = Fs.mkdtempSync(Path.join(Os.tmpdir(), "broker-pg-back-"))
    cleanup.push(async () => Fs.rmSync(back, { recursive: true, force: true }))
    const takenBack = await runCli(["store", "copy", "--from", "postgres", "--to", "file", "--codex-home", back], env)
    expect(takenBack.code, takenBack.stderr).toBe(0)
    expect(JSON.parse(Fs.readFileSync(Path.join(back, "auth.json"), "utf8")).tokens.refresh_token).toBe(rotated)
  }, 240_000)
})
