/**
 * The errors of the Promise facade itself (the engine's typed errors pass through unchanged). Each has a stable
 * `_tag`; messages say what failed and what to do next and never carry a token. This module loads only
 * `effect/Schema`, so a runtime's startup path can import it without the facade's machinery.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The facade was closed (by `close()` or its `signal`) before or while the operation ran.
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexAuthClosed extends Schema.TaggedError<CodexAuthClosed>("@codex-auth/adapters/CodexAuthClosed")(
  "CodexAuthClosed",
  { operation: Schema.String }
) {
  override get message(): string {
    return `codex-auth: ${this.operation} was stopped because the instance was closed (close() or its abort signal). ` +
      "Open a new instance with CodexAuth.open() to continue."
  }
}

/**
 * Something failed that has no typed error (a bug or an unexpected runtime failure).
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexAuthUnexpected
  extends Schema.TaggedError<CodexAuthUnexpected>("@codex-auth/adapters/CodexAuthUnexpected")(
    "CodexAuthUnexpected",
    { operation: Schema.String, detail: Schema.String }
  )
{
  override get message(): string {
    return `codex-auth: ${this.operation} failed unexpectedly (${this.detail}). Please report this with the steps ` +
      "that led to it."
  }
}

/**
 * Whether a value is one of the errors the facade rejects with (they all carry a string `_tag`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isCodexAuthError = (u: unknown): u is Error & { readonly _tag: string } =>
  u instanceof Error && "_tag" in u && typeof (u as { _tag: unknown })._tag === "string"
