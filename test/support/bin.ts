// The built `codex-auth` command (npm run build first), run as a user runs it: a child process with the test's
// environment on top of this process's, NO_COLOR set, stdin closed. Shared by the suites that spawn the bin.
import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"

export const bin = Path.resolve("packages/node/bin/codex-auth.js")

export interface BinResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface BinOptions {
  /** Variables of this process left out of the child's environment (before `env` applies). */
  readonly without?: ReadonlyArray<string>
}

/** Starts `codex-auth args…`; `exited` settles with its output once it has closed. */
export const startBin = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  options: BinOptions = {}
): { readonly child: ChildProcess; readonly exited: Promise<BinResult> } => {
  const inherited: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !(options.without ?? []).includes(key)) inherited[key] = value
  }
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...inherited, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (chunk) => (stdout += chunk))
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<BinResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, exited }
}

/** Runs `codex-auth args…` to the end. */
export const runBin = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  options: BinOptions = {}
): Promise<BinResult> => startBin(args, env, options).exited
