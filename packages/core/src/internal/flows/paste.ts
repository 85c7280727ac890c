/** Asking for a pasted (or handler-returned) callback URL until a valid one arrives. */
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { AuthorizationFailed, LoginCancelled, MissingAuthorizationCode } from "../../LoginError.ts"
import { InvalidCallbackUrl } from "../../LoginError.ts"
import { LoginEvent, LoginPresenter } from "../../LoginPresenter.ts"
import type { PasteRequest } from "../../LoginPresenter.ts"
import { codeFromCallbackUrl } from "./authorizationCode.ts"

/** How many rejected answers a prompt gets before the flow fails. */
export const maxAttempts = 5

/** Prompts until the answer is this login's redirect; invalid answers are announced and asked again. */
export const promptForCode = (
  prompt: (request: PasteRequest) => Effect.Effect<string, LoginCancelled>,
  request: PasteRequest,
  state: Redacted.Redacted<string>
): Effect.Effect<
  Redacted.Redacted<string>,
  LoginCancelled | InvalidCallbackUrl | AuthorizationFailed | MissingAuthorizationCode,
  LoginPresenter
> =>
  Effect.gen(function*() {
    const presenter = yield* LoginPresenter
    let lastRejection = new InvalidCallbackUrl({ reason: "no answer" })
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      yield* presenter.present(LoginEvent.PasteRequested(request))
      const answer = yield* prompt(request)
      const code = yield* Effect.either(codeFromCallbackUrl(answer, request.redirectUri, state))
      if (code._tag === "Right") return code.right
      if (code.left._tag !== "InvalidCallbackUrl") return yield* code.left
      lastRejection = code.left
      yield* presenter.present(LoginEvent.PasteRejected({ reason: code.left.reason }))
    }
    return yield* lastRejection
  })
