// Deno startup: whole-process wall time and peak RSS of the Deno CLI's `status` and `token` on a fresh auth.json
// (`deno run -A packages/deno/cli.ts …`, its startup path), beside a `deno run` of an empty module (outside any
// workspace, and beside cli.ts) and the full CLI (CODEX_AUTH_NO_FAST_PATH=1), ratios from this one run. The Deno
// binary is the `deno` npm package's.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  authJsonText,
  fmt,
  machine,
  median,
  quantile,
  repoRoot,
  table,
  tempCodexHome,
  timeProcess,
  writeAuthJson
} from "./support.ts"

const runs = Number(process.env["BENCH_RUNS"] ?? 20)
const deno = Path.join(repoRoot, "node_modules/.bin/deno")
const cli = Path.join(repoRoot, "packages/deno/cli.ts")

interface Case {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env?: Record<string, string | undefined>
  readonly note?: string
}

/**
 * Every case once per round, rounds repeated (after one warm-up round for the page cache and Deno's module cache):
 * on a shared machine the load changes from second to second, and interleaving keeps the ratios of one round fair.
 */
const measure = async (cases: ReadonlyArray<Case>, env: Record<string, string | undefined>) => {
  const walls = cases.map(() => [] as Array<number>)
  const rss = cases.map(() => [] as Array<number>)
  const status = cases.map(() => 0 as number | null)
  for (let round = 0; round <= runs; round++) {
    for (const [i, c] of cases.entries()) {
      const run = await timeProcess(deno, c.args, { ...env, ...c.env })
      status[i] = run.status
      if (round === 0) continue
      walls[i]!.push(run.wallMillis)
      rss[i]!.push(run.peakRssMiB)
    }
  }
  return cases.map((c, i) => ({
    ...c,
    wall: median(walls[i]!),
    p10: quantile(walls[i]!, 0.1),
    p90: quantile(walls[i]!, 0.9),
    rss: median(rss[i]!),
    status: status[i]
  }))
}

const denoVersion = (): string => {
  const result = spawnSync(deno, ["--version"], { encoding: "utf8" })
  return result.stdout.split("\n")[0] ?? "deno ?"
}

const main = async () => {
  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-bench-deno-"))
  // An empty module beside cli.ts, so Deno finds the same workspace (deno.json, package.json, node_modules).
  const inWorkspace = Path.join(repoRoot, "packages/deno", `.bench-empty-${process.pid}.ts`)
  try {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuthJson(home.path, authJsonText(minted, emulator.url))
    await emulator.close()
    const empty = Path.join(scratch, "empty.ts")
    Fs.writeFileSync(empty, "")
    Fs.writeFileSync(inWorkspace, "")
    const fullCli = { CODEX_AUTH_NO_FAST_PATH: "1" }
    const noBundle = { SSL_CERT_FILE: undefined, CODEX_CA_CERTIFICATE: undefined }
    const rows = await measure([
      { name: "deno run (empty module, no workspace)", args: ["run", "-A", empty] },
      { name: "deno run (empty module in packages/deno)", args: ["run", "-A", inWorkspace] },
      { name: "deno cli.ts status (startup path)", args: ["run", "-A", cli, "status"] },
      { name: "deno cli.ts token (startup path)", args: ["run", "-A", cli, "token"] },
      { name: "deno cli.ts status --json (startup path)", args: ["run", "-A", cli, "status", "--json"] },
      {
        name: "deno cli.ts token (startup path), no CA bundle",
        args: ["run", "-A", cli, "token"],
        env: noBundle,
        note: "SSL_CERT_FILE unset"
      },
      { name: "deno cli.ts status (full CLI)", args: ["run", "-A", cli, "status"], env: fullCli, note: "NO_FAST_PATH" },
      { name: "deno cli.ts token (full CLI)", args: ["run", "-A", cli, "token"], env: fullCli, note: "NO_FAST_PATH" }
    ], { CODEX_HOME: home.path, NO_COLOR: "1" })
    const bare = rows[0]!.wall
    const workspace = rows[1]!.wall
    table(
      `Deno startup, median of ${runs} interleaved rounds (after one warm-up round) — ${machine()}, ${denoVersion()}, NODE_EXTRA_CA_CERTS=${
        process.env["NODE_EXTRA_CA_CERTS"] ?? "(unset)"
      }, SSL_CERT_FILE=${process.env["SSL_CERT_FILE"] ?? "(unset)"} unless a row says otherwise`,
      [
        "program",
        "wall ms (median)",
        "p10",
        "p90",
        "peak RSS MiB",
        "× empty (no workspace)",
        "× empty (workspace)",
        "note"
      ],
      rows.map((r) => [
        r.name,
        fmt(r.wall, 1),
        fmt(r.p10, 1),
        fmt(r.p90, 1),
        fmt(r.rss, 1),
        `${fmt(r.wall / bare, 2)}×`,
        `${fmt(r.wall / workspace, 2)}×`,
        r.status === 0 ? r.note ?? "" : `exit ${r.status} ${r.note ?? ""}`
      ])
    )
    console.log("\nTarget: Deno cli.ts status/token (fresh token) ≤ 1.5× a `deno run` of an empty module.")
  } finally {
    home.cleanup()
    Fs.rmSync(scratch, { recursive: true, force: true })
    Fs.rmSync(inWorkspace, { force: true })
  }
}

await main()
// Leftover handles must not keep a finished benchmark alive.
process.exit(0)
