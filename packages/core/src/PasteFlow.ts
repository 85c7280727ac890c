/**
 * The paste login: present the authorize URL, read the redirect URL the user pastes back, validate all of it
 * (scheme, host, port, path, state, error, code) and exchange the code.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as internal from "./internal/flows/handler.ts"
import { LoginHandlerMissing } from "./LoginError.ts"
import type * as LoginFlow from "./LoginFlow.ts"
import { LoginPresenter } from "./LoginPresenter.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"

/**
 * @since 0.1.0
 */
export type PasteFlowError = internal.CallbackUrlError | LoginHandlerMissing

/**
 * Run the paste login with the presenter's prompt (fails with `LoginHandlerMissing` when it cannot ask).
 *
 * @since 0.1.0
 */
export const run = (
  options: LoginFlow.Options = {}
): Effect.Effect<LoginFlow.LoginResult, PasteFlowError, OAuthClient | ProviderProfile | LoginPresenter> =>
  Effect.flatMap(LoginPresenter, (presenter) =>
    Option.match(presenter.promptCallbackUrl, {
      onNone: (): Effect.Effect<LoginFlow.LoginResult, PasteFlowError> => Effect.fail(new LoginHandlerMissing()),
      onSome: (prompt) => internal.run("paste", prompt, options)
    }))
