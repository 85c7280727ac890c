// Issue 13: a bad CA bundle or proxy never breaks what needs no network. With CODEX_CA_CERTIFICATE / SSL_CERT_FILE
// naming a missing file, a directory, garbage or an oversized file, or HTTPS_PROXY that is not a URL: `status`, a
// fresh `token` / `headers` (the fast path and the engine's), the facade's `status()` / `getToken()` and the Effect
// API's `NodeSession.layer` + `getToken` all answer; only what needs the network fails, with the typed error naming
// the variable (never a proxy's value), and auth.json stays byte for byte as it was. Real child processes (the built
// CLI, and node running the built packages), real files, the emulator over HTTP. Build first (npm run build).
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/bin/codex-auth.js")
const scrubbed = ["SSL_CERT_FILE", "CODEX_CA_CERTIFICATE", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]
// A proxy "URL" that is not one, holding text that must never be echoed.
const proxyValue = "proxy-secret-hunter2"

let dir: string
let emulator: StartedEmulatorPromise

interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A child process with the environment cleaned of §12's variables, then `env`; killed after 60 s (never hangs). */
const spawnNode = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<Result>((resolve) => {
    const merged: Record<string, string> = { NO_COLOR: "1" }
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !scrubbed.includes(key) && !key.startsWith("CODEX_")) merged[key] = value
    }
    const child = spawn(process.execPath, [...args], { cwd: root, env: { ...merged, ...env }, stdio: "pipe" })
    child.stdin.end()
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

const cli = (args: ReadonlyArray<string>, env: Record<string, string>) => spawnNode([bin, ...args], env)

// The facade and the Effect API, each in a process of its own (their settings are read from its environment).
// Each prints one JSON line: what it got, or the rejection's tag and message.
const facadeScript = `
import * as CodexAuth from "@codex-auth/node/CodexAuth"
const out = {}
try {
  const auth = await CodexAuth.open()
  try {
    out.loggedIn = (await auth.status()).loggedIn
    out.token = await auth.getToken()
  } finally {
    await auth.close()
  }
} catch (error) {
  out.error = { tag: error?._tag, message: String(error?.message) }
}
console.log(JSON.stringify(out))
`
const effectScript = `
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Session from "@codex-auth/core/Session"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
const program = Effect.gen(function*() {
  const session = yield* Session.Session
  const status = yield* session.status
  return { loggedIn: status.loggedIn, token: Redacted.value(yield* session.getToken) }
}).pipe(
  Effect.provide(NodeSession.layer()),
  Effect.catchAll((error) => Effect.succeed({ error: { tag: error._tag, message: String(error.message) } }))
)
console.log(JSON.stringify(await Effect.runPromise(program)))
`
const api = async (which: "facade" | "effect", env: Record<string, string>) => {
  const result = await spawnNode(["--input-type=module", "-e", which === "facade" ? facadeScript : effectScript], env)
  assert.strictEqual(result.code, 0, `${which}: ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as {
    loggedIn?: boolean
    token?: string
    error?: { tag: string; message: string }
  }
}

/** A CODEX_HOME whose auth.json holds tokens minted by the emulator: fresh, or expired a minute ago. */
const home = async (kind: "fresh" | "expired"): Promise<{ home: string; accessToken: string; bytes: Buffer }> => {
  const path = Fs.mkdtempSync(Path.join(dir, `${kind}-`))
  const minted = await emulator.admin.mintTokens(kind === "expired" ? { accessTokenTtlSeconds: -60 } : {})
  const auth = {
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: {
      id_token: minted.id_token,
      access_token: minted.access_token,
      refresh_token: minted.refresh_token,
      account_id: minted.account_id
    },
    last_refresh: new Date(Date.now() - (kind === "expired" ? 30 * 24 * 3600_000 : 60_000)).toISOString()
  }
  Fs.writeFileSync(Path.join(path, "auth.json"), JSON.stringify(auth, null, 2), { mode: 0o600 })
  return { home: path, accessToken: minted.access_token, bytes: Fs.readFileSync(Path.join(path, "auth.json")) }
}

/** Each bad setting: its environment, and the variable the failure must name. */
let settings: ReadonlyArray<{ readonly name: string; readonly env: Record<string, string>; readonly variable: string }>

beforeAll(async () => {
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-netsettings-"))
  emulator = await startEmulatorPromise()
  const garbage = Path.join(dir, "garbage.pem")
  Fs.writeFileSync(garbage, "this is not a certificate\n")
  const oversized = Path.join(dir, "oversized.pem")
  Fs.writeFileSync(oversized, "")
  Fs.truncateSync(oversized, 17 * 1024 * 1024)
  const directory = Path.join(dir, "a-directory.pem")
  Fs.mkdirSync(directory)
  settings = [
    {
      name: "missing bundle",
      env: { CODEX_CA_CERTIFICATE: Path.join(dir, "none.pem") },
      variable: "CODEX_CA_CERTIFICATE"
    },
    { name: "directory bundle", env: { CODEX_CA_CERTIFICATE: directory }, variable: "CODEX_CA_CERTIFICATE" },
    { name: "garbage bundle", env: { SSL_CERT_FILE: garbage }, variable: "SSL_CERT_FILE" },
    { name: "oversized bundle", env: { SSL_CERT_FILE: oversized }, variable: "SSL_CERT_FILE" },
    { name: "/dev/zero bundle", env: { CODEX_CA_CERTIFICATE: "/dev/zero" }, variable: "CODEX_CA_CERTIFICATE" },
    { name: "garbage proxy", env: { HTTPS_PROXY: proxyValue }, variable: "HTTPS_PROXY" }
  ]
}, 60_000)

afterAll(async () => {
  await emulator?.close()
  if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
})

const issuerEnv = () => ({ CODEX_AUTH_ISSUER: emulator.url })

describe("a bad CA bundle or proxy never breaks what needs no network (issue 13)", () => {
  it("status, token and headers (fast path and engine) answer from a fresh token", { timeout: 240_000 }, async () => {
    const fresh = await home("fresh")
    for (const setting of settings) {
      const env = { CODEX_HOME: fresh.home, ...issuerEnv(), ...setting.env }
      const status = await cli(["status"], env)
      assert.strictEqual(status.code, 0, `${setting.name} status: ${status.stderr}`)
      assert.include(status.stdout + status.stderr, "Logged in", setting.name)
      const statusJson = await cli(["status", "--json"], env)
      assert.strictEqual(statusJson.code, 0, `${setting.name} status --json: ${statusJson.stderr}`)
      assert.isTrue(JSON.parse(statusJson.stdout).loggedIn, setting.name)
      for (const args of [["token"], ["token", "--verbose"], ["token", "--store", "file", "--json"]]) {
        const token = await cli(args, env)
        assert.strictEqual(token.code, 0, `${setting.name} ${args.join(" ")}: ${token.stderr}`)
        assert.include(token.stdout, fresh.accessToken, `${setting.name} ${args.join(" ")}`)
      }
      const headers = await cli(["headers", "--verbose"], env)
      assert.strictEqual(headers.code, 0, `${setting.name} headers: ${headers.stderr}`)
      assert.include(headers.stdout, `Bearer ${fresh.accessToken}`, setting.name)
    }
    assert.deepStrictEqual(Fs.readFileSync(Path.join(fresh.home, "auth.json")), fresh.bytes)
  })

  it("the facade's status() / getToken() and NodeSession.layer + getToken answer from a fresh token", {
    timeout: 240_000
  }, async () => {
    const fresh = await home("fresh")
    for (const setting of settings) {
      const env = { CODEX_HOME: fresh.home, ...issuerEnv(), ...setting.env }
      for (const which of ["facade", "effect"] as const) {
        const result = await api(which, env)
        assert.isUndefined(result.error, `${setting.name} ${which}: ${JSON.stringify(result.error)}`)
        assert.isTrue(result.loggedIn, `${setting.name} ${which}`)
        assert.strictEqual(result.token, fresh.accessToken, `${setting.name} ${which}`)
      }
    }
    assert.deepStrictEqual(Fs.readFileSync(Path.join(fresh.home, "auth.json")), fresh.bytes)
  })

  it("an expired token fails at the refresh with the typed error naming the variable; auth.json is untouched", {
    timeout: 240_000
  }, async () => {
    for (const setting of settings) {
      const expired = await home("expired")
      const env = { CODEX_HOME: expired.home, ...issuerEnv(), ...setting.env }
      const before = (await emulator.admin.requests()).length
      const token = await cli(["token"], env)
      assert.strictEqual(token.code, 1, `${setting.name}: ${token.stdout} ${token.stderr}`)
      assert.include(token.stderr, setting.variable, setting.name)
      assert.notInclude(token.stderr, proxyValue, `${setting.name}: the proxy's value is never echoed`)
      assert.notInclude(token.stdout, expired.accessToken, setting.name)
      const json = await cli(["token", "--json"], env)
      assert.strictEqual(json.code, 1, setting.name)
      const failure = (JSON.parse(json.stdout) as { error: { _tag: string; message: string; next: string } }).error
      const tag = setting.variable === "HTTPS_PROXY" ? "HttpClientSettingInvalid" : "CaCertificateInvalid"
      assert.strictEqual(failure._tag, tag, `${setting.name}: ${json.stdout}`)
      assert.include(failure.message, setting.variable, setting.name)
      for (const which of ["facade", "effect"] as const) {
        const result = await api(which, env)
        assert.strictEqual(result.error?.tag, tag, `${setting.name} ${which}: ${JSON.stringify(result)}`)
        assert.include(result.error?.message, setting.variable, `${setting.name} ${which}`)
        assert.notInclude(result.error?.message, proxyValue, `${setting.name} ${which}`)
      }
      // Nothing reached the issuer, and nothing was written or left beside auth.json.
      assert.strictEqual((await emulator.admin.requests()).length, before, `${setting.name}: no request was sent`)
      assert.deepStrictEqual(Fs.readFileSync(Path.join(expired.home, "auth.json")), expired.bytes, setting.name)
      assert.deepStrictEqual(
        Fs.readdirSync(expired.home).filter((name) => name !== "auth.lock"),
        ["auth.json"],
        setting.name
      )
    }
  })

  it("a login reports the bad setting before a browser opens or a code is shown", { timeout: 180_000 }, async () => {
    const marker = Path.join(dir, "browser-ran")
    const browser = Path.join(dir, "browser.sh")
    Fs.writeFileSync(browser, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 })
    for (const setting of [settings[0]!, settings[2]!, settings.at(-1)!]) {
      for (const flow of ["browser", "device"]) {
        const empty = Fs.mkdtempSync(Path.join(dir, "login-"))
        const before = (await emulator.admin.requests()).length
        const login = await cli(["login", "--flow", flow], {
          CODEX_HOME: empty,
          ...issuerEnv(),
          BROWSER: browser,
          ...setting.env
        })
        const what = `${setting.name} ${flow}`
        assert.strictEqual(login.code, 1, `${what}: ${login.stdout} ${login.stderr}`)
        assert.include(login.stderr, setting.variable, what)
        assert.notInclude(login.stderr, proxyValue, what)
        assert.notInclude(login.stdout + login.stderr, "/oauth/authorize", `${what}: no sign-in URL was shown`)
        assert.notInclude(login.stdout + login.stderr, "one-time code", `${what}: no device code was shown`)
        assert.isFalse(Fs.existsSync(marker), `${what}: no browser was opened`)
        assert.strictEqual((await emulator.admin.requests()).length, before, `${what}: nothing was sent`)
        assert.deepStrictEqual(Fs.readdirSync(empty), [], `${what}: nothing was written`)
      }
    }
  })

  it("the same expired token refreshes once the setting is fixed (the store kept the unspent token)", {
    timeout: 120_000
  }, async () => {
    const expired = await home("expired")
    const bad = await cli(["token"], { CODEX_HOME: expired.home, ...issuerEnv(), ...settings[0]!.env })
    assert.strictEqual(bad.code, 1, bad.stderr)
    const good = await cli(["token"], { CODEX_HOME: expired.home, ...issuerEnv() })
    assert.strictEqual(good.code, 0, good.stderr)
    assert.notStrictEqual(good.stdout.trim(), expired.accessToken)
    assert.notDeepEqual(Fs.readFileSync(Path.join(expired.home, "auth.json")), expired.bytes)
  })
})
