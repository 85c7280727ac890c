// config.toml's §10 policy through the built CLI (npm run build first): the fast path must not answer what the
// engine refuses; `status` refuses and keeps auth.json (as `codex login status`), `token` refuses and logs out (as
// `codex exec`); `-c key=value` overrides the file as `codex -c` does; a malformed file is named with its line.
import { assert, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { accessToken, current } from "../../packages/core/test/fixtures/authFiles.ts"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

const run = (args: ReadonlyArray<string>, codexHome: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "", CODEX_HOME: codexHome }
    delete env["CI"]
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const home = (config?: string) => {
  const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-cli-config-")))
  Fs.writeFileSync(Path.join(directory, "auth.json"), current, { mode: 0o600 })
  if (config !== undefined) Fs.writeFileSync(Path.join(directory, "config.toml"), config)
  return directory
}
const authText = (directory: string) =>
  Fs.existsSync(Path.join(directory, "auth.json")) ? Fs.readFileSync(Path.join(directory, "auth.json"), "utf8") : null

describe("codex-auth CLI and config.toml", () => {
  it("forced workspace of another account: status and status --json exit 1 naming config.toml, auth.json kept", async () => {
    const directory = home(`forced_chatgpt_workspace_id = "ws-B"\n`)
    for (const args of [["status"], ["status", "--json"]]) {
      const result = await run(args, directory)
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "Login is restricted to workspace id(s) ws-B")
      assert.include(result.stderr, Path.join(directory, "config.toml"))
      assert.strictEqual(authText(directory), current)
    }
  })

  it("token: refuses, prints no token, and logs out as codex exec does", async () => {
    const directory = home(`forced_chatgpt_workspace_id = ["ws-B", "ws-C"]\n`)
    const result = await run(["token"], directory)
    assert.strictEqual(result.code, 1)
    assert.strictEqual(result.stdout, "")
    assert.notInclude(result.stderr, accessToken)
    assert.include(result.stderr, "The stored credentials were removed.")
    assert.strictEqual(authText(directory), null)
  })

  it("forced_login_method = api refuses the ChatGPT login with Codex's words", async () => {
    const directory = home(`forced_login_method = "api"\n`)
    const result = await run(["headers"], directory)
    assert.strictEqual(result.code, 1)
    assert.include(result.stderr, "API key login is required, but ChatGPT is currently being used. Logging out.")
    assert.strictEqual(authText(directory), null)
  })

  it("-c overrides the file's value (and a bad -c is a typed error); the allowed workspace is served", async () => {
    const directory = home(`forced_chatgpt_workspace_id = "ws-B"\n`)
    const overridden = await run(["token", "-c", "forced_chatgpt_workspace_id=acct-1111"], directory)
    assert.strictEqual(overridden.code, 0, overridden.stderr)
    assert.strictEqual(overridden.stdout, `${accessToken}\n`)
    const bad = await run(["status", "-c", "forced_login_method"], directory)
    assert.strictEqual(bad.code, 1)
    assert.include(bad.stderr, `Invalid -c override "forced_login_method": missing '='`)
    const allowed = home(`forced_chatgpt_workspace_id = "acct-1111"\nforced_login_method = "chatgpt"\n`)
    const token = await run(["token"], allowed)
    assert.strictEqual(token.stdout, `${accessToken}\n`)
  })

  it("forced_login_method = api: login refuses before any device code is requested (as codex login)", async () => {
    const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-cli-config-")))
    Fs.writeFileSync(Path.join(directory, "config.toml"), `forced_login_method = "api"\n`)
    // The issuer is a closed port: any request would fail differently.
    const result = await run(["login", "--flow", "device", "--issuer", "http://127.0.0.1:9"], directory)
    assert.strictEqual(result.code, 1)
    assert.strictEqual(
      result.stderr.trim(),
      `✗ ChatGPT login is disabled (forced_login_method in ${
        Path.join(directory, "config.toml")
      }). Use API key login instead.`
    )
    assert.isFalse(Fs.existsSync(Path.join(directory, "auth.json")))
  })

  it("a malformed config.toml: one line naming the file, line and column; auth.json untouched", async () => {
    const directory = home(`model = "o3"\nforced_chatgpt_workspace_id = 5\n`)
    for (const command of ["status", "token"]) {
      const result = await run([command], directory)
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stdout, "")
      assert.strictEqual(
        result.stderr.trim(),
        `✗ Error loading configuration: ${
          Path.join(directory, "config.toml")
        }:2:31: forced_chatgpt_workspace_id must be a string or a list of strings. ` +
          "Fix that line of config.toml (the Codex CLI refuses this file too), or remove it."
      )
      assert.strictEqual(authText(directory), current)
    }
  })
})
