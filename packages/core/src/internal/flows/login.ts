/** Running a plan: races, the WSL fallback to the device code, the final events. */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CustomLoginHandler } from "../../CustomLoginHandler.ts"
import type { LoginRequired } from "../../LoginError.ts"
import { LoginHandlerMissing } from "../../LoginError.ts"
import type * as LoginFlow from "../../LoginFlow.ts"
import { LoginEvent, LoginPresenter } from "../../LoginPresenter.ts"
import type { LoginPlan } from "../../Planner.ts"
import * as browser from "./browser.ts"
import * as device from "./device.ts"
import * as handler from "./handler.ts"

export type RunError =
  | browser.BrowserError
  | device.DeviceError
  | handler.CallbackUrlError
  | LoginHandlerMissing
  | LoginRequired

/** Browser failures after which the device code should take over rather than the login failing. */
const fallbackReason = (error: browser.BrowserError): string | undefined => {
  switch (error._tag) {
    case "LoopbackUnavailable":
    case "LoopbackListenFailed":
      return "the login callback server could not start"
    default:
      return undefined
  }
}

/**
 * Browser first; the device code joins when the browser cannot open, the loopback cannot start, or no
 * callback arrives within the grace period. The loopback stays open meanwhile: the first success wins.
 */
export const browserThenDevice = (
  plan: Extract<LoginPlan, { _tag: "BrowserThenDevice" }>,
  options: LoginFlow.Options
): Effect.Effect<LoginFlow.LoginResult, browser.BrowserError | device.DeviceError, browser.BrowserRequirements> =>
  Effect.gen(function*() {
    const presenter = yield* LoginPresenter
    const trigger = yield* Deferred.make<string, browser.BrowserError>()
    const callbackSeen = yield* Deferred.make<void>()
    const browserSide = browser.run({ ...options, paste: plan.paste }, {
      onOpenFailed: () => Effect.asVoid(Deferred.succeed(trigger, "the browser could not be opened")),
      onCallback: Deferred.succeed(callbackSeen, undefined)
    }).pipe(
      Effect.tapError((error) => {
        const reason = fallbackReason(error)
        // A terminal browser failure before the device code started ends the login.
        return reason === undefined ? Deferred.fail(trigger, error) : Deferred.succeed(trigger, reason)
      })
    )
    const graceTimer = Effect.sleep(plan.grace).pipe(
      Effect.zipRight(Deferred.isDone(callbackSeen)),
      Effect.flatMap((seen) =>
        seen ? Effect.void : Deferred.succeed(trigger, "no browser callback arrived within the grace period")
      )
    )
    const deviceSide = Deferred.await(trigger).pipe(
      Effect.tap((reason) => presenter.present(LoginEvent.FallbackStarted({ from: "browser", to: "device", reason }))),
      Effect.zipRight(device.run(options))
    )
    return yield* Effect.race(browserSide, deviceSide).pipe(
      Effect.raceFirst(Effect.zipRight(graceTimer, Effect.never))
    )
  })

export const run = (
  plan: LoginPlan,
  options: LoginFlow.Options
): Effect.Effect<LoginFlow.LoginResult, RunError, browser.BrowserRequirements> =>
  Effect.gen(function*() {
    const presenter = yield* LoginPresenter
    // What the browser flow already persisted (it saves before its redirect to /success); the others' results are
    // persisted below, before LoginSucceeded, so that "Logged in" is never shown for tokens that were not saved.
    let persisted: LoginFlow.LoginResult | undefined
    const persist = options.persist
    const flowOptions: LoginFlow.Options = persist === undefined ? options : {
      ...options,
      persist: (result) => Effect.tap(persist(result), () => Effect.sync(() => (persisted = result)))
    }
    const flowOutcome = yield* Effect.either(
      (() => {
        switch (plan._tag) {
          case "Browser":
            return browser.run({ ...flowOptions, paste: plan.paste })
          case "BrowserThenDevice":
            return browserThenDevice(plan, flowOptions)
          case "Device":
            return device.run(flowOptions)
          case "Paste":
            return Option.match(presenter.promptCallbackUrl, {
              onNone: (): Effect.Effect<LoginFlow.LoginResult, RunError, browser.BrowserRequirements> =>
                Effect.fail(new LoginHandlerMissing()),
              onSome: (prompt) => handler.run("paste", prompt, flowOptions)
            })
          case "Custom":
            return Effect.flatMap(Effect.serviceOption(CustomLoginHandler), (custom) =>
              Option.match(custom, {
                onNone: (): Effect.Effect<LoginFlow.LoginResult, RunError, browser.BrowserRequirements> =>
                  Effect.fail(new LoginHandlerMissing()),
                onSome: (service) => handler.run("custom", service.handle, flowOptions)
              }))
        }
      })()
    )
    const outcome = persist === undefined || flowOutcome._tag === "Left" || persisted === flowOutcome.right
      ? flowOutcome
      : yield* Effect.either(Effect.as(persist(flowOutcome.right), flowOutcome.right))
    if (outcome._tag === "Left") {
      yield* presenter.present(LoginEvent.LoginFailed({ message: outcome.left.message }))
      return yield* outcome.left
    }
    const result = outcome.right
    const claims = result.tokens.idTokenInfo
    yield* presenter.present(LoginEvent.LoginSucceeded({
      method: result.method,
      email: Option.getOrUndefined(claims.email),
      accountId: Option.getOrUndefined(result.tokens.accountId),
      plan: Option.getOrUndefined(Option.map(claims.chatgptPlanType, (plan) => plan.raw))
    }))
    return result
  })
