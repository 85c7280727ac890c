/**
 * The login an embedder calls: read the runtime's facts, plan, run the plan's flow(s) — with the races and
 * the WSL fallback — and return a token set checked against the workspace restriction. Persisting it is
 * the session's job.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { BrowserOpener } from "./BrowserOpener.ts"
import * as internal from "./internal/flows/login.ts"
import type * as LoginFlow from "./LoginFlow.ts"
import type { LoginPresenter } from "./LoginPresenter.ts"
import type { LoopbackListener } from "./LoopbackListener.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import * as Planner from "./Planner.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"
import { RuntimeFacts } from "./RuntimeFacts.ts"

/**
 * @since 0.1.0
 */
export interface Options extends LoginFlow.Options, Planner.PlanOptions {}

/**
 * Every way a login can fail.
 *
 * @since 0.1.0
 */
export type LoginFailure = internal.RunError

/**
 * What a login needs (a `CustomLoginHandler` is used when present).
 *
 * @since 0.1.0
 */
export type Requirements = OAuthClient | ProviderProfile | LoginPresenter | LoopbackListener | BrowserOpener

/**
 * Run a given plan.
 *
 * @since 0.1.0
 */
export const run: (
  plan: Planner.LoginPlan,
  options?: Options
) => Effect.Effect<LoginFlow.LoginResult, LoginFailure, Requirements> = Effect.fn("Login.run")(
  function*(plan: Planner.LoginPlan, options: Options = {}) {
    return yield* internal.run(plan, options)
  }
)

/**
 * Plan from the runtime's facts and run the plan. Refuses with `LoginRequired` (starting nothing) where
 * nobody can complete a login.
 *
 * @since 0.1.0
 */
export const login: (
  options?: Options
) => Effect.Effect<LoginFlow.LoginResult, LoginFailure, Requirements | RuntimeFacts> = Effect.fn("Login.login")(
  function*(options: Options = {}) {
    const facts = yield* RuntimeFacts
    const plan = yield* Planner.plan(facts, options)
    return yield* internal.run(plan, options)
  }
)
