/**
 * Port: the observed environment a login runs in. The planner reads only these facts.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as internal from "./internal/facts.ts"

/**
 * The login methods a caller can force and the planner can choose.
 *
 * @since 0.1.0
 */
export type LoginMethod = "browser" | "device" | "paste" | "custom"

/**
 * @since 0.1.0
 */
export type Os = "linux" | "darwin" | "win32" | "other"

/**
 * Explicit overrides (from options or the environment) that beat what was detected.
 *
 * @since 0.1.0
 */
export interface Overrides {
  /** Force a login method. */
  readonly method?: LoginMethod | undefined
  /** Someone is there to complete a login (e.g. a GUI embedder), whatever the TTYs and CI say. */
  readonly interactive?: boolean | undefined
  /** Whether a browser can be opened on this machine. */
  readonly browser?: boolean | undefined
}

/**
 * @since 0.1.0
 */
export declare namespace RuntimeFacts {
  /**
   * @since 0.1.0
   */
  export interface Facts {
    readonly os: Os
    readonly wsl: boolean
    readonly container: boolean
    readonly ssh: boolean
    /** A graphical display is reachable (always true on macOS and Windows). */
    readonly display: boolean
    readonly stdinTty: boolean
    readonly stdoutTty: boolean
    readonly ci: boolean
    readonly overrides: Overrides
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RuntimeFacts extends Context.Tag("@codex-auth/core/RuntimeFacts")<RuntimeFacts, RuntimeFacts.Facts>() {}

/**
 * A desktop with an interactive terminal: the facts to start from in tests.
 *
 * @since 0.1.0
 */
export const desktop: RuntimeFacts.Facts = {
  os: "linux",
  wsl: false,
  container: false,
  ssh: false,
  display: true,
  stdinTty: true,
  stdoutTty: true,
  ci: false,
  overrides: {}
}

/**
 * Provide fixed facts.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (facts: RuntimeFacts.Facts): Layer.Layer<RuntimeFacts> => Layer.succeed(RuntimeFacts, facts)

/**
 * What a runtime observes: its platform name, environment variables and a few probes.
 *
 * @since 0.1.0
 */
export type Probes = internal.Probes

/**
 * Environment variables, as a runtime reads them.
 *
 * @since 0.1.0
 */
export type Env = internal.Env

/**
 * Variables CI services set (besides `CI` itself).
 *
 * @since 0.1.0
 */
export const ciVariables: ReadonlyArray<string> = internal.ciVariables

/**
 * A runtime's platform name (Node's platform or Deno's build OS) as an {@link Os}.
 *
 * @since 0.1.0
 */
export const toOs: (platform: string) => Os = internal.toOs

/**
 * Whether this is WSL: the probe's answer unless `CODEX_AUTH_WSL` (`1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`)
 * overrides it. {@link detect} and the runtimes' browser openers both decide through it.
 *
 * @since 0.1.0
 */
export const wsl: (env: Env, probed: boolean) => boolean = internal.wsl

/**
 * The facts from the probes: the one set of rules every runtime uses (overrides from `CODEX_AUTH_LOGIN_METHOD`,
 * `CODEX_AUTH_INTERACTIVE`, `CODEX_AUTH_BROWSER`, `CODEX_AUTH_WSL` and `BROWSER=none` included).
 *
 * @since 0.1.0
 * @category constructors
 */
export const detect: (probes: Probes) => RuntimeFacts.Facts = internal.detect
