/**
 * The `BrowserOpener` port on Deno (`Deno.Command`): `BROWSER` when set, else `open` (macOS), `cmd /c start`
 * (Windows), `wslview` / `powershell.exe` / `cmd.exe` (WSL, or `CODEX_AUTH_WSL=1`) or `xdg-open` (Linux). A program that cannot be launched,
 * or exits non-zero at once, is a `BrowserOpenFailed` — the Node runtime's rules.
 *
 * @since 0.1.0
 */
import { BrowserOpener, BrowserOpenFailed, commandsFor } from "@codex-auth/core/BrowserOpener"
import type { OpenCommand, Platform } from "@codex-auth/core/BrowserOpener"
import * as Environment from "@codex-auth/core/Environment"
import { toOs, wsl } from "@codex-auth/core/RuntimeFacts"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { reasonOf } from "./internal/errors.ts"
import { isWsl } from "./internal/probes.ts"

/**
 * Where the opener looks: the OS, WSL, and `BROWSER`.
 *
 * @since 0.1.0
 * @category models
 */
export type { Platform }

/**
 * How long a launcher may run before it counts as launched (some openers stay until the browser exits).
 *
 * @since 0.1.0
 */
export const launchWindowMillis = 3000

const launch = (candidate: OpenCommand): Effect.Effect<void, BrowserOpenFailed> =>
  Effect.async<void, BrowserOpenFailed>((resume) => {
    let child: Deno.ChildProcess
    try {
      child = new Deno.Command(candidate.command, {
        args: [...candidate.args],
        stdin: "null",
        stdout: "null",
        stderr: "null",
        windowsRawArguments: candidate.verbatim
      }).spawn()
    } catch (cause) {
      resume(Effect.fail(new BrowserOpenFailed({ command: candidate.command, reason: reasonOf(cause) })))
      return
    }
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.unref()
      resume(Effect.void)
    }, launchWindowMillis)
    child.status.then((status) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(
        status.success
          ? Effect.void
          : Effect.fail(
            new BrowserOpenFailed({
              command: candidate.command,
              reason: status.signal === null ? `exited with status ${status.code}` : `killed by ${status.signal}`
            })
          )
      )
    })
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (platform: Platform): BrowserOpener.Service =>
  BrowserOpener.of({
    open: (url) =>
      Effect.gen(function*() {
        let failure = new BrowserOpenFailed({ command: "none", reason: "no opener for this platform" })
        for (const candidate of commandsFor(platform, url)) {
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
export const layer: Layer.Layer<BrowserOpener> = Layer.sync(BrowserOpener, () => {
  const env = Deno.env.toObject()
  return make({ os: toOs(Deno.build.os), wsl: wsl(env, isWsl(env)), browserEnv: env[Environment.names.browserCommand] })
})
