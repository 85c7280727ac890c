// Shared by the benchmarks: statistics, tables, temporary CODEX_HOMEs holding emulator-minted tokens, and timing
// child processes (wall time from our side, peak RSS from GNU time). Benchmarks print figures; nothing here asserts.
import type * as Emulator from "@codex-auth/emulator/Emulator"
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

// The runner (bench/run.mjs) starts every benchmark from the repository root.
export const repoRoot: string = process.cwd()

export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

export const fmt = (value: number, digits = 1): string =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a"

/** Prints a Markdown table (so RESULTS.md can take it verbatim). */
export const table = (title: string, header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(`\n### ${title}\n`)
  console.log(line(header))
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const row of rows) console.log(line(row))
}

export const tempCodexHome = (): { readonly path: string; readonly cleanup: () => void } => {
  const path = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-bench-"))
  return { path, cleanup: () => Fs.rmSync(path, { recursive: true, force: true }) }
}

/** auth.json exactly as Codex 0.169 writes it, holding tokens the emulator minted. */
export const authJsonText = (minted: Emulator.MintedTokens, issuer: string): string =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: "app_EMoamEEZ73f0CkXaXp7hrann" },
        account_id: minted.account_id
      },
      last_refresh: new Date().toISOString()
    },
    null,
    2
  )

export const writeAuthJson = (codexHome: string, text: string): void =>
  Fs.writeFileSync(Path.join(codexHome, "auth.json"), text, { mode: 0o600 })

export interface ProcessRun {
  readonly wallMillis: number
  readonly peakRssMiB: number
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const hasGnuTime = Fs.existsSync("/usr/bin/time")

/** Runs a command to completion; wall time measured here, peak RSS by GNU time (`%M`, KiB). */
export const timeProcess = (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {}
): Promise<ProcessRun> =>
  new Promise((resolve, reject) => {
    const marker = "@@peak-rss-kib="
    const [file, argv] = hasGnuTime
      ? ["/usr/bin/time", ["-f", `${marker}%M`, command, ...args]]
      : [command, [...args]]
    const start = process.hrtime.bigint()
    const merged: Record<string, string> = {}
    // `undefined` removes a variable from the child's environment.
    for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) merged[key] = value
    const child = spawn(file, argv, { env: merged, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (status) => {
      const wallMillis = Number(process.hrtime.bigint() - start) / 1e6
      const match = new RegExp(`${marker}(\\d+)`).exec(stderr)
      resolve({
        wallMillis,
        peakRssMiB: match === null ? Number.NaN : Number(match[1]) / 1024,
        status,
        stdout,
        stderr: stderr.replace(new RegExp(`${marker}\\d+\\n?`), "")
      })
    })
  })

/** Median wall time and median peak RSS of `runs` runs (after one unmeasured warm-up run for the page cache). */
export const measureProcess = async (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {},
  runs = 10
): Promise<{ readonly wall: number; readonly p90: number; readonly rss: number; readonly last: ProcessRun }> => {
  await timeProcess(command, args, env)
  const results: Array<ProcessRun> = []
  for (let i = 0; i < runs; i++) results.push(await timeProcess(command, args, env))
  return {
    wall: median(results.map((r) => r.wallMillis)),
    p90: quantile(results.map((r) => r.wallMillis), 0.9),
    rss: median(results.map((r) => r.peakRssMiB)),
    last: results[results.length - 1]!
  }
}

/** The Codex CLI binary (installed by scripts/setup-codex.sh), when available. */
export const codexBinary = (): string | undefined => {
  if (process.env["CODEX_BIN"] !== undefined && Fs.existsSync(process.env["CODEX_BIN"])) return process.env["CODEX_BIN"]
  const result = spawnSync("bash", [Path.join(repoRoot, "scripts/setup-codex.sh")], { encoding: "utf8" })
  const path = result.stdout.trim().split("\n").pop() ?? ""
  return result.status === 0 && Fs.existsSync(path) ? path : undefined
}

/**
 * The Rust binary the npm `codex` wrapper (what `npm i @openai/codex` puts on PATH, and what {@link codexBinary}
 * returns) spawns: `vendor/<target triple>/bin/codex` in the platform package (`@openai/codex-linux-x64`, …) or in
 * `@openai/codex` itself, as the wrapper looks for it. `undefined` when not found.
 */
export const codexRustBinary = (wrapper: string): string | undefined => {
  const packageRoot = Path.dirname(Path.dirname(Fs.realpathSync(wrapper))) // …/node_modules/@openai/codex
  const scope = Path.dirname(packageRoot)
  const name = process.platform === "win32" ? "codex.exe" : "codex"
  const roots = [
    ...Fs.readdirSync(scope).filter((d) => d.startsWith("codex-")).map((d) => Path.join(scope, d)),
    packageRoot
  ]
  for (const root of roots) {
    const vendor = Path.join(root, "vendor")
    if (!Fs.existsSync(vendor)) continue
    for (const triple of Fs.readdirSync(vendor)) {
      const candidate = Path.join(vendor, triple, "bin", name)
      if (Fs.existsSync(candidate)) return candidate
    }
  }
  return undefined
}

export const machine = (): string =>
  `${Os.cpus().length} cores (${
    Os.cpus()[0]?.model ?? "?"
  }), Node ${process.version}, ${Os.platform()} ${Os.release()}, ` +
  `${new Date().toISOString().slice(0, 10)}`
