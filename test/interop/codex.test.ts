// Interop with the real Codex CLI (@openai/codex 0.169.0): device-code login against the emulator, `login status`,
// a refresh of an expired access token by `codex exec` through CODEX_REFRESH_TOKEN_URL_OVERRIDE, and a cold refresh
// of a Codex login by `codex-auth token` (its startup path) that Codex then reads and refreshes from.
// Runs only inside scripts/netns.sh (loopback only), so the CLI can never reach the internet:
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh npx vitest run test/interop
import * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { runBin } from "../support/bin.ts"
import { codexBin, type CodexHome, execOfflineConfig, interopEnabled, makeCodexHome } from "../support/codex.ts"

const bin = codexBin()
const enabled = interopEnabled("interop")
if (!enabled) {
  console.warn(
    "interop: skipped — needs the Codex CLI (CODEX_BIN=$(bash scripts/setup-codex.sh)) and the loopback-only " +
      "namespace (bash scripts/netns.sh npx vitest run test/interop)"
  )
}

const user = Emulator.user({ email: "interop@example.com", accountId: "acct-interop", planType: "pro" })

describe.skipIf(!enabled)("the real Codex CLI against the emulator", () => {
  let emulator: StartedEmulatorPromise | undefined
  let home: CodexHome | undefined
  afterEach(async () => {
    await emulator?.close()
    await home?.remove()
    emulator = undefined
    home = undefined
  })

  const deviceLogin = async (started: StartedEmulatorPromise, codexHome: CodexHome) =>
    codexHome.run(["login", "--device-auth", "--experimental_issuer", started.url], { timeoutMs: 30_000 })

  /** A Codex device login whose tokens are already expired: the emulator, the home and the auth.json Codex wrote. */
  const expiredLogin = async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true, users: [user] })
    home = await makeCodexHome(bin!)
    await emulator.admin.updateSettings({ accessTokenTtlSeconds: -120 })
    const login = await deviceLogin(emulator, home)
    expect((await login.done).code, login.output()).toBe(0)
    return { emulator, home, before: await home.authJson() }
  }

  /** `codex exec` offline, refreshing through CODEX_REFRESH_TOKEN_URL_OVERRIDE (the model backend is absent). */
  const execRefreshing = (started: StartedEmulatorPromise, codexHome: CodexHome) =>
    codexHome.run(
      ["exec", "--skip-git-repo-check", ...execOfflineConfig(started.url), "say hi"],
      { env: { CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${started.url}/oauth/token` }, timeoutMs: 60_000 }
    )

  it("logs in with --device-auth, approved through the admin API; login status says ChatGPT", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", users: [user] })
    home = await makeCodexHome(bin!)
    const login = await deviceLogin(emulator, home)
    const pending = await emulator.admin.awaitPendingDeviceCode()
    await emulator.admin.approveDeviceCode(pending.userCode)
    const result = await login.done
    expect(result.code, login.output()).toBe(0)
    expect(result.stdout + result.stderr).toContain(`${emulator.url}/codex/device`)
    expect(result.stdout + result.stderr).toContain(pending.userCode)
    expect(result.stdout + result.stderr).toContain("Successfully logged in")

    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.code).toBe(0)
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")

    const auth = await home.authJson()
    expect(auth.auth_mode).toBe("chatgpt")
    expect(auth.OPENAI_API_KEY).toBeNull()
    expect(auth.tokens.account_id).toBe("acct-interop")
    expect(auth.tokens.oauth_provenance).toEqual({ issuer: emulator.url, client_id: Emulator.codexClientId })

    const log = await emulator.admin.requests()
    const [usercode, ...rest] = log
    expect(usercode!.path).toBe("/api/accounts/deviceauth/usercode")
    expect(usercode!.bodyKeys).toEqual(["client_id"])
    const polls = rest.filter((entry) => entry.path === "/api/accounts/deviceauth/token")
    expect(polls.at(-1)!.status).toBe(200)
    expect(polls.every((entry) => entry.bodyKeys.join() === "device_auth_id,user_code")).toBe(true)
    const exchanges = log.filter((entry) => entry.path === "/oauth/token")
    expect(exchanges).toHaveLength(1)
    expect(exchanges[0]!.grantType).toBe("authorization_code")
    expect(exchanges[0]!.status).toBe(200)
    expect(exchanges[0]!.contentType).toBe("application/x-www-form-urlencoded")
    expect(exchanges[0]!.bodyKeys).toEqual(["grant_type", "client_id", "code", "redirect_uri", "code_verifier"])
  })

  it("logs in with --device-auth when the emulator auto-approves", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true })
    home = await makeCodexHome(bin!)
    const login = await deviceLogin(emulator, home)
    const result = await login.done
    expect(result.code, login.output()).toBe(0)
    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
  })

  it("fails the login when device code login is disabled (usercode 404)", async () => {
    emulator = await startEmulatorPromise({ deviceCodeEnabled: false })
    home = await makeCodexHome(bin!)
    const result = await (await deviceLogin(emulator, home)).done
    expect(result.code).not.toBe(0)
    expect((result.stdout + result.stderr).toLowerCase()).toContain("device code")
    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.stdout + status.stderr).not.toContain("Logged in using ChatGPT")
  })

  it("codex exec refreshes an expired access token against the emulator: exactly one rotation", async () => {
    // Log in with tokens that are already expired, then let refreshed tokens live for an hour.
    const { before, emulator, home } = await expiredLogin()
    const expiredExp = JSON.parse(Buffer.from(before.tokens.access_token.split(".")[1], "base64url").toString()).exp
    expect(expiredExp * 1000).toBeLessThan(Date.now())
    await emulator.admin.updateSettings({ accessTokenTtlSeconds: 3600 })
    await emulator.admin.clearRequests()

    const exec = execRefreshing(emulator, home)
    const result = await exec.done
    // The model backend is absent, so exec fails after the refresh; what matters is the refresh.
    expect(result.signal, exec.output()).toBeNull()

    const grants = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/token")
    expect(grants, JSON.stringify(grants)).toHaveLength(1)
    const [grant] = grants
    expect(grant!.grantType).toBe("refresh_token")
    expect(grant!.status).toBe(200)
    expect(grant!.refreshToken).toBe(before.tokens.refresh_token)
    expect(grant!.contentType).toBe("application/json")
    expect(grant!.bodyKeys).toEqual(["client_id", "grant_type", "refresh_reason", "refresh_token"])
    expect(grant!.originator).toBe("codex_exec")
    expect(grant!.userAgent).toMatch(/^codex_exec\/0\.169\.0 /)

    const after = await home.authJson()
    expect(after.tokens.refresh_token).not.toBe(before.tokens.refresh_token)
    expect(after.tokens.access_token).not.toBe(before.tokens.access_token)
    expect(after.tokens.account_id).toBe("acct-interop")
    expect(Date.parse(after.last_refresh)).toBeGreaterThan(Date.parse(before.last_refresh))
    const freshExp = JSON.parse(Buffer.from(after.tokens.access_token.split(".")[1], "base64url").toString()).exp
    expect(freshExp * 1000).toBeGreaterThan(Date.now() + 30 * 60 * 1000)

    // What Codex wrote is the token the rotation issued: it is live, and the one it replaced is spent.
    const rotate = (token: string) =>
      fetch(`${emulator.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: Emulator.codexClientId, grant_type: "refresh_token", refresh_token: token })
      })
    expect((await rotate(after.tokens.refresh_token)).status).toBe(200)
    const reused = await rotate(before.tokens.refresh_token)
    expect(reused.status).toBe(401)
    expect((await reused.json()).error.code).toBe("refresh_token_reused")
  })

  it("codex-auth token refreshes a Codex login cold (its startup path), and Codex goes on from what it saved", async () => {
    const { before, emulator, home } = await expiredLogin()
    // Our refresh mints a token inside the 5-minute skew, so that Codex refreshes again from what we saved.
    await emulator.admin.updateSettings({ accessTokenTtlSeconds: 200 })
    await emulator.admin.clearRequests()
    const trace = Path.join(home.home, "startup-trace")
    const ours = await runBin(["token"], {
      CODEX_HOME: home.codexHome,
      HOME: home.home,
      CODEX_AUTH_ISSUER: emulator.url,
      CODEX_AUTH_STARTUP_TRACE: trace,
      CODEX_AUTH_CODE_CACHE: "off"
    })
    expect(ours.code, ours.stderr).toBe(0)
    expect(Fs.readFileSync(trace, "utf8")).toMatch(/^fast refresh \d+$/m)
    const saved = await home.authJson()
    expect(ours.stdout.trim()).toBe(saved.tokens.access_token)
    expect(saved.tokens.refresh_token).not.toBe(before.tokens.refresh_token)
    expect(Object.keys(saved)).toEqual(Object.keys(before))
    expect(Object.keys(saved.tokens)).toEqual(Object.keys(before.tokens))

    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")

    await emulator.admin.updateSettings({ accessTokenTtlSeconds: 3600 })
    const exec = execRefreshing(emulator, home)
    expect((await exec.done).signal, exec.output()).toBeNull()
    const grants = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/token")
    expect(grants.map((grant) => [grant.originator, grant.status, grant.refreshToken])).toEqual([
      ["codex_cli_rs", 200, before.tokens.refresh_token],
      ["codex_exec", 200, saved.tokens.refresh_token]
    ])
    expect(grants.some((grant) => grant.errorCode === "refresh_token_reused")).toBe(false)
  })

  it("codex logout revokes the refresh token through CODEX_REVOKE_TOKEN_URL_OVERRIDE", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true })
    home = await makeCodexHome(bin!)
    const login = await deviceLogin(emulator, home)
    expect((await login.done).code, login.output()).toBe(0)
    const stored = (await home.authJson()).tokens.refresh_token
    await emulator.admin.clearRequests()
    // Codex 0.169 revokes at the default issuer, not the recorded one, unless the override is set.
    const logout = home.run(["logout"], {
      env: { CODEX_REVOKE_TOKEN_URL_OVERRIDE: `${emulator.url}/oauth/revoke` },
      timeoutMs: 20_000
    })
    expect((await logout.done).code, logout.output()).toBe(0)
    const revokes = await emulator.admin.requests()
    expect(revokes.map((entry) => [entry.path, entry.status])).toEqual([["/oauth/revoke", 200]])
    expect(revokes[0]!.bodyKeys).toEqual(["token", "token_type_hint", "client_id"])
    expect(revokes[0]!.originator).toBe("codex_cli_rs")
    const refreshed = await fetch(`${emulator.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: Emulator.codexClientId, grant_type: "refresh_token", refresh_token: stored })
    })
    expect((await refreshed.json()).error.code).toBe("refresh_token_invalidated")
  })
})
