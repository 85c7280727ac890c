// The codex-auth CLI as a user runs it: the built bin (run `npx tsc -b` first), a temp --codex-home, an emulator.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "" }
  delete env["CI"]
  delete env["CODEX_HOME"]
  return env
}

const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.once("error", () => resolve(false))
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resolve(true)))
  })

const tempHome = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-cli-"))
const authFile = (home: string) => Path.join(home, "auth.json")
const readAuth = (home: string) => JSON.parse(Fs.readFileSync(authFile(home), "utf8"))

/** Every error line is one line, with no stack trace. */
const assertOneLineError = (result: Result) => {
  const lines = result.stderr.trim().split("\n")
  assert.strictEqual(lines.length, 1, result.stderr)
  assert.notMatch(result.stderr, /\bat .*\.js:\d+/)
}

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true })
})
afterAll(() => emulator.close())

const login = (home: string, extra: ReadonlyArray<string> = []) =>
  run(["login", "--flow", "device", "--issuer", emulator.url, "--codex-home", home, ...extra])

describe("codex-auth CLI", () => {
  it("--help of the root and every command", async () => {
    const rootHelp = await run(["--help"])
    assert.strictEqual(rootHelp.code, 0)
    for (const command of ["login", "status", "token", "headers", "refresh", "logout", "emulator"]) {
      assert.include(rootHelp.stdout, command)
      const help = await run([command, "--help"])
      assert.strictEqual(help.code, 0, command)
      assert.include(help.stdout, "USAGE", command)
      if (command !== "emulator") assert.include(help.stdout, "--codex-home", command)
    }
    const loginHelp = await run(["login", "--help"])
    for (
      const flag of ["--flow", "--no-browser", "--port", "--issuer", "--client-id", "--workspace", "--store", "--json"]
    ) {
      assert.include(loginHelp.stdout, flag)
    }
    assert.include((await run(["logout", "--help"])).stdout, "--no-revoke")
  })

  it("device login, status, token, headers, refresh, logout — human and --json", async () => {
    const home = tempHome()
    const notYet = await run(["status", "--codex-home", home])
    assert.strictEqual(notYet.code, 1)
    assert.strictEqual(notYet.stdout, "")
    assert.include(notYet.stderr, "Not logged in")
    const notYetJson = await run(["status", "--json", "--codex-home", home])
    assert.strictEqual(notYetJson.code, 1)
    assert.strictEqual(JSON.parse(notYetJson.stdout).loggedIn, false)

    const loggedIn = await login(home, ["--json"])
    assert.strictEqual(loggedIn.code, 0, loggedIn.stderr)
    const summary = JSON.parse(loggedIn.stdout)
    assert.deepStrictEqual(summary, {
      loggedIn: true,
      method: "device",
      email: "user@example.com",
      accountId: readAuth(home).tokens.account_id,
      plan: "plus"
    })
    assert.include(loggedIn.stderr, "one-time code")
    const stored = readAuth(home)
    assert.strictEqual(stored.auth_mode, "chatgpt")
    // No secret on stderr, ever.
    for (const secret of [stored.tokens.access_token, stored.tokens.refresh_token, stored.tokens.id_token]) {
      assert.notInclude(loggedIn.stderr, secret)
    }

    const status = await run(["status", "--codex-home", home])
    assert.strictEqual(status.code, 0)
    assert.strictEqual(status.stdout, "")
    assert.include(status.stderr, "Logged in to ChatGPT as user@example.com (plus)")
    const statusJson = JSON.parse((await run(["status", "--json", "--codex-home", home])).stdout)
    assert.strictEqual(statusJson.loggedIn, true)
    assert.strictEqual(statusJson.accountId, stored.tokens.account_id)
    assert.strictEqual(statusJson.location, Path.join(Fs.realpathSync(home), "auth.json"))

    const token = await run(["token", "--codex-home", home])
    assert.strictEqual(token.code, 0)
    assert.strictEqual(token.stdout, `${stored.tokens.access_token}\n`)
    assert.strictEqual(token.stderr, "")
    const tokenJson = JSON.parse((await run(["token", "--json", "--codex-home", home])).stdout)
    assert.strictEqual(tokenJson.token, stored.tokens.access_token)
    assert.strictEqual(tokenJson.accountId, stored.tokens.account_id)

    const headers = await run(["headers", "--codex-home", home])
    assert.strictEqual(headers.code, 0)
    assert.include(headers.stdout, `Authorization: Bearer ${stored.tokens.access_token}\n`)
    assert.include(headers.stdout, `ChatGPT-Account-ID: ${stored.tokens.account_id}\n`)
    assert.include(headers.stdout, "originator: codex_cli_rs")
    const headersJson = JSON.parse((await run(["headers", "--json", "--codex-home", home])).stdout)
    assert.strictEqual(headersJson["Authorization"], `Bearer ${stored.tokens.access_token}`)

    const refresh = await run(["refresh", "--codex-home", home])
    assert.strictEqual(refresh.code, 0, refresh.stderr)
    assert.include(refresh.stderr, "Refreshed")
    assert.strictEqual(refresh.stdout, "")
    const rotated = readAuth(home)
    assert.notStrictEqual(rotated.tokens.refresh_token, stored.tokens.refresh_token)
    assert.notInclude(refresh.stderr, rotated.tokens.access_token)

    const logout = await run(["logout", "--json", "--issuer", emulator.url, "--codex-home", home])
    assert.strictEqual(logout.code, 0, logout.stderr)
    assert.deepInclude(JSON.parse(logout.stdout), { removed: true, revoke: "revoked" })
    assert.isFalse(Fs.existsSync(authFile(home)))
    const revokes = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/revoke")
    assert.isAtLeast(revokes.length, 1)

    const after = await run(["token", "--codex-home", home])
    assert.strictEqual(after.code, 1)
    assert.strictEqual(after.stdout, "")
    assertOneLineError(after)
    assert.include(after.stderr, "codex-auth login")
  })

  it("logout --no-revoke removes the credentials without calling the issuer", async () => {
    const home = tempHome()
    assert.strictEqual((await login(home)).code, 0)
    await emulator.admin.clearRequests()
    const logout = await run(["logout", "--no-revoke", "--issuer", emulator.url, "--codex-home", home])
    assert.strictEqual(logout.code, 0)
    assert.include(logout.stderr, "not revoked")
    assert.isFalse(Fs.existsSync(authFile(home)))
    const revokes = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/revoke")
    assert.strictEqual(revokes.length, 0)
  })

  it("login without a forced flow refuses under CI=true, with advice, starting nothing", async () => {
    const home = tempHome()
    await emulator.admin.clearRequests()
    const refused = await run(["login", "--issuer", emulator.url, "--codex-home", home], { CI: "true" })
    assert.strictEqual(refused.code, 1)
    assertOneLineError(refused)
    assert.include(refused.stderr, "CI")
    assert.include(refused.stderr, "--flow device")
    assert.strictEqual(refused.stdout, "")
    assert.isFalse(Fs.existsSync(authFile(home)))
    assert.strictEqual((await emulator.admin.requests()).length, 0)
  })

  it("a failed login says so once: one ✗ line naming what to do, nothing written", async () => {
    const disabled = await startEmulatorPromise({ deviceCodeEnabled: false })
    try {
      const home = tempHome()
      const result = await run(["login", "--flow", "device", "--issuer", disabled.url, "--codex-home", home])
      assert.strictEqual(result.code, 1, result.stderr)
      const failures = result.stderr.split("\n").filter((line) => line.includes("✗"))
      assert.strictEqual(failures.length, 1, result.stderr)
      assert.include(failures[0]!, "device code")
      assert.isFalse(Fs.existsSync(authFile(home)))
    } finally {
      await disabled.close()
    }
  })

  it("bad flags and values: one line, exit 2", async () => {
    for (
      const args of [
        ["login", "--flow", "sideways"],
        ["login", "--port", "70000"],
        ["login", "--store", "vault"],
        ["status", "--bogus"],
        ["token", "--port", "1"]
      ]
    ) {
      const result = await run(args)
      assert.strictEqual(result.code, 2, args.join(" "))
      assert.strictEqual(result.stdout, "", args.join(" "))
      assert.isAtLeast(result.stderr.trim().length, 10)
      assert.isAtMost(result.stderr.trim().split("\n").length, 2, result.stderr)
    }
  })

  it("a missing --codex-home is one line naming the flag; --verbose adds the cause", async () => {
    const missing = Path.join(tempHome(), "absent")
    const result = await run(["status", "--codex-home", missing])
    assert.strictEqual(result.code, 1)
    assertOneLineError(result)
    assert.include(result.stderr, `--codex-home ${missing} does not exist`)
    const verbose = await run(["status", "--verbose", "--codex-home", missing])
    assert.strictEqual(verbose.code, 1)
    assert.include(verbose.stderr, "CodexHomeNotFound")
  })

  it("Ctrl-C during a browser login: exits, frees the port, writes nothing", async () => {
    const home = tempHome()
    const port = await freePort()
    const child = ChildProcess.spawn(
      process.execPath,
      [bin, "login", "--flow", "browser", "--port", String(port), "--issuer", emulator.url, "--codex-home", home],
      // `true` stands in for the browser: it "opens" and does nothing, so the login waits for the callback.
      { env: { ...baseEnv(), BROWSER: "true" }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    for (let i = 0; i < 2400 && !stderr.includes("/oauth/authorize"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    assert.include(stderr, `redirect_uri=http%3A%2F%2F127.0.0.1%3A${port}%2Fauth%2Fcallback`)
    assert.isFalse(await isFree(port), "the loopback listens while the login waits")
    child.kill("SIGINT")
    const code = await closed
    assert.strictEqual(code, 130)
    assert.include(stderr, "Login cancelled")
    assert.isTrue(await isFree(port))
    assert.deepStrictEqual(Fs.readdirSync(home), [])
  })

  it("npm run demo's program prints every step of the journey", async () => {
    const result = await new Promise<Result>((resolve, reject) => {
      const child = ChildProcess.spawn(process.execPath, [Path.join(root, "packages/node/dist/bin/demo.js")], {
        env: { ...baseEnv(), CI: "true" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.on("error", reject)
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
    assert.strictEqual(result.code, 0, result.stderr)
    const lines = result.stdout.trim().split("\n")
    const steps = lines.map((line) => line.split(/\s+/)[0])
    assert.deepStrictEqual(steps.slice(1, 9), [
      "emulator",
      "plan",
      "login",
      "status",
      "token",
      "refresh",
      "headers",
      "logout"
    ])
    const line = (name: string) => lines.find((text) => text.startsWith(`${name} `)) ?? ""
    assert.include(line("plan"), "would refuse")
    assert.include(line("login"), "logged in as user@example.com")
    assert.include(line("status"), "logged in as user@example.com")
    assert.include(line("refresh"), "refresh token rotated")
    assert.include(line("headers"), "chatgpt-account-id: ")
    assert.include(line("logout"), "revoked")
    assert.include(line("logout"), "no auth.json left")
    // Tokens are shown only as redacted previews.
    assert.notMatch(result.stdout, /eyJ[\w-]{20,}\.[\w-]+\.[\w-]+/)
  })
})
