// `codex-auth app-server` with the real `codex app-server` 0.169.0, offline against the emulator (its ChatGPT
// backend routes): a turn completes; a 401 → refresh request → answered from the session → the retry carries the new
// bearer; 4 bridges on one CODEX_HOME with every bearer rejected once → exactly 1 refresh grant; a refused refresh and
// a slow one answered with an error in time; the transcript with and without the bridge the same but for auth.
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh npx vitest run test/appserver
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as NodeAppServer from "@codex-auth/node/NodeAppServer"
import { chmod, readFile, writeFile } from "node:fs/promises"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { codexBin, interopEnabled } from "../support/codex.ts"
import { cliBin, type Host, initialize, makeHome, offlineOverrides, runTurn, startHost } from "./rpc.ts"

const bin = codexBin()
const enabled = interopEnabled("appserver")
if (!enabled) {
  console.warn(
    "appserver: skipped — needs the Codex CLI (CODEX_BIN=$(bash scripts/setup-codex.sh)) and the loopback-only " +
      "namespace (bash scripts/netns.sh npx vitest run test/appserver)"
  )
}

const baseEnv = (home: string, emulator: StartedEmulatorPromise): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  RUST_LOG: "error",
  NO_COLOR: "1",
  CODEX_AUTH_ISSUER: emulator.url
})

const startBridge = (home: string, emulator: StartedEmulatorPromise, extra: ReadonlyArray<string> = []) =>
  startHost(
    process.execPath,
    [
      cliBin,
      "app-server",
      "--codex-home",
      home,
      "--codex-bin",
      bin!,
      ...extra,
      "--",
      ...offlineOverrides(emulator.url)
    ],
    baseEnv(home, emulator)
  )

const startRaw = (home: string, emulator: StartedEmulatorPromise) =>
  startHost(bin!, ["app-server", ...offlineOverrides(emulator.url)], { ...baseEnv(home, emulator), CODEX_HOME: home })

const grants = async (emulator: StartedEmulatorPromise) =>
  (await emulator.admin.requests()).filter((e) => e.path === "/oauth/token" && e.grantType === "refresh_token")

const storedAccess = async (home: string) =>
  JSON.parse(await readFile(Path.join(home, "auth.json"), "utf8")).tokens.access_token as string

const refreshRequests = (host: Host) => host.received.filter((m) => m.method === "account/chatgptAuthTokens/refresh")

describe.skipIf(!enabled)("codex-auth app-server with the real codex app-server", () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined)
    cleanup.length = 0
  })

  const setup = async () => {
    const emulator = await startEmulatorPromise({})
    cleanup.push(() => emulator.close())
    const home = await makeHome(emulator)
    cleanup.push(home.remove)
    return { emulator, home }
  }

  const track = (host: Host) => {
    cleanup.push(() => host.close())
    return host
  }

  it("a turn completes: signed in before the host's first request, with experimentalApi added", async () => {
    const { emulator, home } = await setup()
    const host = track(startBridge(home.dir, emulator))
    const init = await initialize(host) // no experimentalApi: the bridge adds it
    expect(init.result.codexHome).toBe(home.dir)
    const turn = await runTurn(host, home.dir)
    expect(turn.status).toBe("completed")
    const items = host.received.filter((m) => m.method === "item/completed" && m.params.item.type === "agentMessage")
    expect(items.map((m) => m.params.item.text)).toEqual(["Hello from the codex-auth emulator."])
    const status = await host.request("getAuthStatus", { includeToken: true })
    expect(status.result.authToken).toBe(home.minted.access_token)
    const account = await host.request("account/read", {})
    expect(account.result.account.type).toBe("chatgpt")
    expect(host.received.find((m) => m.method === "account/login/completed")?.params.success).toBe(true)
    expect(await grants(emulator)).toHaveLength(0)
    const exit = await host.close()
    expect(exit).toEqual({ code: 0, signal: null })
  })

  it("401 → refresh request → answered from the session → the retry carries the new bearer", async () => {
    const { emulator, home } = await setup()
    const host = track(startBridge(home.dir, emulator))
    await initialize(host)
    await host.request("account/read", {})
    await emulator.admin.clearRequests()
    expect(await emulator.admin.rejectAccessTokens({})).toBeGreaterThan(0)
    const turn = await runTurn(host, home.dir)
    expect(turn.status).toBe("completed")
    const log = await emulator.admin.requests()
    const responses = log.filter((e) => e.path === "/backend-api/codex/responses")
    expect(responses.map((e) => [e.status, e.errorCode ?? null])).toEqual([[401, "token_revoked"], [200, null]])
    expect(await grants(emulator)).toHaveLength(1)
    const fresh = await storedAccess(home.dir)
    expect(fresh).not.toBe(home.minted.access_token)
    const status = await host.request("getAuthStatus", { includeToken: true })
    expect(status.result.authToken).toBe(fresh)
    // The refresh request was answered by the bridge: the host never saw it.
    expect(refreshRequests(host)).toHaveLength(0)
  })

  it("4 bridges on one CODEX_HOME, 8 turns, every bearer rejected once → exactly 1 refresh grant", async () => {
    const { emulator, home } = await setup()
    const hosts = [0, 1, 2, 3].map(() => track(startBridge(home.dir, emulator)))
    await Promise.all(hosts.map(async (host) => {
      await initialize(host)
      await host.request("account/read", {})
    }))
    await emulator.admin.clearRequests()
    await emulator.admin.rejectAccessTokens({})
    const turns = await Promise.all(
      hosts.flatMap((host) => [runTurn(host, home.dir, "a"), runTurn(host, home.dir, "b")])
    )
    expect(turns.map((t) => t.status)).toEqual(Array(8).fill("completed"))
    expect(await grants(emulator)).toHaveLength(1)
    const fresh = await storedAccess(home.dir)
    for (const host of hosts) {
      const status = await host.request("getAuthStatus", { includeToken: true })
      expect(status.result.authToken).toBe(fresh)
    }
    const log = await emulator.admin.requests()
    const rejected = log.filter((e) => e.path === "/backend-api/codex/responses" && e.status === 401)
    expect(rejected.length).toBeGreaterThanOrEqual(4)
  }, 180_000)

  it("a refresh the issuer refuses: the turn fails at once with the bridge's error, auth.json unchanged", async () => {
    const { emulator, home } = await setup()
    const host = track(startBridge(home.dir, emulator))
    await initialize(host)
    await host.request("account/read", {})
    const before = await readFile(Path.join(home.dir, "auth.json"), "utf8")
    await emulator.admin.revoke({ family: home.minted.family })
    const turn = await runTurn(host, home.dir)
    expect(turn.status).toBe("failed")
    expect(JSON.stringify(turn.error)).toContain("auth refresh request failed")
    expect(JSON.stringify(turn.error)).not.toContain("timed out")
    expect(await readFile(Path.join(home.dir, "auth.json"), "utf8")).toBe(before)
    expect(host.stderr()).toContain("refresh answered with an error")
    expect(host.stderr()).not.toContain(home.minted.refresh_token)
  })

  it("a refresh slower than the server's 10 s: an error answer in time, not the server's timeout", async () => {
    const { emulator, home } = await setup()
    const host = track(startBridge(home.dir, emulator))
    await initialize(host)
    await host.request("account/read", {})
    await emulator.admin.rejectAccessTokens({})
    await emulator.admin.addFault({ path: "/oauth/token", kind: "latency", millis: 14_000 })
    const turn = await runTurn(host, home.dir)
    expect(turn.status).toBe("failed")
    expect(JSON.stringify(turn.error)).toContain("auth refresh request failed")
    expect(JSON.stringify(turn.error)).not.toContain("timed out after 10s")
    // The slow refresh still completed and was saved: the next turn is answered from it.
    await new Promise((resolve) => setTimeout(resolve, 7_000))
    const next = await runTurn(host, home.dir)
    expect(next.status).toBe("completed")
    expect(await grants(emulator)).toHaveLength(1)
  }, 120_000)

  it(
    "managed mode: alone, the app-server refreshes the auth.json in its CODEX_HOME; with the bridge's env it cannot",
    async () => {
      const { emulator, home } = await setup()
      const original = await readFile(Path.join(home.dir, "auth.json"), "utf8")
      const managedTurn = async (env: NodeJS.ProcessEnv) => {
        await writeFile(Path.join(home.dir, "auth.json"), original, { mode: 0o600 })
        await emulator.admin.rejectAccessTokens({})
        const host = startHost(bin!, ["app-server", ...offlineOverrides(emulator.url)], env)
        cleanup.push(() => host.close())
        await initialize(host, { experimentalApi: true })
        await runTurn(host, home.dir)
        await host.close()
        return JSON.parse(await readFile(Path.join(home.dir, "auth.json"), "utf8")).tokens.refresh_token as string
      }
      const env = { ...baseEnv(home.dir, emulator), CODEX_HOME: home.dir }
      // Without the bridge's environment the app-server rotates the refresh token itself, behind the session's back.
      const alone = await managedTurn({ ...env, CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${emulator.url}/oauth/token` })
      expect(alone).not.toBe(home.minted.refresh_token)
      expect(await grants(emulator)).toHaveLength(1)
      await emulator.admin.clearRequests()
      const blocked = await managedTurn(NodeAppServer.blockChildRefresh(env))
      expect(blocked).toBe(home.minted.refresh_token)
      expect(await grants(emulator)).toHaveLength(0)
    },
    120_000
  )

  it("through the bridge, the only refresh is the session's, even with rejected tokens at startup", async () => {
    const { emulator, home } = await setup()
    await emulator.admin.rejectAccessTokens({})
    const host = track(startBridge(home.dir, emulator))
    await initialize(host)
    const turn = await runTurn(host, home.dir)
    expect(turn.status).toBe("completed")
    expect(await grants(emulator)).toHaveLength(1)
    const status = await host.request("getAuthStatus", { includeToken: true })
    expect(status.result.authToken).toBe(await storedAccess(home.dir))
  })

  it("the transcript with and without the bridge is the same but for the auth messages", async () => {
    const { emulator, home } = await setup()
    const script = async (host: Host, login: boolean) => {
      await initialize(host, { experimentalApi: true })
      if (login) {
        const minted = await emulator.admin.mintTokens({})
        await host.request("account/login/start", {
          type: "chatgptAuthTokens",
          accessToken: minted.access_token,
          chatgptAccountId: minted.account_id,
          chatgptPlanType: null
        })
        await host.waitFor((m) => m.method === "account/login/completed")
      }
      const turn = await runTurn(host, home.dir, "same words")
      await host.request("model/list", {})
      expect(turn.status).toBe("completed")
      await host.close()
    }
    const raw = startRaw(home.dir, emulator)
    cleanup.push(() => raw.close())
    await script(raw, true)
    const bridged = track(startBridge(home.dir, emulator))
    await script(bridged, false)

    const auth = /^account\/|^authStatus/
    const loginIds = new Set(
      raw.received.filter((m) => m.id !== undefined && m.result?.type === "chatgptAuthTokens")
        .map((m) => m.id)
    )
    const normalize = (messages: Array<any>) =>
      messages
        .filter((m) => !(typeof m.method === "string" && auth.test(m.method)) && !loginIds.has(m.id))
        .map((m) =>
          JSON.stringify(m, (key, value) => {
            if (typeof value === "number" && /At|Ms$|^id$/.test(key)) return 0
            if (typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)) return "<uuid>"
            if (typeof value === "string" && /^(msg|resp)_emu_\d+$/.test(value)) return "<emu>"
            if (key === "installationId" || key === "serverName") return "<host>"
            return value
          })
        )
        .sort()
    expect(normalize(bridged.received)).toEqual(normalize(raw.received))
    expect(bridged.received.length).toBeGreaterThan(10)
  }, 120_000)

  it("the app-server's exit code and signal come back; a missing binary is a typed error", async () => {
    const { emulator, home } = await setup()
    const fake = Path.join(home.dir, "fake-codex")
    await writeFile(fake, "#!/bin/sh\nread line\nexit 7\n")
    await chmod(fake, 0o755)
    const viaFake = startHost(
      process.execPath,
      [cliBin, "app-server", "--codex-home", home.dir, "--codex-bin", fake],
      baseEnv(home.dir, emulator)
    )
    viaFake.send({ method: "anything" })
    expect(await viaFake.exited).toEqual({ code: 7, signal: null })

    const host = startBridge(home.dir, emulator)
    await initialize(host)
    host.child.kill("SIGTERM")
    const bridged = await host.exited
    const raw = startRaw(home.dir, emulator)
    await initialize(raw)
    raw.child.kill("SIGTERM")
    expect(bridged).toEqual(await raw.exited)

    const missing = startHost(
      process.execPath,
      [cliBin, "app-server", "--codex-home", home.dir, "--codex-bin", Path.join(home.dir, "no-such-codex")],
      baseEnv(home.dir, emulator)
    )
    const exit = await missing.exited
    expect(exit.code).toBe(1)
    expect(missing.stderr()).toContain("--codex-bin")
  })
})

describe.skipIf(!enabled)("NodeAppServer.start (the Promise form) with the real codex app-server", () => {
  it("runs a turn, answers a refresh from the session, and reports what it did", async () => {
    const emulator = await startEmulatorPromise({})
    const home = await makeHome(emulator)
    const received: Array<any> = []
    const events: Array<string> = []
    const server = await NodeAppServer.start({
      codexHome: home.dir,
      issuer: emulator.url,
      codexBin: bin!,
      args: offlineOverrides(emulator.url),
      env: baseEnv(home.dir, emulator),
      stderr: "ignore",
      onMessage: (message) => received.push(message),
      onEvent: (event) => events.push(event._tag)
    })
    try {
      const waitFor = async (predicate: (m: any) => boolean) => {
        for (let i = 0; i < 600; i++) {
          const found = received.find(predicate)
          if (found !== undefined) return found
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        throw new Error("no such message within 30 s")
      }
      server.send({ id: 1, method: "initialize", params: { clientInfo: { name: "promise", version: "1" } } })
      await waitFor((m) => m.id === 1)
      server.send({ method: "initialized" })
      server.send({
        id: 2,
        method: "thread/start",
        params: { cwd: home.dir, approvalPolicy: "never", sandbox: "read-only", ephemeral: true }
      })
      const thread = await waitFor((m) => m.id === 2)
      await emulator.admin.rejectAccessTokens({})
      server.send({
        id: 3,
        method: "turn/start",
        params: { threadId: thread.result.thread.id, input: [{ type: "text", text: "hi", text_elements: [] }] }
      })
      const completed = await waitFor((m) => m.method === "turn/completed")
      expect(completed.params.turn.status).toBe("completed")
      const stats = await server.stats()
      expect(stats).toMatchObject({ signIns: 1, refreshRequests: 1, refreshAnswers: 1, sessionRefreshes: 1 })
      expect(events).toEqual(["SignedIn", "RefreshAnswered"])
      expect(received.some((m) => m.method === "account/chatgptAuthTokens/refresh")).toBe(false)
    } finally {
      expect(await server.close()).toEqual({ code: 0, signal: null })
      await emulator.close()
      await home.remove()
    }
  })
})
