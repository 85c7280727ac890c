// Deno startup: whole-process wall time and peak RSS of the Deno CLI's `status` and `token` on a fresh auth.json
// (`deno run -A packages/deno/cli.ts …`, its startup path), beside a `deno run` of an empty module and the full CLI
// (CODEX_AUTH_NO_FAST_PATH=1), ratios from this one run. The Deno binary is the `deno` npm package's.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { authJsonText, fmt, machine, measureProcess, repoRoot, table, tempCodexHome, writeAuthJson } from "./support.ts"

const runs = Number(process.env["BENCH_RUNS"] ?? 10)
const deno = Path.join(repoRoot, "node_modules/.bin/deno")
const cli = Path.join(repoRoot, "packages/deno/cli.ts")

const main = async () => {
  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-bench-deno-"))
  try {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuthJson(home.path, authJsonText(minted, emulator.url))
    await emulator.close()
    const empty = Path.join(scratch, "empty.ts")
    Fs.writeFileSync(empty, "")
    const env = { CODEX_HOME: home.path, NO_COLOR: "1" }
    const rows: Array<{ name: string; wall: number; p90: number; rss: number; note: string }> = []
    const add = async (name: string, args: ReadonlyArray<string>, note = "", extra: Record<string, string> = {}) => {
      const result = await measureProcess(deno, args, { ...env, ...extra }, runs)
      const status = result.last.status
      rows.push({
        name,
        wall: result.wall,
        p90: result.p90,
        rss: result.rss,
        note: status === 0 ? note : `exit ${status} ${note}`
      })
    }
    await add("deno run (empty module)", ["run", "-A", empty])
    await add("deno cli.ts status (startup path)", ["run", "-A", cli, "status"])
    await add("deno cli.ts token (startup path)", ["run", "-A", cli, "token"])
    await add("deno cli.ts status --json (startup path)", ["run", "-A", cli, "status", "--json"])
    await add("deno cli.ts status (full CLI)", ["run", "-A", cli, "status"], "CODEX_AUTH_NO_FAST_PATH=1", {
      CODEX_AUTH_NO_FAST_PATH: "1"
    })
    await add("deno cli.ts token (full CLI)", ["run", "-A", cli, "token"], "CODEX_AUTH_NO_FAST_PATH=1", {
      CODEX_AUTH_NO_FAST_PATH: "1"
    })
    const base = rows[0]!.wall
    table(
      `Deno startup, median of ${runs} (after one warm-up run) — ${machine()}, ` +
        `NODE_EXTRA_CA_CERTS=${process.env["NODE_EXTRA_CA_CERTS"] ?? "(unset)"}, ` +
        `SSL_CERT_FILE=${process.env["SSL_CERT_FILE"] ?? "(unset)"}`,
      ["program", "wall ms (median)", "wall ms (p90)", "peak RSS MiB", "× deno run empty", "note"],
      rows.map((r) => [r.name, fmt(r.wall, 1), fmt(r.p90, 1), fmt(r.rss, 1), `${fmt(r.wall / base, 2)}×`, r.note])
    )
    console.log("\nTarget: Deno cli.ts status/token (fresh token) ≤ 1.5× a `deno run` of an empty module.")
  } finally {
    home.cleanup()
    Fs.rmSync(scratch, { recursive: true, force: true })
  }
}

await main()
process.exit(0)
