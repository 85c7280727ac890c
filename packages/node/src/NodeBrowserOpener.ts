/**
 * The `BrowserOpener` port for Node: `BROWSER` when set, else `open` (macOS), `cmd /c start` (Windows),
 * `wslview` / `powershell.exe` / `cmd.exe` (WSL: `is-wsl`, or `CODEX_AUTH_WSL`) or `xdg-open` (Linux). A program
 * that cannot be launched, or exits non-zero at once, is a `BrowserOpenFailed`.
 *
 * @since 0.1.0
 */
import { BrowserOpener, BrowserOpenFailed, commandsFor } from "@codex-auth/core/BrowserOpener"
import type { OpenCommand, Platform } from "@codex-auth/core/BrowserOpener"
import * as Environment from "@codex-auth/core/Environment"
import { toOs, wsl } from "@codex-auth/core/RuntimeFacts"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import isWsl from "is-wsl"
import * as ChildProcess from "node:child_process"

/**
 * How long a launcher may run before it counts as launched (some openers stay until the browser exits).
 *
 * @since 0.1.0
 */
export const launchWindowMillis = 3000

const launch = (candidate: OpenCommand) =>
  Effect.async<void, BrowserOpenFailed>((resume) => {
    let settled = false
    const settle = (effect: Effect.Effect<void, BrowserOpenFailed>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(effect)
    }
    const child = ChildProcess.spawn(candidate.command, [...candidate.args], {
      stdio: "ignore",
      detached: true,
      windowsVerbatimArguments: candidate.verbatim,
      windowsHide: true
    })
    const timer = setTimeout(() => {
      child.unref()
      settle(Effect.void)
    }, launchWindowMillis)
    child.once("error", (error: NodeJS.ErrnoException) =>
      settle(Effect.fail(new BrowserOpenFailed({ command: candidate.command, reason: error.code ?? "spawn failed" }))))
    child.once("exit", (code, signal) =>
      settle(
        code === 0
          ? Effect.void
          : Effect.fail(
            new BrowserOpenFailed({
              command: candidate.command,
              reason: signal === null ? `exited with status ${code}` : `killed by ${signal}`
            })
          )
      ))
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (platform: Platform): BrowserOpener.Service =>
  BrowserOpener.of({
    open: (url) =>
      Effect.gen(function*() {
        const candidates = commandsFor(platform, url)
        let failure = new BrowserOpenFailed({ command: "none", reason: "no opener for this platform" })
        for (const candidate of candidates) {
          const outcome = yield* Effect.either(launch(candidate))
          if (outcome._tag === "Right") return
          failure = outcome.left
        }
        return yield* failure
      })
  })

/**
 * The opener for this process's platform and environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<BrowserOpener> = Layer.sync(
  BrowserOpener,
  () =>
    make({
      os: toOs(process.platform),
      wsl: wsl(process.env, isWsl),
      browserEnv: process.env[Environment.names.browserCommand]
    })
)
