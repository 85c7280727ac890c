import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { spawn } from "node:child_process"
import { authJsonText, tempCodexHome } from "./support.ts"
const emulator = await startEmulatorPromise()
const home = tempCodexHome()
const args = JSON.parse(process.env["EXP"]!)
for (let i = 0; i < 2; i++) {
const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
Fs.writeFileSync(Path.join(home.path, "auth.json"), authJsonText(minted, emulator.url), { mode: 0o600 })
if (i === 1) Fs.rmSync("/tmp/exp/prof", { recursive: true, force: true })
const r = await new Promise<any>((res) => { const c = spawn(process.execPath, i === 1 ? args : args.filter((a: string) => !a.startsWith("--cpu")), { env: { ...process.env, CODEX_HOME: home.path, CODEX_AUTH_ISSUER: emulator.url, CODEX_AUTH_CODE_CACHE: "/tmp/exp/cc" } }); let stdout = "", stderr = ""; c.stdout.on("data", (d) => stdout += d); c.stderr.on("data", (d) => stderr += d); c.on("close", (status) => res({ status, stdout, stderr })) })
console.log(r.status, r.stdout.slice(0, 20), r.stderr.slice(0, 300))
}
await emulator.close(); home.cleanup(); process.exit(0)
