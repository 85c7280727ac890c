/**
 * The paste prompt: adds "paste the address the browser shows" to whichever presenter is in place, reading
 * the answer from the platform `Terminal`. The engine validates the answer; a closed input cancels the prompt.
 *
 * @since 0.1.0
 */
import { LoginCancelled } from "@codex-auth/core/LoginError"
import { LoginPresenter } from "@codex-auth/core/LoginPresenter"
import type { PasteRequest } from "@codex-auth/core/LoginPresenter"
import { Terminal } from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Lines from "./internal/lines.ts"

/**
 * A prompt over a terminal.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  (request: PasteRequest) => Effect.Effect<string, LoginCancelled>,
  never,
  Terminal | Scope.Scope
> = Effect.gen(function*() {
  const terminal = yield* Terminal
  const lines = yield* Lines.make(terminal)
  return (_request: PasteRequest) =>
    terminal.display("Paste the full address your browser shows after you sign in, then press Enter:\n> ").pipe(
      Effect.ignore,
      Effect.zipRight(lines.nextAnswer),
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(new LoginCancelled({ reason: "the input was closed before an address was pasted" })),
        onSome: Effect.succeed
      }))
    )
})

/**
 * Decorates the `LoginPresenter` provided below it with a terminal paste prompt.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<LoginPresenter, never, LoginPresenter | Terminal> = Layer.scoped(
  LoginPresenter,
  Effect.gen(function*() {
    const presenter = yield* LoginPresenter
    const prompt = yield* make
    return LoginPresenter.of({ ...presenter, promptCallbackUrl: Option.some(prompt) })
  })
)
