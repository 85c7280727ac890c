// config.toml's §10 policy, the real Codex CLI 0.169 and codex-auth side by side on one fixture (auth.json of
// workspace acct-1111, config.toml forcing others). Observed from Codex: `login status` says "Not logged in" (exit 1)
// and leaves auth.json; `exec` says "Login is restricted to workspace(s) …, but current credentials belong to ….
// Logging out." and deletes it; a value of the wrong type is "Error loading configuration: FILE:LINE:COL: …".
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh npx vitest run test/interop/config.test.ts
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { current } from "../../packages/core/test/fixtures/authFiles.ts"
import { codexBin, type CodexHome, interopEnabled, makeCodexHome } from "../support/codex.ts"

const bin = codexBin()
const enabled = interopEnabled("config interop")
const ours = Path.resolve(import.meta.dirname, "../../packages/node/dist/bin/codex-auth.js")

const runOurs = (args: ReadonlyArray<string>, home: CodexHome) =>
  new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, [ours, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CODEX_HOME: home.codexHome, HOME: home.home, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, output }))
  })

describe.skipIf(!enabled)("config.toml policy: the real Codex CLI and codex-auth agree", () => {
  const homes: Array<CodexHome> = []
  afterEach(async () => {
    await Promise.all(homes.splice(0).map((home) => home.remove()))
  })
  const fixture = async (config: string) => {
    const home = await makeCodexHome(bin!)
    homes.push(home)
    Fs.writeFileSync(Path.join(home.codexHome, "auth.json"), current, { mode: 0o600 })
    Fs.writeFileSync(Path.join(home.codexHome, "config.toml"), config)
    return home
  }
  const authExists = (home: CodexHome) => Fs.existsSync(Path.join(home.codexHome, "auth.json"))

  it("status: both refuse (exit 1) and both keep auth.json", async () => {
    const codex = await fixture(`forced_chatgpt_workspace_id = ["ws-B", "ws-C"]\n`)
    const codexStatus = await codex.run(["login", "status"], { timeoutMs: 30_000 }).done
    expect(codexStatus.code).toBe(1)
    expect(codexStatus.stdout + codexStatus.stderr).toContain("Not logged in")
    expect(authExists(codex)).toBe(true)

    const home = await fixture(`forced_chatgpt_workspace_id = ["ws-B", "ws-C"]\n`)
    const status = await runOurs(["status"], home)
    expect(status.code).toBe(1)
    expect(status.output).toContain("Login is restricted to workspace id(s) ws-B, ws-C")
    expect(status.output).toContain(Path.join(home.codexHome, "config.toml"))
    expect(authExists(home)).toBe(true)
  })

  it("using the credentials: codex exec and codex-auth token both log out, naming the same workspaces", async () => {
    const codex = await fixture(`forced_chatgpt_workspace_id = ["ws-B", "ws-C"]\n`)
    const exec = await codex.run(["exec", "--skip-git-repo-check", "hi"], { timeoutMs: 60_000 }).done
    expect(exec.code).not.toBe(0)
    expect(exec.stdout + exec.stderr).toContain(
      "Login is restricted to workspace(s) ws-B, ws-C, but current credentials belong to acct-1111. Logging out."
    )
    expect(authExists(codex)).toBe(false)

    const home = await fixture(`forced_chatgpt_workspace_id = ["ws-B", "ws-C"]\n`)
    const token = await runOurs(["token"], home)
    expect(token.code).toBe(1)
    expect(token.output).toContain("ws-B, ws-C")
    expect(token.output).toContain("but the credentials are for acct-1111. The stored credentials were removed.")
    expect(authExists(home)).toBe(false)
  })

  it("forced_login_method = api: Codex's sentence, word for word, from both", async () => {
    const sentence = "API key login is required, but ChatGPT is currently being used. Logging out."
    const codex = await fixture(`forced_login_method = "api"\n`)
    const exec = await codex.run(["exec", "--skip-git-repo-check", "hi"], { timeoutMs: 60_000 }).done
    expect(exec.stdout + exec.stderr).toContain(sentence)
    const home = await fixture(`forced_login_method = "api"\n`)
    expect((await runOurs(["token"], home)).output).toContain(sentence)
    expect([authExists(codex), authExists(home)]).toEqual([false, false])
  })

  it("-c overrides the file in both; a wrong type is refused at the same line:column by both", async () => {
    const codex = await fixture(`forced_chatgpt_workspace_id = "ws-B"\n`)
    const overridden = await codex.run(["-c", "forced_chatgpt_workspace_id=acct-1111", "login", "status"]).done
    expect(overridden.stdout + overridden.stderr).toContain("Logged in using ChatGPT")
    const home = await fixture(`forced_chatgpt_workspace_id = "ws-B"\n`)
    expect((await runOurs(["status", "-c", "forced_chatgpt_workspace_id=acct-1111"], home)).code).toBe(0)

    const broken = `model = "o3"\nforced_chatgpt_workspace_id = 5\n`
    const codexBroken = await fixture(broken)
    const codexResult = await codexBroken.run(["login", "status"]).done
    expect(codexResult.stdout + codexResult.stderr).toContain(
      `Error loading configuration: ${Path.join(codexBroken.codexHome, "config.toml")}:2:31:`
    )
    const oursBroken = await fixture(broken)
    const result = await runOurs(["status"], oursBroken)
    expect(result.code).toBe(1)
    expect(result.output).toContain(
      `Error loading configuration: ${Path.join(Fs.realpathSync(oursBroken.codexHome), "config.toml")}:2:31:`
    )
    expect([authExists(codexBroken), authExists(oursBroken)]).toEqual([true, true])
  })
})
