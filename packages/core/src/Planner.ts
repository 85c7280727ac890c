/**
 * The planner: a pure function from the runtime's facts and the caller's options to a login plan, or a
 * refusal when nobody is there to complete a login. It never starts a flow.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { LoginRequired } from "./LoginError.ts"
import type { LoginMethod, RuntimeFacts } from "./RuntimeFacts.ts"

/**
 * What a login will do.
 * - `Browser`: loopback + browser; `paste` means a paste prompt races the loopback.
 * - `BrowserThenDevice`: as `Browser`, and the device code joins when the browser cannot open or no callback
 *   arrives within `grace`; the loopback stays open, the first success wins.
 * - `Device`, `Paste`, `Custom`: that flow alone.
 *
 * @since 0.1.0
 */
export type LoginPlan = Data.TaggedEnum<{
  Browser: { readonly paste: boolean }
  BrowserThenDevice: { readonly paste: boolean; readonly grace: Duration.Duration }
  Device: {}
  Paste: {}
  Custom: {}
}>

/**
 * @since 0.1.0
 */
export const LoginPlan: Data.TaggedEnum.Constructor<LoginPlan> = Data.taggedEnum<LoginPlan>()

/**
 * @since 0.1.0
 */
export interface PlanOptions {
  /** Force a method (beats the facts' override). */
  readonly method?: LoginMethod | undefined
  /** How long the WSL browser gets before the device code joins. Default 30 seconds. */
  readonly grace?: Duration.DurationInput | undefined
}

/**
 * The default WSL grace period: long enough for a human to finish the browser consent.
 *
 * @since 0.1.0
 */
export const defaultGrace: Duration.Duration = Duration.seconds(30)

/**
 * Whether someone can complete a login here.
 *
 * @since 0.1.0
 */
export const isInteractive = (facts: RuntimeFacts.Facts): boolean =>
  facts.overrides.interactive ?? (facts.stdinTty && facts.stdoutTty && !facts.ci)

/**
 * Whether a browser can be opened on this machine, as far as the facts tell.
 *
 * @since 0.1.0
 */
export const canOpenBrowser = (facts: RuntimeFacts.Facts): boolean =>
  facts.overrides.browser ?? (!facts.ssh && !facts.container && (facts.wsl || facts.os !== "linux" || facts.display))

/**
 * Facts + options → plan, or `LoginRequired` when nobody is there to complete a login. A custom handler is
 * the embedder's own UI, so forcing it needs no terminal.
 *
 * @since 0.1.0
 */
export const plan = (facts: RuntimeFacts.Facts, options: PlanOptions = {}): Either.Either<LoginPlan, LoginRequired> => {
  const forced = options.method ?? facts.overrides.method
  if (forced !== "custom" && !isInteractive(facts)) {
    return Either.left(
      new LoginRequired({ reason: facts.ci && facts.overrides.interactive === undefined ? "ci" : "non-interactive" })
    )
  }
  const paste = facts.stdinTty
  switch (forced) {
    case "browser":
      return Either.right(LoginPlan.Browser({ paste }))
    case "device":
      return Either.right(LoginPlan.Device())
    case "paste":
      return Either.right(LoginPlan.Paste())
    case "custom":
      return Either.right(LoginPlan.Custom())
  }
  if (!canOpenBrowser(facts)) return Either.right(LoginPlan.Device())
  if (facts.wsl) {
    return Either.right(LoginPlan.BrowserThenDevice({ paste, grace: Duration.decode(options.grace ?? defaultGrace) }))
  }
  return Either.right(LoginPlan.Browser({ paste }))
}
