/**
 * The `RuntimeFacts` port on Deno: `Deno.build.os`, WSL (`WSL_DISTRO_NAME` or /proc/version), containers
 * (/.dockerenv, /run/.containerenv, the cgroup, `KUBERNETES_SERVICE_HOST`), `SSH_CONNECTION`/`SSH_CLIENT`/`SSH_TTY`,
 * `DISPLAY`/`WAYLAND_DISPLAY` on Linux, `Deno.stdin.isTerminal()` and `Deno.stdout.isTerminal()`, `CI` and the common
 * CI variables. Overrides: `CODEX_AUTH_LOGIN_METHOD` (`browser|device|paste|custom`), `CODEX_AUTH_INTERACTIVE`,
 * `CODEX_AUTH_BROWSER` and `CODEX_AUTH_WSL` (`1`/`0`), `BROWSER=none`. The rules are the Node runtime's.
 *
 * @since 0.1.0
 */
import type { Overrides, Probes } from "@codex-auth/core/RuntimeFacts"
import { detect, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import * as Layer from "effect/Layer"
import { isContainer, isWsl } from "./internal/probes.ts"

/**
 * What detection looks at; `make` takes them explicitly (tests, or embedders that know better).
 *
 * @since 0.1.0
 * @category models
 */
export type { Probes }

/**
 * Facts from explicit probes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (probes: Probes): RuntimeFacts.Facts => detect(probes)

const isTerminal = (stream: { isTerminal(): boolean }): boolean => {
  try {
    return stream.isTerminal()
  } catch {
    return false
  }
}

/**
 * The probes of this process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const probes = (): Probes => {
  const env = Deno.env.toObject()
  return {
    platform: Deno.build.os,
    env,
    wsl: isWsl(env),
    container: isContainer(),
    stdinTty: isTerminal(Deno.stdin),
    stdoutTty: isTerminal(Deno.stdout)
  }
}

/**
 * The facts of this process; `overrides` beat both the environment's overrides and the detection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const current = (overrides: Overrides = {}): RuntimeFacts.Facts => {
  const facts = detect(probes())
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
