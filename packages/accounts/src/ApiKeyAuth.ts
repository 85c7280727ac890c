/**
 * API-key sign-in as the Codex CLI 0.169 does it: `codex login --with-api-key` reads the key from stdin (trimmed;
 * never from argv) and writes `{"auth_mode":"apikey","OPENAI_API_KEY":"…"}` (PROTOCOL.md §8); `codex login status`
 * prints `API key configured - sk-proj-***ABCDE`; `codex exec` lets the `CODEX_API_KEY` environment variable win
 * over whatever `auth.json` holds. `OPENAI_API_KEY` in the environment is *not* a credential for Codex (only a hint
 * its onboarding screen shows), so it is not one here either.
 *
 * @since 0.1.0
 */
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as Headers from "@codex-auth/core/Headers"
import { Session } from "@codex-auth/core/Session"
import type * as SessionModule from "@codex-auth/core/Session"
import type { SessionError } from "@codex-auth/core/SessionError"
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * Nothing but whitespace arrived on stdin (Codex: "No API key provided via stdin.").
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiKeyMissing extends Schema.TaggedError<ApiKeyMissing>("@codex-auth/accounts/ApiKeyMissing")(
  "ApiKeyMissing",
  {}
) {
  override get message(): string {
    return "No API key provided via stdin. Pipe it in, e.g. `printenv OPENAI_API_KEY | codex-auth login --with-api-key`."
  }
}

/**
 * The environment variable `codex exec` takes an API key from; it wins over `auth.json`.
 *
 * @since 0.1.0
 * @category constants
 */
export const environmentVariable: string = "CODEX_API_KEY"

/**
 * How Codex shows a key: keys of 13 bytes or fewer as `***`, longer ones as their first 8 and last 5 characters
 * around `***` (`sk-proj-***ABCDE`, `sk-12345***78901`). Codex slices bytes and panics on a non-ASCII key; this
 * counts characters instead, which is the same for every ASCII key.
 *
 * @since 0.1.0
 * @category formatting
 */
export const mask = (key: string): string => StoredAuth.maskApiKey(key)

/**
 * Reads a key as `codex login --with-api-key` reads stdin: surrounding whitespace (the newline of `printenv`)
 * dropped; nothing left is an error.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseInput = (input: string): Either.Either<Redacted.Redacted<string>, ApiKeyMissing> => {
  const key = input.trim()
  return key === "" ? Either.left(new ApiKeyMissing()) : Either.right(Redacted.make(key))
}

/**
 * The first line `codex login status` prints for a store's document: `API key configured - …`,
 * `Logged in using ChatGPT`, or `Not logged in`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const statusLine = (document: Option.Option<AuthJson.AuthDocument>): string => {
  if (Option.isNone(document)) return "Not logged in"
  const mode = AuthJson.resolvedMode(document.value)
  if (mode === "apikey") {
    return Option.match(document.value.openaiApiKey, {
      onNone: () => "Not logged in",
      onSome: (key) => `API key configured - ${mask(Redacted.value(key))}`
    })
  }
  return Option.isSome(document.value.tokens) ? "Logged in using ChatGPT" : "Not logged in"
}

/**
 * Saves an API-key login through the session: `forced_login_method = "chatgpt"` refuses it with Codex's message
 * ("API key login is disabled. Use ChatGPT login instead."); a ChatGPT login it replaces has its refresh token
 * revoked (best effort).
 *
 * @since 0.1.0
 * @category login
 */
export const login = (
  apiKey: Redacted.Redacted<string>
): Effect.Effect<SessionModule.Credentials, SessionError, Session> =>
  Effect.flatMap(Session, (session) => session.saveLogin({ _tag: "ApiKey", apiKey })).pipe(
    // An API-key outcome is saved as the API-key credentials it names.
    Effect.map((saved) => saved as SessionModule.Credentials),
    Effect.withSpan("ApiKeyAuth.login")
  )

/**
 * `CODEX_API_KEY` from the environment (through `Config`), when set to something other than whitespace.
 *
 * @since 0.1.0
 * @category environment
 */
export const fromEnvironment: Effect.Effect<Option.Option<Redacted.Redacted<string>>, ConfigError.ConfigError> = Effect
  .map(
    Config.option(Config.string(environmentVariable)),
    (value) => Option.map(Option.filter(value, (key) => key.trim() !== ""), (key) => Redacted.make(key.trim()))
  )

/**
 * @since 0.1.0
 * @category models
 */
export interface EnvironmentKeyOptions {
  readonly originator: string
  readonly userAgent: string
}

/**
 * A session that serves `apiKey` (e.g. from {@link fromEnvironment}) instead of the stored credentials, the way
 * `codex exec` lets `CODEX_API_KEY` win. Status, logout and logins still act on the store.
 *
 * @since 0.1.0
 * @category combinators
 */
export const preferKey = (
  session: Session.Service,
  apiKey: Redacted.Redacted<string>,
  options: EnvironmentKeyOptions
): Session.Service => {
  const credentials: SessionModule.Credentials = { _tag: "ApiKey", apiKey }
  return {
    ...session,
    getToken: Effect.succeed(apiKey),
    getHeaders: Effect.succeed(
      Headers.make({
        bearer: apiKey,
        accountId: Option.none(),
        fedramp: false,
        originator: options.originator,
        userAgent: options.userAgent
      })
    ),
    getCredentials: Effect.succeed(credentials),
    // An API key has nothing to refresh: a 401 means the key itself is refused.
    refresh: Effect.succeed(credentials),
    recoverUnauthorized: Effect.succeed(apiKey)
  }
}

/**
 * {@link preferKey} with `CODEX_API_KEY`, when it is set; the session unchanged otherwise.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withEnvironmentKey = (
  session: Session.Service,
  options: EnvironmentKeyOptions
): Effect.Effect<Session.Service, ConfigError.ConfigError> =>
  Effect.map(
    fromEnvironment,
    Option.match({ onNone: () => session, onSome: (key) => preferKey(session, key, options) })
  )
