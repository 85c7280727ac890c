/**
 * A login run for the CLI and the facade: plan from this machine's facts (a forced flow counts as someone being
 * there), run the flow(s), persist through the session (workspace check, lock, superseded token revoked).
 */
import { BrowserOpener, BrowserOpenFailed } from "@codex-auth/core/BrowserOpener"
import * as CodexConfig from "@codex-auth/core/CodexConfig"
import * as HttpClientConfig from "@codex-auth/core/HttpClientConfig"
import * as Login from "@codex-auth/core/Login"
import type * as LoginFlow from "@codex-auth/core/LoginFlow"
import type { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import type { LoginMethod, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import type * as SessionModule from "@codex-auth/core/Session"
import { Session } from "@codex-auth/core/Session"
import { LoginMethodRestricted } from "@codex-auth/core/SessionError"
import type { SessionError } from "@codex-auth/core/SessionError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Platform } from "../../Facade.ts"
import { ConfiguredPolicy } from "./environment.ts"

export type Flow = "auto" | "browser" | "device" | "paste" | "custom"

export const flows: ReadonlyArray<Flow> = ["auto", "browser", "device", "paste", "custom"]

export interface PortOptions {
  readonly flow?: Flow | undefined
  /** Never launch a browser: the URL is shown, and `auto` prefers the device code. */
  readonly noBrowser?: boolean | undefined
  /** Someone is there to complete a login whatever the TTYs say (a GUI embedder). */
  readonly interactive?: boolean | undefined
}

const noBrowserOpener: Layer.Layer<BrowserOpener> = Layer.succeed(
  BrowserOpener,
  BrowserOpener.of({
    open: () => Effect.fail(new BrowserOpenFailed({ command: "none", reason: "--no-browser was given" }))
  })
)

/** The runtime's login ports with the overrides the options imply. */
export const layerPorts = (
  platform: Platform,
  options: PortOptions
): Layer.Layer<LoopbackListener | BrowserOpener | RuntimeFacts> => {
  const forced = options.flow !== undefined && options.flow !== "auto"
  const facts = platform.runtimeFacts({
    method: forced ? options.flow as LoginMethod : undefined,
    // A flow the caller forced is a person asking for it: only an unforced login refuses without a terminal.
    interactive: options.interactive ?? (forced ? true : undefined),
    browser: options.noBrowser === true ? false : undefined
  })
  return Layer.mergeAll(
    platform.loopbackListener,
    options.noBrowser === true ? noBrowserOpener : platform.browserOpener,
    facts
  )
}

export interface LoginSummary {
  readonly method: LoginMethod
  readonly email: string | undefined
  readonly accountId: string | undefined
  readonly plan: string | undefined
}

export type LoginRunError = Login.LoginFailure | SessionError | CodexConfig.PolicyConflict

/**
 * The login's options with the §10 policy in force (config.toml and the program's): the allowed workspaces are
 * those both allow, so they go into the authorize URL and the post-exchange check.
 */
export const withPolicy = (options: Login.Options): Effect.Effect<Login.Options, CodexConfig.PolicyConflict> =>
  Effect.flatMap(Effect.serviceOption(ConfiguredPolicy), (policy) => {
    if (Option.isNone(policy)) return Effect.succeed(options)
    const joined = CodexConfig.combine({ forcedWorkspaceIds: options.allowedWorkspaceIds }, policy.value)
    return joined.ok
      ? Effect.succeed({ ...options, allowedWorkspaceIds: joined.value.forcedWorkspaceIds })
      : Effect.fail(
        new CodexConfig.PolicyConflict({ ...joined.error, source: policy.value.source ?? "config.toml" })
      )
  })

/** Plan, run, persist. */
export const run = (
  options: Login.Options
): Effect.Effect<LoginSummary, LoginRunError, Login.Requirements | RuntimeFacts | Session> =>
  Effect.gen(function*() {
    const session = yield* Session
    // forced_login_method = "api": refuse before any browser or device code is shown, as `codex login` does.
    const policy = yield* Effect.serviceOption(ConfiguredPolicy)
    if (Option.isSome(policy) && policy.value.forcedLoginMethod === "api") {
      return yield* new LoginMethodRestricted({
        required: "api",
        removed: false,
        during: "login",
        source: policy.value.source
      })
    }
    // A bad CA bundle or proxy (§12) is reported now, before a browser opens or a code is shown.
    yield* HttpClientConfig.checkConfigured
    // Saved the moment the flow has it (the browser flow: before its redirect to /success), and only once.
    let persisted: LoginFlow.LoginResult | undefined
    const result = yield* Login.login({
      ...(yield* withPolicy(options)),
      persist: (done) => Effect.asVoid(Effect.tap(session.saveLogin(toOutcome(done)), () => (persisted = done)))
    })
    if (persisted !== result) yield* session.saveLogin(toOutcome(result))
    const claims = result.tokens.idTokenInfo
    return {
      method: result.method,
      email: Option.getOrUndefined(claims.email),
      accountId: Option.getOrUndefined(result.tokens.accountId),
      plan: Option.getOrUndefined(Option.map(claims.chatgptPlanType, (plan) => plan.raw))
    }
  })

export const toOutcome = (result: LoginFlow.LoginResult): SessionModule.LoginOutcome => ({
  _tag: "ChatGpt",
  tokenSet: result.tokens,
  openaiApiKey: result.apiKey
})
