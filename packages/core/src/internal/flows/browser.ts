/** The browser login: loopback server, browser opener, optional paste race (PROTOCOL.md §3-5). */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { BrowserOpener } from "../../BrowserOpener.ts"
import type { BrowserOpenFailed } from "../../BrowserOpener.ts"
import type {
  AuthorizationFailed,
  InvalidCallbackUrl,
  LoginCancelled,
  LoginTimedOut,
  LoopbackUnavailable,
  MissingAuthorizationCode
} from "../../LoginError.ts"
import * as LoginFlow from "../../LoginFlow.ts"
import { LoginEvent, LoginPresenter } from "../../LoginPresenter.ts"
import type { LoopbackListener, LoopbackListenFailed } from "../../LoopbackListener.ts"
import * as LoopbackServer from "../../LoopbackServer.ts"
import type { OAuthClient } from "../../OAuthClient.ts"
import { ProviderProfile } from "../../ProviderProfile.ts"
import type { SessionError } from "../../SessionError.ts"
import { authorizeUrl, exchangeAndComplete, secrets, successQuery, withTimeout } from "./authorizationCode.ts"
import { promptForCode } from "./paste.ts"

export interface BrowserOptions extends LoginFlow.Options {
  /** Open the authorize URL with the `BrowserOpener` (default true); otherwise only present it. */
  readonly openBrowser?: boolean | undefined
  /** Race a paste prompt against the loopback when the presenter can ask (default false). */
  readonly paste?: boolean | undefined
  /** How long the server keeps serving after the exchange, for the browser's `/success`. Default 10 s. */
  readonly successLinger?: Duration.DurationInput | undefined
}

const successLinger: Duration.DurationInput = "10 seconds"

export interface BrowserHooks {
  readonly onOpenFailed?: ((error: BrowserOpenFailed) => Effect.Effect<void>) | undefined
  readonly onCallback?: Effect.Effect<void> | undefined
}

export type BrowserError =
  | LoopbackUnavailable
  | LoopbackListenFailed
  | AuthorizationFailed
  | MissingAuthorizationCode
  | InvalidCallbackUrl
  | LoginCancelled
  | LoginTimedOut
  | LoginFlow.CompletionError
  | SessionError

export type BrowserRequirements = OAuthClient | ProviderProfile | LoginPresenter | LoopbackListener | BrowserOpener

/** `wslview: ENOENT`; an opener that refuses by design (`none`, e.g. --no-browser) just says why. */
const openFailureReason = (error: BrowserOpenFailed): string =>
  error.command === "none" ? error.reason : `${error.command}: ${error.reason}`

export const run = (
  options: BrowserOptions,
  hooks: BrowserHooks = {}
): Effect.Effect<LoginFlow.LoginResult, BrowserError, BrowserRequirements> =>
  Effect.scoped(Effect.gen(function*() {
    const profile = yield* ProviderProfile
    const presenter = yield* LoginPresenter
    const opener = yield* BrowserOpener
    const pending = yield* secrets
    const server = yield* LoopbackServer.start({
      ports: profile.loopbackPorts,
      callbackPath: profile.callbackPath,
      state: pending.state,
      onCode: (code, redirectUri) =>
        Effect.gen(function*() {
          yield* presenter.present(LoginEvent.CallbackReceived({ method: "browser" }))
          if (hooks.onCallback !== undefined) yield* hooks.onCallback
          const result = yield* exchangeAndComplete(code, pending, redirectUri, "browser", options.allowedWorkspaceIds)
          // Persisted before the redirect: from here on nothing (no /cancel, no unfollowed 302) loses these tokens.
          if (options.persist !== undefined) yield* options.persist(result)
          return { value: result, successQuery: successQuery(result, profile) }
        })
    })
    const url = authorizeUrl(profile, pending, server.redirectUri, options.allowedWorkspaceIds)
    const openBrowser = options.openBrowser ?? true
    yield* presenter.present(
      LoginEvent.BrowserLoginStarted({
        authorizeUrl: url,
        redirectUri: server.redirectUri,
        browserCanOpen: openBrowser
      })
    )
    if (openBrowser) {
      yield* Effect.forkScoped(
        presenter.confirmBrowserOpen.pipe(
          Effect.zipRight(opener.open(url)),
          Effect.matchEffect({
            onSuccess: () => presenter.present(LoginEvent.BrowserOpened()),
            onFailure: (error) =>
              // The event's reason is the short cause (the presenter adds its own advice), not the error's whole message.
              presenter.present(LoginEvent.BrowserOpenFailed({ reason: openFailureReason(error) })).pipe(
                Effect.zipRight(hooks.onOpenFailed === undefined ? Effect.void : hooks.onOpenFailed(error))
              )
          })
        )
      )
    }
    // The login is done when the callback was exchanged; keep serving a moment so the browser gets /success.
    const viaLoopback = Effect.tap(
      server.result,
      () => Effect.ignore(Effect.timeout(server.successServed, options.successLinger ?? successLinger))
    )
    const answer = Option.match(options.paste === true ? presenter.promptCallbackUrl : Option.none(), {
      onNone: () => viaLoopback,
      onSome: (prompt) =>
        Effect.raceFirst(
          viaLoopback,
          promptForCode(prompt, { authorizeUrl: url, redirectUri: server.redirectUri }, pending.state).pipe(
            // A prompt that cannot be answered (input closed) leaves the loopback to finish the login.
            Effect.catchTag("LoginCancelled", () => Effect.never),
            Effect.flatMap((code) =>
              presenter.present(LoginEvent.CallbackReceived({ method: "paste" })).pipe(
                Effect.zipRight(
                  exchangeAndComplete(code, pending, server.redirectUri, "paste", options.allowedWorkspaceIds)
                )
              )
            )
          )
        )
    })
    return yield* withTimeout(answer, "browser", options.timeout ?? LoginFlow.defaultTimeout)
  }))
