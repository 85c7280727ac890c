/** Flows whose callback URL comes back as text: the paste prompt and an embedder's login handler. */
import * as Effect from "effect/Effect"
import type {
  AuthorizationFailed,
  InvalidCallbackUrl,
  LoginCancelled,
  LoginTimedOut,
  MissingAuthorizationCode
} from "../../LoginError.ts"
import * as LoginFlow from "../../LoginFlow.ts"
import { LoginEvent, LoginPresenter } from "../../LoginPresenter.ts"
import type { PasteRequest } from "../../LoginPresenter.ts"
import type { OAuthClient } from "../../OAuthClient.ts"
import { ProviderProfile } from "../../ProviderProfile.ts"
import type { LoginMethod } from "../../RuntimeFacts.ts"
import {
  authorizeUrl,
  codeFromCallbackUrl,
  defaultRedirectUri,
  exchangeAndComplete,
  secrets,
  withTimeout
} from "./authorizationCode.ts"
import { promptForCode } from "./paste.ts"

export type CallbackUrlError =
  | InvalidCallbackUrl
  | AuthorizationFailed
  | MissingAuthorizationCode
  | LoginCancelled
  | LoginTimedOut
  | LoginFlow.CompletionError

export const run = (
  method: Extract<LoginMethod, "paste" | "custom">,
  ask: (request: PasteRequest) => Effect.Effect<string, LoginCancelled>,
  options: LoginFlow.Options
): Effect.Effect<LoginFlow.LoginResult, CallbackUrlError, OAuthClient | ProviderProfile | LoginPresenter> =>
  Effect.gen(function*() {
    const profile = yield* ProviderProfile
    const presenter = yield* LoginPresenter
    const pending = yield* secrets
    const redirectUri = defaultRedirectUri(profile)
    const request = {
      authorizeUrl: authorizeUrl(profile, pending, redirectUri, options.allowedWorkspaceIds),
      redirectUri
    }
    // The paste prompt re-asks on a wrong URL; a handler is a program, its first answer is final.
    const code = method === "paste"
      ? yield* promptForCode(ask, request, pending.state)
      : yield* Effect.flatMap(ask(request), (answer) => codeFromCallbackUrl(answer, redirectUri, pending.state))
    yield* presenter.present(LoginEvent.CallbackReceived({ method }))
    return yield* exchangeAndComplete(code, pending, redirectUri, method, options.allowedWorkspaceIds)
  }).pipe((self) => withTimeout(self, method, options.timeout ?? LoginFlow.defaultTimeout))
