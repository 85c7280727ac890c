// Running the real Codex CLI in tests: a fresh CODEX_HOME and HOME per run, stdin closed, a bounded timeout.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { homedir, tmpdir } from "node:os"
import { join } from "node:path"

const defaultVersion = process.env.CODEX_CLI_VERSION ?? "0.169.0"

/** The Codex CLI binary: `CODEX_BIN` (from `bash scripts/setup-codex.sh`), else the setup script's cache path. */
export const codexBin = (): string | undefined => {
  if (process.env.CODEX_BIN) return process.env.CODEX_BIN
  const cache = process.env.CODEX_AUTH_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "codex-auth")
  const candidate = join(cache, `codex-${defaultVersion}`, "node_modules", ".bin", "codex")
  return existsSync(candidate) ? candidate : undefined
}

/** True inside `scripts/netns.sh`'s loopback-only namespace, where the Codex CLI cannot reach the internet. */
export const isolated = (): boolean => process.env.CODEX_AUTH_NETNS === "1"

/**
 * Whether the interop suites can run here. Under CI (which installs Codex and runs in the namespace) a missing
 * prerequisite is a failure, never a silent skip.
 */
export const interopEnabled = (suite: string): boolean => {
  const enabled = codexBin() !== undefined && isolated()
  if (!enabled && process.env.CI) {
    throw new Error(`${suite}: CI must run this against the real Codex CLI inside scripts/netns.sh`)
  }
  return enabled
}

export interface CodexRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CodexHome {
  readonly codexHome: string
  readonly home: string
  readonly authJson: () => Promise<any>
  readonly run: (args: ReadonlyArray<string>, options?: { env?: Record<string, string>; timeoutMs?: number }) => {
    readonly done: Promise<CodexRun>
    readonly output: () => string
  }
  readonly remove: () => Promise<void>
}

export const makeCodexHome = async (bin: string): Promise<CodexHome> => {
  const codexHome = await mkdtemp(join(tmpdir(), "codex-home-"))
  const home = await mkdtemp(join(tmpdir(), "codex-user-home-"))
  return {
    codexHome,
    home,
    authJson: async () => JSON.parse(await readFile(join(codexHome, "auth.json"), "utf8")),
    run: (args, options = {}) => {
      let stdout = ""
      let stderr = ""
      const child = spawn(bin, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          CODEX_HOME: codexHome,
          HOME: home,
          NO_COLOR: "1",
          RUST_LOG: "error",
          ...options.env
        }
      })
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      const done = new Promise<CodexRun>((resolve, reject) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000)
        child.on("error", reject)
        child.on("close", (code, signal) => {
          clearTimeout(timer)
          resolve({ code, signal, stdout, stderr })
        })
      })
      return { done, output: () => stdout + stderr }
    },
    remove: async () => {
      await rm(codexHome, { recursive: true, force: true })
      await rm(home, { recursive: true, force: true })
    }
  }
}

/** Config overrides that send every backend call of `codex exec` to the emulator (which answers 404 at once) and
 * turn off the model client's retries, so an exec ends in well under a second instead of retrying the internet. */
export const execOfflineConfig = (emulatorUrl: string): ReadonlyArray<string> =>
  [
    "model_provider=emu",
    "model_providers.emu.name=emu",
    `model_providers.emu.base_url="${emulatorUrl}/backend-api/codex"`,
    "model_providers.emu.wire_api=responses",
    "model_providers.emu.requires_openai_auth=true",
    "model_providers.emu.request_max_retries=0",
    "model_providers.emu.stream_max_retries=0",
    `chatgpt_base_url="${emulatorUrl}/backend-api/"`
  ].flatMap((override) => ["-c", override])
