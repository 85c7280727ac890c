// Issue 13 ("Messages"): a device login onto a full disk printed "✓ Logged in as …" and then the save error. The login
// is announced only once its tokens are saved: on a full 64 KiB tmpfs the CLI prints the save error alone (the disk
// is full, never "Logged in"); on a normal directory the same login says "Logged in" and saves once. The built CLI as
// a child process, the emulator over HTTP (approving the device code the CLI shows), a real tmpfs (we are root; the
// case skips, saying why, where mounting is refused). Build first (npm run build).
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../../..")
const cliBin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

let dir: string
let emulator: StartedEmulatorPromise
const mounts: Array<string> = []

beforeAll(async () => {
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-login-save-"))
  emulator = await startEmulatorPromise({ deviceInterval: "0" })
}, 60_000)

afterAll(async () => {
  for (const target of mounts.splice(0)) ChildProcess.spawnSync("umount", ["-l", target])
  await emulator?.close()
  if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
})

/** `codex-auth login --flow device` into `home`, approving the code it shows; its exit code and output. */
const deviceLogin = (home: string) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    assert.isTrue(Fs.existsSync(cliBin), "build first: npm run build")
    const child = ChildProcess.spawn(process.execPath, [cliBin, "login", "--flow", "device", "--codex-home", home], {
      env: { ...process.env, CODEX_AUTH_ISSUER: emulator.url, NO_COLOR: "1", HOME: dir },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000)
    let output = ""
    let approved = false
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const code = /\b([A-Z0-9]{4}-[A-Z0-9]{4,5})\b/.exec(output)
      if (code !== null && !approved) {
        approved = true
        void emulator.admin.approveDeviceCode(code[1]!)
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

describe("a login is announced only once its tokens are saved (issue 13)", () => {
  it("a full disk: the save error alone, never 'Logged in'; a normal directory: 'Logged in', saved", {
    timeout: 240_000
  }, async (context) => {
    const full = Path.join(dir, "full")
    Fs.mkdirSync(full)
    const mounted = ChildProcess.spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", full], {
      encoding: "utf8"
    })
    if (mounted.status !== 0) {
      context.skip(`mount -t tmpfs was refused: ${mounted.stderr.trim() || String(mounted.error)}`)
      return
    }
    mounts.push(full)
    // Fill it: the save cannot even create its temporary.
    Fs.writeFileSync(Path.join(full, "fill"), Buffer.alloc(0))
    try {
      Fs.writeFileSync(Path.join(full, "fill"), Buffer.alloc(128 * 1024))
    } catch {
      // ENOSPC once it is full: what we want
    }
    const failed = await deviceLogin(full)
    assert.strictEqual(failed.code, 1, failed.output)
    assert.include(failed.output, "Authorization received", "the exchange did happen")
    assert.include(failed.output, "disk is full", failed.output)
    assert.notInclude(failed.output, "Logged in", failed.output)
    assert.strictEqual(failed.output.match(/✗ /g)?.length, 1, `one failure line: ${failed.output}`)
    assert.isFalse(Fs.existsSync(Path.join(full, "auth.json")))

    const normal = Path.join(dir, "normal")
    Fs.mkdirSync(normal, { mode: 0o700 })
    const saved = await deviceLogin(normal)
    assert.strictEqual(saved.code, 0, saved.output)
    assert.include(saved.output, "✓ Logged in as user@example.com", saved.output)
    const stored = JSON.parse(Fs.readFileSync(Path.join(normal, "auth.json"), "utf8")) as {
      tokens: { refresh_token: string }
    }
    assert.isString(stored.tokens.refresh_token)
  })
})
