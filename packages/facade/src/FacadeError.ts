/**
 * The errors of the Promise facade itself (the engine's typed errors pass through unchanged). Each has a stable
 * `_tag`; messages say what failed and what to do next and never carry a token. This module loads only
 * `effect/Schema` (and the plain `ReadModel`), so a runtime's startup path can import it without the facade's machinery.
 *
 * @since 0.1.0
 */
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as Schema from "effect/Schema"
import * as Identity from "./FacadeErrorIdentity.ts"

// `Schema.TaggedError` with the identifier `@codex-auth/adapters/<Tag>`: by it `instanceof` holds across copies
// of the engine (`@codex-auth/facade/FacadeErrorIdentity`).
const TaggedError = <Self>() => <Tag extends string, Fields extends Schema.Struct.Fields>(tag: Tag, fields: Fields) =>
  Schema.TaggedError<Self>(`@codex-auth/adapters/${tag}`)(tag, fields)

/**
 * The facade was closed (by `close()` or its `signal`) before or while the operation ran.
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexAuthClosed extends TaggedError<CodexAuthClosed>()("CodexAuthClosed", { operation: Schema.String }) {
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
  extends TaggedError<CodexAuthUnexpected>()("CodexAuthUnexpected", { operation: Schema.String, detail: Schema.String })
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
export const isCodexAuthError: (u: unknown) => u is Error & { readonly _tag: string } = Identity.isCodexAuthError

/**
 * `beginLogin` needs a key to seal the pending login's secrets (the PKCE verifier and the state) and none was given.
 *
 * @since 0.1.0
 * @category errors
 */
export class PendingLoginKeyMissing
  extends TaggedError<PendingLoginKeyMissing>()("PendingLoginKeyMissing", { operation: Schema.String })
{
  override get message(): string {
    return `codex-auth: ${this.operation} needs a key to seal the pending login. Pass sealKey (32 random bytes, as a ` +
      "Uint8Array or base64) to CodexAuth.open(), or set CODEX_AUTH_STORE_KEY (e.g. `openssl rand -base64 32`); " +
      "every process that finishes the login needs the same key."
  }
}

/**
 * The key given to seal pending logins is not 32 bytes (raw, or base64 / base64url of 32 bytes).
 *
 * @since 0.1.0
 * @category errors
 */
export class PendingLoginKeyInvalid extends TaggedError<PendingLoginKeyInvalid>()("PendingLoginKeyInvalid", {
  source: Schema.Literal("sealKey", ReadModel.environmentNames.storeKey),
  reason: Schema.String
}) {
  override get message(): string {
    return `codex-auth: the ${this.source} key cannot seal pending logins (${this.reason}). Use 32 random bytes, as a ` +
      "Uint8Array or base64 (e.g. `openssl rand -base64 32`)."
  }
}

/**
 * A value given as a pending login is not one this instance can finish: not a pending login, altered, sealed with
 * another key, or begun for another issuer or client. Nothing was saved.
 *
 * @since 0.1.0
 * @category errors
 */
export class PendingLoginInvalid
  extends TaggedError<PendingLoginInvalid>()("PendingLoginInvalid", { reason: Schema.String })
{
  override get message(): string {
    return `codex-auth: this is not a pending login this instance can finish (${this.reason}). Nothing was saved; ` +
      "begin a new login with beginLogin()."
  }
}

/**
 * The pending login's time ran out before it was finished. Nothing was saved.
 *
 * @since 0.1.0
 * @category errors
 */
export class PendingLoginExpired
  extends TaggedError<PendingLoginExpired>()("PendingLoginExpired", { expiresAt: Schema.String })
{
  override get message(): string {
    return `codex-auth: this pending login expired at ${this.expiresAt}. Nothing was saved; begin a new login with ` +
      "beginLogin()."
  }
}

/**
 * The pending login was already finished or cancelled (a pending login is single use, across processes sharing the
 * store). Nothing was saved.
 *
 * @since 0.1.0
 * @category errors
 */
export class PendingLoginConsumed
  extends TaggedError<PendingLoginConsumed>()("PendingLoginConsumed", { id: Schema.String })
{
  override get message(): string {
    return `codex-auth: the pending login ${this.id} was already finished or cancelled (each is single use). Nothing ` +
      "was saved by this call; begin a new login with beginLogin()."
  }
}
