// The `codex-auth emulator` command, run as a process from the build (`npx tsc -b` first): first stdout line is
// the URL, it binds 127.0.0.1 only, flags reach the emulator, SIGINT/SIGTERM stop it, a held port fails clearly.
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"

const cli = fileURLToPath(new URL("../dist/bin/codex-auth.js", import.meta.url))

// Exit code of an interrupted `codex-auth` (128 + SIGINT), whichever signal stopped it.
const interrupted = 130

const children: Array<ChildProcess> = []
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
})

const start = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [cli, "emulator", ...args], { stdio: ["ignore", "pipe", "pipe"] })
  children.push(child)
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  const firstLine = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once("line", resolve)
    child.once("exit", () => reject(new Error(`exited before printing its URL: ${stderr}`)))
  })
  return { child, firstLine, exited, stderr: () => stderr }
}

describe.skipIf(!existsSync(cli))("codex-auth emulator (built CLI)", () => {
  it("prints its 127.0.0.1 URL first, applies its flags, and stops on SIGTERM", async () => {
    const run = start(["--auto-approve", "--access-token-ttl", "90", "--device-interval", "0", "--disable-device-code"])
    const url = await run.firstLine
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const settings = await (await fetch(`${url}/__emulator/settings`)).json()
    expect(settings).toMatchObject({
      autoApprove: true,
      accessTokenTtlSeconds: 90,
      deviceInterval: "0",
      deviceCodeEnabled: false
    })
    const usercode = await fetch(`${url}/api/accounts/deviceauth/usercode`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: "app_EMoamEEZ73f0CkXaXp7hrann" })
    })
    expect(usercode.status).toBe(404)
    run.child.kill("SIGTERM")
    // The root command turns a signal into a clean interruption (scopes close) and exits 130.
    expect(await run.exited).toEqual({ code: interrupted, signal: null })
    await expect(fetch(`${url}/__emulator/settings`)).rejects.toThrow()
  })

  it("stops on SIGINT and listens on the port it is given", async () => {
    const first = start([])
    const port = Number(new URL(await first.firstLine).port)
    first.child.kill("SIGINT")
    expect(await first.exited).toEqual({ code: interrupted, signal: null })
    const again = start(["--port", String(port)])
    expect(await again.firstLine).toBe(`http://127.0.0.1:${port}`)
    again.child.kill("SIGINT")
    expect((await again.exited).code).toBe(interrupted)
  })

  it("fails with a clear message when the port is held", async () => {
    const holder = start([])
    const port = new URL(await holder.firstLine).port
    const second = start(["--port", port])
    await expect(second.firstLine).rejects.toThrow()
    const exit = await second.exited
    expect(exit.code).not.toBe(0)
    expect(second.stderr()).toContain(`127.0.0.1:${port}`)
    expect(second.stderr()).toContain("already in use")
    holder.child.kill("SIGTERM")
    await holder.exited
  })
})
