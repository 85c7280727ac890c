/**
 * The `RuntimeFacts` port for Node: `process.platform`, `is-wsl`, `is-inside-container` (plus
 * `KUBERNETES_SERVICE_HOST`), `SSH_CONNECTION`/`SSH_CLIENT`/`SSH_TTY`, `DISPLAY`/`WAYLAND_DISPLAY` on Linux,
 * `isTTY` of stdin and stdout, `CI` and the common CI variables. Overrides: `CODEX_AUTH_LOGIN_METHOD`
 * (`browser|device|paste|custom`), `CODEX_AUTH_INTERACTIVE`, `CODEX_AUTH_BROWSER` and `CODEX_AUTH_WSL` (`1`/`0`),
 * `BROWSER=none`.
 *
 * @since 0.1.0
 */
import type { Overrides, Probes } from "@codex-auth/core/RuntimeFacts"
import { detect, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import * as Layer from "effect/Layer"
import isInsideContainer from "is-inside-container"
import isWsl from "is-wsl"

/**
 * Facts from explicit probes (tests, or embedders that know better).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (probes: Probes): RuntimeFacts.Facts => detect(probes)

/**
 * The facts of this process; `overrides` beat both the environment's overrides and the detection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const current = (overrides: Overrides = {}): RuntimeFacts.Facts => {
  const facts = detect({
    platform: process.platform,
    env: process.env,
    wsl: isWsl,
    container: isInsideContainer(),
    stdinTty: process.stdin.isTTY === true,
    stdoutTty: process.stdout.isTTY === true
  })
  const explicit = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined))
  return { ...facts, overrides: { ...facts.overrides, ...explicit } }
}

/**
 * The facts of this process, with explicit overrides when given.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (overrides: Overrides = {}): Layer.Layer<RuntimeFacts> =>
  Layer.sync(RuntimeFacts, () => current(overrides))
