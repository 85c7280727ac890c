// The interactive login as a person sees it: `codex-auth login --flow device` in a real terminal (a tmux pane on a
// private tmux server), read back with `tmux capture-pane`, the code approved in the emulator as the person would,
// the screen checked line by line. tmux comes from Debian (scripts/setup-tmux.sh, run by `npm test`).
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")
const hasTmux = ChildProcess.spawnSync("tmux", ["-V"]).status === 0
if (!hasTmux && process.env["CI"] !== undefined) throw new Error("tmux is missing: run scripts/setup-tmux.sh")
if (!hasTmux) console.warn("tmux is missing (scripts/setup-tmux.sh): skipping the tmux-driven login")

const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-tmux-"))
const socket = Path.join(tmp, "tmux.sock")

const tmux = (...args: ReadonlyArray<string>): string => {
  const result = ChildProcess.spawnSync("tmux", ["-S", socket, "-f", "/dev/null", ...args], {
    encoding: "utf8",
    env: { ...process.env, TERM: "xterm-256color" }
  })
  if (result.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${result.stderr}`)
  return result.stdout
}

/** The pane's text as a person sees it (no escape sequences), trailing blank lines dropped. */
const screen = (): string => tmux("capture-pane", "-p", "-t", "login").replace(/\n+$/, "")

const waitFor = async (what: string, test: (text: string) => boolean, timeoutMillis = 45_000): Promise<string> => {
  const deadline = Date.now() + timeoutMillis
  for (;;) {
    const text = screen()
    if (test(text)) return text
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const quote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ deviceInterval: "1" })
}, 60_000)
afterAll(async () => {
  if (hasTmux) {
    try {
      tmux("kill-server")
    } catch {
      // Already gone.
    }
  }
  await emulator.close()
  Fs.rmSync(tmp, { recursive: true, force: true })
})

describe.skipIf(!hasTmux)("the interactive login in a terminal (tmux)", () => {
  it("device code: the code, the URL and the warning, a live countdown, then the result", async () => {
    const home = Fs.mkdtempSync(Path.join(tmp, "home-"))
    const command = [
      "env -u CI -u CODEX_HOME NO_COLOR=1",
      `HOME=${quote(home)}`,
      quote(process.execPath),
      quote(bin),
      "login --flow device",
      `--issuer ${quote(emulator.url)}`,
      `--codex-home ${quote(home)}`,
      "; echo \"exit $?\""
    ].join(" ")
    // Wide enough that nothing wraps; the pane stays after the command ends so its last screen can be read.
    tmux("new-session", "-d", "-s", "login", "-x", "200", "-y", "40", `${command}; sleep 120`)

    const shown = await waitFor("the device code", (text) => text.includes("left"))
    const lines = shown.split("\n")
    const code = /one-time code: (\S+) /.exec(lines[0]!)?.[1]
    assert.isDefined(code, shown)
    assert.strictEqual(lines[0], `! First copy your one-time code: ${code} (expires in 15 minutes)`)
    assert.strictEqual(lines[1], `  Then open ${emulator.url}/codex/device and enter it.`)
    assert.strictEqual(
      lines[2],
      "  Only enter this code for a login you started yourself. Anyone who asks you for it could take over your account."
    )
    // The spinner rewrites one line in place: one line on screen, counting down from 15:00.
    assert.match(lines[3]!, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Waiting for the code to be entered… 1[45]:\d\d left$/)
    assert.strictEqual(lines.length, 4, shown)

    await emulator.admin.approveDeviceCode(code!)
    const done = await waitFor("the result", (text) => /^exit \d+$/m.test(text))
    const final = done.split("\n")
    assert.deepStrictEqual(final.slice(0, 3), lines.slice(0, 3), "the code stays on screen")
    // The countdown line is erased, not left behind.
    assert.isFalse(final.some((line) => line.includes("Waiting for the code")), done)
    assert.strictEqual(final[3], "✓ Authorization received; finishing sign-in…", done)
    assert.match(final[4]!, /^✓ Logged in as \S+@\S+( \(\w+\))?$/, done)
    assert.strictEqual(final[5], "exit 0", done)
    assert.strictEqual(final.length, 6, done)
    assert.isTrue(Fs.existsSync(Path.join(home, "auth.json")))
  }, 90_000)
})
