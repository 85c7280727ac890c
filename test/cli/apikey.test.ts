// `codex-auth login --with-api-key` as a user runs it: the built bin (run `npx tsc -b` first), the key piped on stdin,
// a temp --codex-home. The file is Codex's byte for byte, `status` and `headers` read it, the key shows only masked,
// and `--with-access-token` is not mistaken for it (its own behaviour is test/accesstoken's). With the real Codex CLI (CODEX_BIN, inside scripts/netns.sh) `codex login
// status` on the same home agrees.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { codexBin, interopEnabled, makeCodexHome } from "../support/codex.ts"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

const key = "sk-proj-Zx8mQ2vL9pR4tY7wK1nB5cF3hJ6dS0gA-ABCDE"
const masked = "sk-proj-***ABCDE"

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI; `input` (when given) is written to its stdin, which is then closed; else stdin is /dev/null. */
const run = (
  args: ReadonlyArray<string>,
  options: { readonly input?: string; readonly env?: NodeJS.ProcessEnv } = {}
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "", ...options.env }
    delete env["CI"]
    delete env["CODEX_HOME"]
    delete env["CODEX_API_KEY"]
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
      env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk) => (stdout += chunk))
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    if (options.input !== undefined) child.stdin!.end(options.input)
  })

const temps: Array<string> = []
const tempHome = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-apikey-"))
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temps.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})
const authFile = (home: string) => Path.join(home, "auth.json")

const assertNoKey = (result: Result) => {
  assert.notInclude(result.stdout, key)
  assert.notInclude(result.stderr, key)
  // Not even the part the mask hides.
  assert.notInclude(result.stdout + result.stderr, key.slice(8, -5))
}

const loginWithKey = (home: string, input: string = `${key}\n`, extra: ReadonlyArray<string> = []) =>
  run(["login", "--with-api-key", "--codex-home", home, ...extra], { input })

describe("codex-auth login --with-api-key", () => {
  it("writes exactly Codex's API-key document (0600, no trailing newline) and shows only the mask", async () => {
    const home = tempHome()
    const result = await loginWithKey(home, `  ${key}\n\n`)
    assert.strictEqual(result.code, 0, result.stderr)
    assert.strictEqual(result.stdout, "")
    assert.include(result.stderr, `Logged in using an API key - ${masked}`)
    assert.include(result.stderr, authFile(Fs.realpathSync(home)))
    assertNoKey(result)
    const text = Fs.readFileSync(authFile(home), "utf8")
    assert.strictEqual(text, `{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${key}"\n}`)
    assert.deepStrictEqual(Object.keys(JSON.parse(text)), ["auth_mode", "OPENAI_API_KEY"])
    assert.strictEqual(Fs.statSync(authFile(home)).mode & 0o777, 0o600)
  })

  it("--json prints the summary with the masked key, never the key", async () => {
    const home = tempHome()
    const result = await loginWithKey(home, key, ["--json"])
    assert.strictEqual(result.code, 0, result.stderr)
    assert.deepStrictEqual(JSON.parse(result.stdout), {
      loggedIn: true,
      method: "apikey",
      mode: "apikey",
      maskedApiKey: masked,
      email: null,
      accountId: null,
      plan: null
    })
    assertNoKey(result)
  })

  it("status and status --json show Codex's API-key line and mask, never the key; headers carry the key as the bearer", async () => {
    const home = tempHome()
    assert.strictEqual((await loginWithKey(home)).code, 0)

    // Both the fast path and the full CLI: Codex's line and mask.
    for (const env of [{}, { CODEX_AUTH_NO_FAST_PATH: "1" }]) {
      const status = await run(["status", "--codex-home", home], { env })
      assert.strictEqual(status.code, 0, status.stderr)
      assert.strictEqual(status.stdout, "")
      assert.include(status.stderr, `API key configured - ${masked}`)
      assert.notInclude(status.stderr, "ChatGPT")
      assertNoKey(status)

      const statusJson = await run(["status", "--json", "--codex-home", home], { env })
      assert.strictEqual(statusJson.code, 0, statusJson.stderr)
      assert.deepInclude(JSON.parse(statusJson.stdout), {
        loggedIn: true,
        mode: "apikey",
        maskedApiKey: masked,
        email: null,
        accountId: null
      })
      assertNoKey(statusJson)
    }

    const headers = await run(["headers", "--codex-home", home])
    assert.strictEqual(headers.code, 0, headers.stderr)
    const lines = headers.stdout.trim().split("\n")
    assert.include(lines, `Authorization: Bearer ${key}`)
    assert.isFalse(lines.some((line) => line.startsWith("ChatGPT-Account-ID")), headers.stdout)
    assert.include(lines, "originator: codex_cli_rs")

    const token = await run(["token", "--codex-home", home])
    assert.strictEqual(token.stdout, `${key}\n`)
  })

  it("nothing on stdin: Codex's message, exit 1, nothing written", async () => {
    for (const input of [undefined, "", "   \n\t\n"]) {
      const home = tempHome()
      const result = await run(
        ["login", "--with-api-key", "--codex-home", home],
        input === undefined ? {} : { input }
      )
      assert.strictEqual(result.code, 1, JSON.stringify(input))
      assert.strictEqual(result.stdout, "")
      assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr)
      assert.include(result.stderr, "No API key provided via stdin")
      assert.include(result.stderr, "--with-api-key")
      assert.isFalse(Fs.existsSync(authFile(home)))
    }
  })

  it("ChatGPT sign-in flags with --with-api-key: one line, exit 2, stdin not consumed, nothing written", async () => {
    for (const extra of [["--flow", "device"], ["--device-auth"], ["--port", "1455"], ["--workspace", "ws-1"]]) {
      const home = tempHome()
      const result = await loginWithKey(home, key, extra)
      assert.strictEqual(result.code, 2, extra.join(" "))
      assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr)
      assert.include(result.stderr, "--with-api-key")
      assert.isFalse(Fs.existsSync(authFile(home)))
    }
  })

  // `script` (util-linux) gives the CLI a terminal on stdin, where a piped secret cannot come from.
  it.runIf(Fs.existsSync("/usr/bin/script"))(
    "stdin a terminal: --with-api-key and --with-access-token each say how to pipe the secret in, exit 2, nothing written",
    () => {
      for (
        const [flag, hint] of [
          ["--with-api-key", "`printenv OPENAI_API_KEY | codex-auth login --with-api-key`"],
          ["--with-access-token", "`printenv CODEX_ACCESS_TOKEN | codex-auth login --with-access-token`"]
        ] as const
      ) {
        const home = tempHome()
        const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "" }
        delete env["CI"]
        delete env["CODEX_HOME"]
        const result = ChildProcess.spawnSync(
          "/usr/bin/script",
          ["-qec", `${process.execPath} ${bin} login ${flag} --codex-home ${home}`, "/dev/null"],
          { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }
        )
        assert.strictEqual(result.status, 2, result.stdout + result.stderr)
        assert.include(result.stdout, `${flag} reads the`)
        assert.include(result.stdout, "from stdin, and stdin is a terminal. Pipe it in, e.g.")
        assert.include(result.stdout, hint)
        assert.isFalse(Fs.existsSync(authFile(home)))
      }
    },
    120_000
  )

  it("an API-key login replaces a ChatGPT one and revokes its refresh token", async () => {
    const emulator: StartedEmulatorPromise = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true })
    try {
      const home = tempHome()
      const chatGpt = await run(["login", "--flow", "device", "--issuer", emulator.url, "--codex-home", home])
      assert.strictEqual(chatGpt.code, 0, chatGpt.stderr)
      const refreshToken = JSON.parse(Fs.readFileSync(authFile(home), "utf8")).tokens.refresh_token as string
      await emulator.admin.clearRequests()
      const replaced = await loginWithKey(home, key, ["--issuer", emulator.url])
      assert.strictEqual(replaced.code, 0, replaced.stderr)
      assert.deepStrictEqual(JSON.parse(Fs.readFileSync(authFile(home), "utf8")), {
        auth_mode: "apikey",
        OPENAI_API_KEY: key
      })
      const revokes = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/revoke")
      assert.strictEqual(revokes.length, 1)
      assert.notInclude(replaced.stderr, refreshToken)
    } finally {
      await emulator.close()
    }
  })
})

// `--with-access-token` (Agent Identity) is covered end to end in test/accesstoken; here only its boundary with
// `--with-api-key`: the two never combine, and an API key piped to it is not saved as a key.
describe("codex-auth login --with-access-token beside --with-api-key", () => {
  it("refuses both flags at once (exit 2), and does not take an API key for an access token", async () => {
    const home = tempHome()
    const both = await run(["login", "--with-access-token", "--with-api-key", "--codex-home", home], { input: key })
    assert.strictEqual(both.code, 2)
    assert.strictEqual(both.stdout, "")
    assert.include(both.stderr, "pick one")
    assertNoKey(both)
    const notAJwt = await run(["login", "--with-access-token", "--codex-home", home], { input: `${key}\n` })
    assert.strictEqual(notAJwt.code, 1)
    assert.include(notAJwt.stderr, "not a valid Agent Identity token")
    assert.include(notAJwt.stderr, "Nothing was saved")
    assertNoKey(notAJwt)
    assert.isFalse(Fs.existsSync(authFile(home)))
    const help = await run(["login", "--help"])
    assert.include(help.stdout, "--with-access-token")
    assert.include(help.stdout, "Agent Identity")
    assert.include(help.stdout, "--with-api-key")
  })
})

const codex = codexBin()
describe.skipIf(!interopEnabled("cli apikey interop"))("codex-auth login --with-api-key and the real Codex CLI", () => {
  it("codex login status on the home our CLI wrote: `API key configured - sk-proj-***ABCDE`", async () => {
    const home = await makeCodexHome(codex!)
    try {
      const ours = await loginWithKey(home.codexHome)
      assert.strictEqual(ours.code, 0, ours.stderr)
      const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
      assert.strictEqual(status.code, 0, status.stdout + status.stderr)
      assert.include(status.stdout + status.stderr, `API key configured - ${masked}`)
      // The same line ours prints.
      assert.include((await run(["status", "--codex-home", home.codexHome])).stderr, `API key configured - ${masked}`)
    } finally {
      await home.remove()
    }
  })
})
