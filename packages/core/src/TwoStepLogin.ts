/**
 * The login in two steps, for hosts that cannot block (a web server, a GUI event loop): `beginLogin` returns
 * the authorize URL and holds the state and the PKCE verifier `Redacted`; then either `awaitLogin` waits for
 * the loopback callback, or `finishLogin` takes the callback URL the host received some other way.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as CustomLoginHandler from "./CustomLoginHandler.ts"
import {
  authorizeUrl,
  codeFromCallbackUrl,
  defaultRedirectUri,
  exchangeAndComplete,
  secrets,
  successQuery,
  withTimeout
} from "./internal/flows/authorizationCode.ts"
import { LoginCancelled } from "./LoginError.ts"
import type { LoopbackUnavailable } from "./LoginError.ts"
import * as LoginFlow from "./LoginFlow.ts"
import type { LoopbackListener, LoopbackListenFailed } from "./LoopbackListener.ts"
import * as LoopbackServer from "./LoopbackServer.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import { ProviderProfile } from "./ProviderProfile.ts"

/**
 * A begun login. `state` and `codeVerifier` stay `Redacted`.
 *
 * @since 0.1.0
 */
export interface PendingLogin {
  readonly authorizeUrl: string
  readonly redirectUri: string
  readonly state: Redacted.Redacted<string>
  readonly codeVerifier: Redacted.Redacted<string>
  readonly allowedWorkspaceIds: ReadonlyArray<string> | undefined
  readonly timeout: LoginFlow.Options["timeout"]
  /** The loopback's answer, when the login was begun with one. */
  readonly loopback: Option.Option<Effect.Effect<LoginFlow.LoginResult, CustomLoginHandler.CustomFlowError>>
}

/**
 * @since 0.1.0
 */
export interface BeginOptions extends LoginFlow.Options {
  /** Listen on the profile's loopback ports for the callback (default true). */
  readonly loopback?: boolean | undefined
}

/**
 * Generate PKCE and state, bind the loopback (unless `loopback: false`) for the lifetime of the scope, and
 * return the authorize URL to show.
 *
 * @since 0.1.0
 */
export const beginLogin: (
  options?: BeginOptions
) => Effect.Effect<
  PendingLogin,
  LoopbackUnavailable | LoopbackListenFailed,
  Scope.Scope | OAuthClient | ProviderProfile | LoopbackListener
> = Effect.fn("TwoStepLogin.beginLogin")(function*(options: BeginOptions = {}) {
  const profile = yield* ProviderProfile
  const pending = yield* secrets
  const server = options.loopback === false ? undefined : yield* LoopbackServer.start({
    ports: profile.loopbackPorts,
    callbackPath: profile.callbackPath,
    state: pending.state,
    onCode: (code, redirectUri) =>
      Effect.map(
        exchangeAndComplete(code, pending, redirectUri, "browser", options.allowedWorkspaceIds),
        (result) => ({ value: result, successQuery: successQuery(result, profile) })
      )
  })
  const redirectUri = server?.redirectUri ?? defaultRedirectUri(profile)
  return {
    authorizeUrl: authorizeUrl(profile, pending, redirectUri, options.allowedWorkspaceIds),
    redirectUri,
    state: pending.state,
    codeVerifier: pending.codeVerifier,
    allowedWorkspaceIds: options.allowedWorkspaceIds,
    timeout: options.timeout,
    loopback: Option.fromNullable(server).pipe(Option.map((server) => lingerForSuccess(server)))
  }
})

/** The login is complete once the callback was exchanged; serve a moment longer so the browser gets /success. */
const lingerForSuccess = <A, E>(server: LoopbackServer.LoopbackServer<A, E>) =>
  Effect.tap(server.result, () => Effect.ignore(Effect.timeout(server.successServed, Duration.seconds(10))))

/**
 * Wait for the loopback callback of a login begun with a loopback.
 *
 * @since 0.1.0
 */
export const awaitLogin = (
  pending: PendingLogin
): Effect.Effect<LoginFlow.LoginResult, CustomLoginHandler.CustomFlowError> =>
  Option.match(pending.loopback, {
    onNone: () =>
      Effect.fail(
        new LoginCancelled({ reason: "this login was begun without a loopback listener; finish it with finishLogin" })
      ),
    onSome: (result) => withTimeout(result, "browser", pending.timeout ?? LoginFlow.defaultTimeout)
  })

/**
 * A pending login rebuilt from what `beginLogin` returned, e.g. in another process after the host kept it sealed.
 * It has no loopback: finish it with {@link finishLogin}, or serve its redirect URI with {@link listen}.
 *
 * @since 0.1.0
 */
export const restore = (input: {
  readonly authorizeUrl: string
  readonly redirectUri: string
  readonly state: Redacted.Redacted<string>
  readonly codeVerifier: Redacted.Redacted<string>
  readonly allowedWorkspaceIds?: ReadonlyArray<string> | undefined
  readonly timeout?: LoginFlow.Options["timeout"]
}): PendingLogin => ({
  authorizeUrl: input.authorizeUrl,
  redirectUri: input.redirectUri,
  state: input.state,
  codeVerifier: input.codeVerifier,
  allowedWorkspaceIds: input.allowedWorkspaceIds,
  timeout: input.timeout,
  loopback: Option.none()
})

/**
 * What wraps the code exchange of a genuine callback: the host can run something before it (mark the login used)
 * and after it (persist) — on the loopback, before the browser is sent to the success page.
 *
 * @since 0.1.0
 */
export type Complete<A, E, R> = (
  exchange: Effect.Effect<LoginFlow.LoginResult, LoginFlow.CompletionError>
) => Effect.Effect<A, E, R>

/**
 * Finish a login with the callback URL the host received (validated like a pasted one: address, state, `error=`,
 * code), then `complete` the code exchange.
 *
 * @since 0.1.0
 */
export const finishLoginWith = <A, E, R>(
  pending: PendingLogin,
  callbackUrl: string,
  complete: Complete<A, E, R>
): Effect.Effect<A, E | CustomLoginHandler.CustomFlowError, OAuthClient | ProviderProfile | R> =>
  Effect.gen(function*() {
    const code = yield* codeFromCallbackUrl(callbackUrl, pending.redirectUri, pending.state)
    const context = yield* Effect.context<OAuthClient | ProviderProfile>()
    return yield* complete(
      exchangeAndComplete(
        code,
        { state: pending.state, codeVerifier: pending.codeVerifier, codeChallenge: "" },
        pending.redirectUri,
        "custom",
        pending.allowedWorkspaceIds
      ).pipe(Effect.provide(context))
    )
  }).pipe(Effect.withSpan("TwoStepLogin.finishLogin"))

/**
 * Finish a login with the callback URL the host received (validated like a pasted one).
 *
 * @since 0.1.0
 */
export const finishLogin = (
  pending: PendingLogin,
  callbackUrl: string
): Effect.Effect<LoginFlow.LoginResult, CustomLoginHandler.CustomFlowError, OAuthClient | ProviderProfile> =>
  finishLoginWith(pending, callbackUrl, (exchange) => exchange)

/**
 * Serve the loopback of a pending login on its redirect URI's port (the issuer only accepts that one), for the
 * scope; the returned effect waits for the genuine callback, whose code exchange runs through `complete` before the
 * browser is redirected to the success page. Waits at most `pending.timeout` (default 15 minutes).
 *
 * @since 0.1.0
 */
export const listen = <A, E, R>(
  pending: PendingLogin,
  complete: Complete<A, E, R>
): Effect.Effect<
  Effect.Effect<A, E | CustomLoginHandler.CustomFlowError>,
  LoopbackUnavailable | LoopbackListenFailed,
  Scope.Scope | OAuthClient | ProviderProfile | LoopbackListener | R
> =>
  Effect.gen(function*() {
    const profile = yield* ProviderProfile
    const context = yield* Effect.context<OAuthClient | ProviderProfile | R>()
    const expected = new URL(pending.redirectUri)
    const server = yield* LoopbackServer.start({
      ports: [Number(expected.port === "" ? 80 : expected.port)],
      callbackPath: expected.pathname,
      state: pending.state,
      onCode: (code, redirectUri) =>
        Effect.gen(function*() {
          // The success page's query comes from the tokens; `complete` decides what the caller gets.
          let result: LoginFlow.LoginResult | undefined
          const exchange = exchangeAndComplete(
            code,
            { state: pending.state, codeVerifier: pending.codeVerifier, codeChallenge: "" },
            redirectUri,
            "browser",
            pending.allowedWorkspaceIds
          ).pipe(
            Effect.tap((value) => Effect.sync(() => (result = value))),
            Effect.provide(context)
          )
          const value = yield* complete(exchange).pipe(Effect.provide(context))
          return { value, successQuery: result === undefined ? [] : successQuery(result, profile) }
        })
    })
    return withTimeout(lingerForSuccess(server), "browser", pending.timeout ?? LoginFlow.defaultTimeout)
  }).pipe(Effect.withSpan("TwoStepLogin.listen"))
