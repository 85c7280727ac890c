// Every program in examples/ runs against the emulator, as a user would run it, so none can rot.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Running {
  readonly child: ChildProcess.ChildProcess
  readonly output: { stdout: string; stderr: string }
  readonly done: Promise<number | null>
}

const start = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Running => {
  const child = ChildProcess.spawn(command, args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", CI: "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output = { stdout: "", stderr: "" }
  child.stdout!.on("data", (chunk) => (output.stdout += chunk))
  child.stderr!.on("data", (chunk) => (output.stderr += chunk))
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  return { child, output, done }
}

const node = (example: string, env: NodeJS.ProcessEnv) => start(process.execPath, [`examples/${example}`], env)

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const waitFor = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  assert.fail(`timed out waiting for ${what}`)
}

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ deviceInterval: "0" })
})
afterAll(() => emulator.close())

/** A CODEX_HOME signed in through the CLI (device code approved at once). */
const signedInHome = async (): Promise<string> => {
  const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-example-"))
  await emulator.admin.updateSettings({ autoApprove: true })
  try {
    const login = start(process.execPath, [
      bin,
      "login",
      "--flow",
      "device",
      "--issuer",
      emulator.url,
      "--codex-home",
      home
    ], {})
    assert.strictEqual(await login.done, 0, login.output.stderr)
  } finally {
    await emulator.admin.updateSettings({ autoApprove: false })
  }
  return home
}

describe("examples/", () => {
  it("agent-runtime.mjs: headers on the call; a 401 → recoverUnauthorized() → one retry with the new token", async () => {
    const home = await signedInHome()
    const before = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8")).tokens.access_token
    const seen: Array<string> = []
    // The backend rejects the first token it sees (as if it had expired), then accepts the refreshed one.
    const backend = Http.createServer((request, response) => {
      const bearer = request.headers.authorization ?? ""
      seen.push(bearer)
      const ok = bearer !== `Bearer ${before}` && request.headers["chatgpt-account-id"] !== undefined
      response.writeHead(ok ? 200 : 401, { "content-type": "application/json" })
      response.end(ok ? "{\"models\":[\"gpt\"]}" : "{\"error\":\"token expired\"}")
    })
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve))
    try {
      const port = (backend.address() as Net.AddressInfo).port
      const run = node("agent-runtime.mjs", {
        CODEX_HOME: home,
        CODEX_AUTH_ISSUER: emulator.url,
        CODEX_BACKEND_URL: `http://127.0.0.1:${port}`
      })
      assert.strictEqual(await run.done, 0, run.output.stderr)
      assert.include(run.output.stdout, "backend answered 200")
      assert.include(run.output.stderr, "401")
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(seen[0], `Bearer ${before}`)
      const after = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8")).tokens.access_token
      assert.strictEqual(seen[1], `Bearer ${after}`)
    } finally {
      backend.close()
    }
  })

  it("effect-layers.mjs: the Effect session layer reads the login", async () => {
    const home = await signedInHome()
    const run = node("effect-layers.mjs", { CODEX_HOME: home, CODEX_AUTH_ISSUER: emulator.url })
    assert.strictEqual(await run.done, 0, run.output.stderr)
    assert.include(run.output.stdout, "signed in as user@example.com")
    assert.include(run.output.stdout, "token <redacted>")
    assert.include(run.output.stdout, "chatgpt-account-id")
  })

  it("custom-login-handler.mjs: the handler's callback URL completes the login", async () => {
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-example-"))
    const port = await freePort()
    const scoped = await startEmulatorPromise({ autoApprove: true, redirectPorts: [port] })
    try {
      const run = node("custom-login-handler.mjs", {
        CODEX_HOME: home,
        CODEX_AUTH_ISSUER: scoped.url,
        LOOPBACK_PORT: String(port)
      })
      assert.strictEqual(await run.done, 0, run.output.stderr)
      assert.include(run.output.stdout, "logged in as user@example.com (plus) with the custom flow")
      assert.isTrue(Fs.existsSync(Path.join(home, "auth.json")))
    } finally {
      await scoped.close()
    }
  })

  it("web-device-code.mjs: the page shows the code from the event stream; entering it completes the login", async () => {
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-example-"))
    const run = node("web-device-code.mjs", { CODEX_HOME: home, CODEX_AUTH_ISSUER: emulator.url })
    await waitFor(() => /open (http:\S+)/.test(run.output.stdout), "the page address")
    const page = /open (http:\S+)/.exec(run.output.stdout)![1]!
    let code: string | undefined
    for (let i = 0; i < 2400 && code === undefined; i++) {
      const html = await fetch(page).then((response) => response.text())
      code = /<code id="user-code">([^<]+)<\/code>/.exec(html)?.[1]
      if (code === undefined) await new Promise((resolve) => setTimeout(resolve, 25))
    }
    assert.isDefined(code, "the page shows the code")
    const pending = (await emulator.admin.deviceCodes()).filter((entry) => entry.status === "pending")
    assert.include(pending.map((entry) => entry.userCode), code)
    await emulator.admin.approveDeviceCode(code!)
    assert.strictEqual(await run.done, 0, run.output.stderr)
    assert.include(run.output.stdout, "logged in as user@example.com with the device flow")
    assert.isTrue(Fs.existsSync(Path.join(home, "auth.json")))
  })

  it("web-two-step.mjs: /login on one replica, the pasted callback finished on another; a replay is refused", async () => {
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-example-"))
    const scoped = await startEmulatorPromise({ autoApprove: true })
    const env = {
      CODEX_HOME: home,
      CODEX_AUTH_ISSUER: scoped.url,
      CODEX_AUTH_STORE_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString("base64")
    }
    // Two replicas of the web app behind one "load balancer": same key, same CODEX_HOME.
    const replicas = [node("web-two-step.mjs", env), node("web-two-step.mjs", env)]
    try {
      const addresses: Array<string> = []
      for (const replica of replicas) {
        await waitFor(() => /open (http:\S+)/.test(replica.output.stdout), "the page address")
        addresses.push(/open (http:\S+)/.exec(replica.output.stdout)![1]!)
      }
      const [first, second] = addresses as [string, string]
      assert.include(await fetch(first).then((response) => response.text()), "Not signed in")

      const login = await fetch(new URL("/login", first), { redirect: "manual" })
      assert.strictEqual(login.status, 302)
      const authorize = login.headers.get("location")!
      assert.isTrue(authorize.startsWith(`${scoped.url}/oauth/authorize?`))
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!
      assert.match(cookie, /^codex_pending=[A-Za-z0-9_-]+$/)
      // The cookie holds the pending login: public fields and the sealed part, nothing else.
      const kept = JSON.parse(Buffer.from(cookie.split("=")[1]!, "base64url").toString())
      assert.deepStrictEqual(Object.keys(kept).sort(), [
        "authorizeUrl",
        "expiresAt",
        "id",
        "redirectUri",
        "sealed",
        "v"
      ])
      assert.strictEqual(kept.authorizeUrl, authorize)

      // The browser signs in (auto-approved) and is sent to the loopback address nobody serves: the user pastes it.
      const redirected = (await fetch(authorize, { redirect: "manual" })).headers.get("location")!
      assert.isTrue(redirected.startsWith("http://127.0.0.1:1455/auth/callback?"))
      const finish = (address: string, pasted: string, withCookie = cookie) =>
        fetch(new URL("/callback", address), {
          method: "POST",
          headers: { cookie: withCookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ url: pasted })
        })
      const wrong = new URL(redirected)
      wrong.searchParams.set("state", "not-the-state")
      const refused = await finish(second, wrong.href)
      assert.strictEqual(refused.status, 400)
      assert.include(await refused.text(), "InvalidCallbackUrl")
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))

      const done = await finish(second, redirected)
      assert.strictEqual(done.status, 200)
      assert.include(await done.text(), "Signed in as user@example.com")
      const saved = Fs.readFileSync(Path.join(home, "auth.json"), "utf8")
      assert.strictEqual(JSON.parse(saved).auth_mode, "chatgpt")
      assert.include(await fetch(first).then((response) => response.text()), "Signed in as user@example.com")

      const replay = await finish(first, redirected)
      assert.strictEqual(replay.status, 400)
      assert.include(await replay.text(), "PendingLoginConsumed")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), saved)
    } finally {
      for (const replica of replicas) replica.child.kill("SIGTERM")
      for (const replica of replicas) assert.strictEqual(await replica.done, 0, replica.output.stderr)
      await scoped.close()
    }
  })

  it("deno.ts: the same login read by the Deno runtime", async () => {
    const home = await signedInHome()
    const run = start(
      Path.join(root, "node_modules/.bin/deno"),
      ["run", "-A", "--no-prompt", "--conditions=source", "examples/deno.ts"],
      { CODEX_HOME: home, CODEX_AUTH_ISSUER: emulator.url }
    )
    assert.strictEqual(await run.done, 0, run.output.stderr)
    assert.include(run.output.stdout, "Deno: signed in as user@example.com")
    assert.include(run.output.stdout, "authorization")
  })
})
