// The built `codex-auth broker` as a child process: its URL from the first stdout line, its output kept for the
// secret scan, stopped with a signal and its exit code returned.
import { spawn } from "node:child_process"
import * as Path from "node:path"

export const root = Path.resolve(import.meta.dirname, "../..")
export const cliBin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

export interface BrokerProcess {
  readonly url: string
  readonly stdout: () => string
  readonly stderr: () => string
  /** Sends the signal and resolves with the exit code (null when a signal ended it). */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export const startBrokerProcess = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  timeoutMs = 60_000
): Promise<BrokerProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, "broker", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }
    })
    let stdout = ""
    let stderr = ""
    let settled = false
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    const timer = setTimeout(() => {
      settled = true
      child.kill("SIGKILL")
      reject(new Error(`the broker printed no URL within ${timeoutMs} ms: ${stdout}${stderr}`))
    }, timeoutMs)
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      const newline = stdout.indexOf("\n")
      if (newline >= 0 && !settled) {
        settled = true
        clearTimeout(timer)
        resolve({
          url: stdout.slice(0, newline),
          stdout: () => stdout,
          stderr: () => stderr,
          stop: async (signal = "SIGINT") => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          }
        })
      }
    })
    void exited.then((code) => {
      if (!settled) {
        settled = true
        clearTimeout(timer)
        reject(new Error(`the broker exited (${code}) before printing its URL: ${stdout}${stderr}`))
      }
    })
  })

/** Runs the built CLI once (`codex-auth ARGS…`), resolving with its exit code and output. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 120_000) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [cliBin, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }
      })
      let stdout = ""
      let stderr = ""
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.on("error", reject)
      child.on("close", (code) => {
        clearTimeout(timer)
        resolve({ code, stdout, stderr })
      })
    }
  )
