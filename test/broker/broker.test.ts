// `codex-auth broker` with the real Codex CLI 0.169.0, offline against the rotation-enforcing emulator (a reused
// refresh token revokes its family): 6 concurrent `codex exec` on an expired token behind the broker → exactly 1
// grant, every exec signed in, auth.json ends with the live refresh token and `codex login status` reads it; the same
// mixed with 8 of our own `codex-auth token` processes on the same CODEX_HOME → still 1; bound to 127.0.0.1 only; no
// secret on its stdout/stderr; an unknown token gets the issuer's own answer; SIGINT exits 130.
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh node_modules/.bin/vitest run test/broker
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { authJsonText } from "../session/fixtures.ts"
import { codexBin, type CodexHome, execOfflineConfig, interopEnabled, makeCodexHome } from "../support/codex.ts"
import { type BrokerProcess, cliBin, runCli, startBrokerProcess } from "./support.ts"

const bin = codexBin()
const enabled = interopEnabled("broker")
if (!enabled) {
  console.warn(
    "broker: skipped — needs the Codex CLI (CODEX_BIN=$(bash scripts/setup-codex.sh)) and the loopback-only " +
      "namespace (bash scripts/netns.sh node_modules/.bin/vitest run test/broker)"
  )
}

const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"

const refreshGrants = async (emulator: StartedEmulatorPromise) =>
  (await emulator.admin.requests()).filter((e) => e.path === "/oauth/token" && e.grantType === "refresh_token")

const grantAt = (url: string, refreshToken: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: clientId,
      grant_type: "refresh_token",
      refresh_reason: "proactive_expiry",
      refresh_token: refreshToken
    })
  })

const connects = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect({ host, port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

describe.skipIf(!enabled)("codex-auth broker with the real Codex CLI", () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined)
    cleanup.length = 0
  })

  /** An emulator, a CODEX_HOME whose access token expired a minute ago, and the broker over it. */
  const setup = async () => {
    expect(Fs.existsSync(cliBin), "build first: npm run build").toBe(true)
    const emulator = await startEmulatorPromise({})
    cleanup.push(() => emulator.close())
    const home: CodexHome = await makeCodexHome(bin!)
    cleanup.push(home.remove)
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    Fs.writeFileSync(Path.join(home.codexHome, "auth.json"), authJsonText(minted, emulator.url), { mode: 0o600 })
    const broker = await startBrokerProcess(["--codex-home", home.codexHome], {
      HOME: home.home,
      CODEX_AUTH_ISSUER: emulator.url
    })
    cleanup.push(() => broker.stop("SIGKILL"))
    await emulator.admin.clearRequests()
    return { emulator, home, minted, broker }
  }

  const exec = (home: CodexHome, emulator: StartedEmulatorPromise, broker: BrokerProcess) =>
    home.run(["exec", "--skip-git-repo-check", ...execOfflineConfig(emulator.url), "say hi"], {
      env: { CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${broker.url}/oauth/token` },
      timeoutMs: 150_000
    })

  /** No token the emulator minted or rotated appears in the broker's output. */
  const expectNoSecrets = async (emulator: StartedEmulatorPromise, broker: BrokerProcess, more: Array<string>) => {
    const secrets = new Set(more)
    for (const entry of await emulator.admin.requests()) if (entry.refreshToken) secrets.add(entry.refreshToken)
    const output = broker.stdout() + broker.stderr()
    for (const secret of secrets) expect(output.includes(secret), "a token in the broker's output").toBe(false)
    expect(broker.stdout().trim()).toBe(broker.url)
  }

  /** auth.json holds the live refresh token: `codex login status` reads it, and the issuer still accepts it. */
  const expectLive = async (home: CodexHome, emulator: StartedEmulatorPromise, grantsBefore: number) => {
    const status = await home.run(["login", "status"], { timeoutMs: 60_000 }).done
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
    const stored = await home.authJson()
    expect(await refreshGrants(emulator)).toHaveLength(grantsBefore)
    // Spending it is the last act of the test: a 200 proves it was the family's current token.
    expect((await grantAt(`${emulator.url}/oauth/token`, stored.tokens.refresh_token)).status).toBe(200)
    return stored
  }

  it("6 concurrent codex exec on an expired token: exactly 1 grant, none rejected, auth.json live", async () => {
    const { broker, emulator, home, minted } = await setup()
    const runs = Array.from({ length: 6 }, () => exec(home, emulator, broker))
    const results = await Promise.all(runs.map((run) => run.done))
    for (const [index, result] of results.entries()) {
      expect(result.code, runs[index]!.output()).toBe(0)
      expect(runs[index]!.output()).not.toMatch(/could not be refreshed|sign in again/i)
    }
    const grants = await refreshGrants(emulator)
    expect(grants, JSON.stringify(grants)).toHaveLength(1)
    expect(grants[0]!.status).toBe(200)
    expect(grants[0]!.refreshToken).toBe(minted.refresh_token)
    // Every model call carried a bearer the emulator accepted.
    const calls = (await emulator.admin.requests()).filter((e) => e.path === "/backend-api/codex/responses")
    expect(calls.length).toBeGreaterThanOrEqual(6)
    expect(calls.every((call) => call.status === 200), JSON.stringify(calls.map((c) => c.status))).toBe(true)
    const stored = await expectLive(home, emulator, 1)
    expect(stored.tokens.refresh_token).not.toBe(minted.refresh_token)
    await expectNoSecrets(emulator, broker, [minted.access_token, stored.tokens.access_token])
    expect(await broker.stop("SIGINT")).toBe(130)
  }, 300_000)

  it("mixed with 8 codex-auth token processes on the same CODEX_HOME: still exactly 1 grant", async () => {
    const { broker, emulator, home, minted } = await setup()
    const tokenEnv = { HOME: home.home, CODEX_AUTH_ISSUER: emulator.url }
    const runs = Array.from({ length: 6 }, () => exec(home, emulator, broker))
    const tokens = Array.from(
      { length: 8 },
      () => runCli(["token", "--codex-home", home.codexHome], tokenEnv, 150_000)
    )
    const [execResults, tokenResults] = await Promise.all([
      Promise.all(runs.map((run) => run.done)),
      Promise.all(tokens)
    ])
    for (const [index, result] of execResults.entries()) {
      expect(result.code, runs[index]!.output()).toBe(0)
      expect(runs[index]!.output()).not.toMatch(/could not be refreshed|sign in again/i)
    }
    for (const result of tokenResults) expect(result.code, result.stderr).toBe(0)
    const printed = new Set(tokenResults.map((result) => result.stdout.trim()))
    expect(printed.size, "all 8 printed the same token").toBe(1)
    expect([...printed][0]).not.toBe(minted.access_token)
    const grants = await refreshGrants(emulator)
    expect(grants, JSON.stringify(grants)).toHaveLength(1)
    expect(grants[0]!.status).toBe(200)
    const stored = await expectLive(home, emulator, 1)
    expect(stored.tokens.access_token).toBe([...printed][0])
    await expectNoSecrets(emulator, broker, [minted.access_token, stored.tokens.access_token])
  }, 300_000)

  it(
    "127.0.0.1 only; an unknown token gets the issuer's own answer; nothing else is served; SIGINT exits 130",
    async () => {
      const { broker, emulator, minted } = await setup()
      const port = Number(new URL(broker.url).port)
      expect(new URL(broker.url).hostname).toBe("127.0.0.1")
      expect(await connects("127.0.0.1", port)).toBe(true)
      expect(await connects("127.0.0.2", port)).toBe(false)
      expect(await connects("::1", port)).toBe(false)

      const issuer = await grantAt(`${emulator.url}/oauth/token`, "rt_not_a_token_of_this_login")
      const answer = await grantAt(`${broker.url}/oauth/token`, "rt_not_a_token_of_this_login")
      expect(answer.status).toBe(issuer.status)
      expect(answer.headers.get("content-type")).toBe(issuer.headers.get("content-type"))
      expect(await answer.text()).toBe(await issuer.text())
      // Neither the unknown token nor anything else reached the issuer's refresh endpoint through the broker.
      expect(await refreshGrants(emulator)).toHaveLength(1) // the one sent straight to the issuer above

      expect((await fetch(`${broker.url}/backend-api/codex/models`)).status).toBe(404)
      expect((await fetch(`${broker.url}/oauth/token`)).status).toBe(404)
      await expectNoSecrets(emulator, broker, [minted.access_token, minted.refresh_token, minted.id_token])
      expect(await broker.stop("SIGINT")).toBe(130)
    },
    300_000
  )
})
