/**
 * Pure detection of the runtime facts from the environment variables and a few probes — one set of rules for every
 * runtime, so Node and Deno plan the same login for the same machine.
 */
import type { LoginMethod, Os, RuntimeFacts } from "../RuntimeFacts.ts"
import { names } from "./read/environment.ts"

export type Env = Readonly<Record<string, string | undefined>>

export interface Probes {
  /** Node's platform name or Deno's build OS. */
  readonly platform: string
  readonly env: Env
  readonly wsl: boolean
  readonly container: boolean
  readonly stdinTty: boolean
  readonly stdoutTty: boolean
}

/** Variables CI services set (besides `CI` itself). */
export const ciVariables: ReadonlyArray<string> = [
  "CONTINUOUS_INTEGRATION",
  "BUILD_NUMBER",
  "RUN_ID",
  "GITHUB_ACTIONS",
  "GITLAB_CI",
  "BUILDKITE",
  "CIRCLECI",
  "TRAVIS",
  "JENKINS_URL",
  "TEAMCITY_VERSION",
  "TF_BUILD",
  "BITBUCKET_BUILD_NUMBER",
  "CODEBUILD_BUILD_ID",
  "DRONE",
  "APPVEYOR",
  "SEMAPHORE",
  "BUDDY",
  "CI_NAME"
]

const set = (env: Env, name: string): boolean => {
  const value = env[name]
  return value !== undefined && value !== ""
}

const flag = (env: Env, name: string): boolean | undefined => {
  const value = env[name]?.trim().toLowerCase()
  if (value === undefined || value === "") return undefined
  if (["1", "true", "yes", "on"].includes(value)) return true
  if (["0", "false", "no", "off"].includes(value)) return false
  return undefined
}

const methods: ReadonlyArray<LoginMethod> = ["browser", "device", "paste", "custom"]

export const toOs = (platform: string): Os =>
  platform === "linux" || platform === "darwin"
    ? platform
    : platform === "windows" || platform === "win32"
    ? "win32"
    : "other"

/**
 * WSL as probed, unless `CODEX_AUTH_WSL` (`1`/`0`) says otherwise: for WSL setups the probes miss (custom kernels,
 * WSL inside a container), for a distro that should be treated as plain Linux, and for tests of the WSL fallback.
 * The planner and the browser opener both read WSL through this, so they agree.
 */
export const wsl = (env: Env, probed: boolean): boolean => flag(env, names.wsl) ?? probed

export const detect = (probes: Probes): RuntimeFacts.Facts => {
  const { env } = probes
  const os = toOs(probes.platform)
  const onWsl = wsl(env, probes.wsl)
  const ciFlag = flag(env, "CI")
  const ci = ciFlag ?? ciVariables.some((name) => set(env, name))
  const method = env[names.loginMethod]?.trim().toLowerCase()
  const browserEnv = env[names.browserCommand]?.trim().toLowerCase()
  return {
    os,
    wsl: onWsl,
    container: probes.container || set(env, "KUBERNETES_SERVICE_HOST"),
    ssh: set(env, "SSH_CONNECTION") || set(env, "SSH_CLIENT") || set(env, "SSH_TTY"),
    display: os === "linux" && !onWsl ? set(env, "DISPLAY") || set(env, "WAYLAND_DISPLAY") : true,
    stdinTty: probes.stdinTty,
    stdoutTty: probes.stdoutTty,
    ci,
    overrides: {
      method: methods.find((candidate) => candidate === method),
      interactive: flag(env, names.interactive),
      browser: flag(env, names.browser) ?? (browserEnv === "none" || browserEnv === "false" ? false : undefined)
    }
  }
}
