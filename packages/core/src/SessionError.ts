/**
 * Typed failures of the session (getToken, refresh, logout). Together with the refresh failures of `OAuthError`
 * and the store errors they make up `SessionError`. No message ever carries a token.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { AuthFileInvalid } from "./AuthJson.ts"
import type { CredentialStoreError } from "./CredentialStore.ts"
import type { HttpClientConfigError } from "./HttpClientConfig.ts"
import type { JwtMalformed } from "./Jwt.ts"
import type { MalformedResponse, RefreshTokenRejected, RefreshTransientError } from "./OAuthError.ts"

/**
 * There are no usable credentials, and no login may be started: the session found none and may not start one
 * (`no-credentials`, `api-key-only`, with the `location` it looked in), or the planner refused to start one because
 * nobody is there to complete it (`non-interactive`: no terminal; `ci`). One class for both (the planner's is
 * `LoginError.LoginRequired`, the same class), so `_tag`, identifier and `instanceof` agree.
 *
 * @since 0.1.0
 * @category errors
 */
export class LoginRequired extends Schema.TaggedError<LoginRequired>("@codex-auth/core/LoginRequired")(
  "LoginRequired",
  {
    reason: Schema.Literal("no-credentials", "api-key-only", "non-interactive", "ci"),
    /** Where the session looked (a path or a keyring entry); absent for the planner's refusal. */
    location: Schema.optional(Schema.String)
  }
) {
  override get message(): string {
    if (this.reason === "non-interactive" || this.reason === "ci") {
      const why = this.reason === "ci"
        ? "this looks like a CI environment"
        : "there is no interactive terminal (stdin/stdout are not TTYs)"
      return `Not signed in, and no login was started because ${why}. ` +
        "Sign in once on a machine with a terminal (`codex-auth login`, or `codex-auth login --device-auth` over " +
        "SSH), or provide credentials (CODEX_HOME with auth.json, or an API key)."
    }
    const what = this.reason === "no-credentials"
      ? `Not signed in: no credentials in ${this.location}.`
      : `The credentials in ${this.location} hold an API key, not a ChatGPT sign-in.`
    return `${what} Run \`codex-auth login\` (or \`codex login\`), or create the session with a login allowed.`
  }
}

/**
 * The store now holds another account's tokens than the ones this session was using (someone signed in to another
 * account meanwhile). Nothing was refreshed.
 *
 * @since 0.1.0
 * @category errors
 */
export class AccountChanged extends Schema.TaggedError<AccountChanged>("@codex-auth/core/AccountChanged")(
  "AccountChanged",
  { location: Schema.String }
) {
  override get message(): string {
    return `The credentials in ${this.location} are now signed in to another account than this session's. ` +
      "Restart the program to use the new account, or sign in again with the one you want."
  }
}

/**
 * `forced_chatgpt_workspace_id`: the credentials belong to a workspace that is not allowed (PROTOCOL.md §10). Raised
 * by a login flow before anything is stored (`removed` absent: "Nothing was saved"), and by the session when it loads
 * or saves credentials (`removed` says whether the stored ones were removed). One class for both (`LoginError`
 * re-exports it).
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkspaceRestricted extends Schema.TaggedError<WorkspaceRestricted>(
  "@codex-auth/core/WorkspaceRestricted"
)("WorkspaceRestricted", {
  allowed: Schema.Array(Schema.String),
  /** The workspace the credentials were for (none when they named none). */
  found: Schema.optional(Schema.String),
  /** Whether the stored credentials were removed; absent when a login flow refused before anything was stored. */
  removed: Schema.optional(Schema.Boolean),
  /** Where the restriction is configured (`…/config.toml`), when it is not only the program's own. */
  source: Schema.optional(Schema.String)
}) {
  /** The login flows' name for {@link found}. */
  get actual(): string | undefined {
    return this.found
  }
  override get message(): string {
    if (this.removed === undefined) {
      return `Login is restricted to workspace id(s) ${this.allowed.join(", ")}. ` +
        "Nothing was saved. Sign in again and pick an allowed workspace."
    }
    const removed = this.removed ? " The stored credentials were removed." : ""
    const where = this.source === undefined ? "" : ` (forced_chatgpt_workspace_id in ${this.source})`
    const change = this.source === undefined ? "" : `, or change forced_chatgpt_workspace_id in ${this.source}`
    return `Login is restricted to workspace id(s) ${this.allowed.join(", ")}${where}, but the credentials are for ` +
      `${this.found ?? "no workspace"}.${removed} Sign in again and choose an allowed workspace${change}.`
  }
}

/**
 * `forced_login_method`: the credentials use the other method (PROTOCOL.md §10). The message is the Codex CLI's:
 * a login of the wrong method is refused before anything is saved (`during: "login"`); stored credentials of the
 * wrong method are removed when loaded (`during: "load"`, the default).
 *
 * @since 0.1.0
 * @category errors
 */
export class LoginMethodRestricted extends Schema.TaggedError<LoginMethodRestricted>(
  "@codex-auth/core/LoginMethodRestricted"
)("LoginMethodRestricted", {
  required: Schema.Literal("chatgpt", "api"),
  removed: Schema.Boolean,
  /** When the restriction struck: a login being saved, or credentials being loaded. Absent means `load`. */
  during: Schema.optional(Schema.Literal("login", "load")),
  /** Where the restriction is configured (`…/config.toml`), when it is not only the program's own. */
  source: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = this.source === undefined ? "" : ` (forced_login_method in ${this.source})`
    if (this.during === "login") {
      return this.required === "chatgpt"
        ? `API key login is disabled${where}. Use ChatGPT login instead.`
        : `ChatGPT login is disabled${where}. Use API key login instead.`
    }
    const upstream = this.required === "chatgpt"
      ? "ChatGPT login is required, but an API key is currently being used."
      : "API key login is required, but ChatGPT is currently being used."
    const next = this.required === "chatgpt"
      ? "Sign in with ChatGPT (`codex-auth login`)."
      : "Sign in with an API key (`codex-auth login --with-api-key`)."
    const requiredBy = this.source === undefined ? "" : ` Required by forced_login_method in ${this.source}.`
    return `${upstream}${this.removed ? " Logging out." : ""}${requiredBy} ${next}`
  }
}

/**
 * The login the session started (because it found no credentials) failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class LoginFailed extends Schema.TaggedError<LoginFailed>("@codex-auth/core/LoginFailed")("LoginFailed", {
  /** The login's own error (its message says what to do). */
  cause: Schema.Defect
}) {
  override get message(): string {
    const inner = typeof this.cause === "object" && this.cause !== null && "message" in this.cause
      ? String((this.cause as { message: unknown }).message)
      : "unknown error"
    return `Sign-in failed: ${inner}`
  }
}

/**
 * The stored credentials are an access-token (Agent Identity) login (`codex login --with-access-token`,
 * `auth_mode: agentIdentity`). Codex authenticates such a login by registering each task with the agent's own key,
 * never by sending the token as a bearer, and refuses to hand one out ("agent identity auth does not expose a bearer
 * token"); so does the session — for `getToken`, `getHeaders`, `getCredentials`, `refresh` and
 * `recoverUnauthorized`. `status` and `logout` work as for any login.
 *
 * @since 0.1.0
 * @category errors
 */
export class BearerTokenUnavailable extends Schema.TaggedError<BearerTokenUnavailable>(
  "@codex-auth/core/BearerTokenUnavailable"
)("BearerTokenUnavailable", {
  mode: Schema.Literal("agentIdentity"),
  /** Where the credentials are (a path or a keyring entry). */
  location: Schema.String
}) {
  override get message(): string {
    return `Agent identity auth does not expose a bearer token: ${this.location} holds an access-token ` +
      "(Agent Identity) login, which signs each task with its own key instead of sending a token, so there is no " +
      "token to print, send as a header or refresh. To get one, sign in with ChatGPT (`codex-auth login`) or an API " +
      "key (`codex-auth login --with-api-key`); to use this login, run the Codex CLI."
  }
}

/**
 * Everything a session operation can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type SessionError =
  | LoginRequired
  | AccountChanged
  | WorkspaceRestricted
  | LoginMethodRestricted
  | LoginFailed
  | BearerTokenUnavailable
  | RefreshTokenRejected
  | RefreshTransientError
  | MalformedResponse
  | JwtMalformed
  | CredentialStoreError
  | AuthFileInvalid
  | HttpClientConfigError
