// What the access-token login's public module and its HTTP internals share: the variables its messages name, the
// endpoint URLs, the request options and the errors (re-exported by AccessTokenAuth).
import type * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"

// `Schema.TaggedError` with the identifier `@codex-auth/accounts/<Tag>`: by it `instanceof` holds across copies
// of the engine (`@codex-auth/facade/FacadeErrorIdentity`).
const TaggedError = <Self>() => <Tag extends string, Fields extends Schema.Struct.Fields>(tag: Tag, fields: Fields) =>
  Schema.TaggedError<Self>(`@codex-auth/accounts/${tag}`)(tag, fields)

/**
 * The environment variable naming the JWKS base (`{base}/agent-identities/jwks`).
 *
 * @since 0.1.0
 * @category constants
 */
export const jwksBaseUrlVariable: string = "CODEX_AGENT_IDENTITY_JWKS_BASE_URL"

/**
 * The environment variable naming the base of the task-registration endpoint.
 *
 * @since 0.1.0
 * @category constants
 */
export const authApiBaseUrlVariable: string = "CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL"

export const trimSlash = (url: string): string => url.replace(/\/+$/, "")

/**
 * `{base}/agent-identities/jwks`.
 *
 * @since 0.1.0
 * @category urls
 */
export const jwksUrl = (base: string): string => `${trimSlash(base)}/agent-identities/jwks`

/**
 * `{base}/v1/agent/{runtimeId}/task/register`.
 *
 * @since 0.1.0
 * @category urls
 */
export const taskRegistrationUrl = (base: string, runtimeId: string): string =>
  `${trimSlash(base)}/v1/agent/${encodeURIComponent(runtimeId)}/task/register`

/**
 * Nothing but whitespace arrived on stdin (Codex: "No access token provided via stdin.").
 *
 * @since 0.1.0
 * @category errors
 */
export class AccessTokenMissing extends TaggedError<AccessTokenMissing>()("AccessTokenMissing", {}) {
  override get message(): string {
    return "No access token provided via stdin. Pipe it in, e.g. " +
      "`printenv CODEX_ACCESS_TOKEN | codex-auth login --with-access-token`."
  }
}

/**
 * A personal access token (`at-…`): Codex checks those against OpenAI's `whoami` endpoint; codex-auth does not
 * support them.
 *
 * @since 0.1.0
 * @category errors
 */
export class PersonalAccessTokenUnsupported
  extends TaggedError<PersonalAccessTokenUnsupported>()("PersonalAccessTokenUnsupported", {})
{
  override get message(): string {
    return "This is a personal access token (it starts with `at-`), which codex-auth does not support yet: only " +
      "Agent Identity tokens can be saved with --with-access-token. Use `codex login --with-access-token` for it, " +
      "or sign in with `codex-auth login`."
  }
}

/**
 * The token is not an Agent Identity token Codex would accept. `reason` says which check failed; no token text.
 *
 * @since 0.1.0
 * @category errors
 */
export class AccessTokenInvalid
  extends TaggedError<AccessTokenInvalid>()("AccessTokenInvalid", { reason: Schema.String })
{
  override get message(): string {
    return `The access token is not a valid Agent Identity token: ${this.reason}. Nothing was saved; get a new ` +
      "token from its issuer and pipe it in again."
  }
}

/**
 * The issuer's keys could not be fetched (network, non-2xx or not a JWKS).
 *
 * @since 0.1.0
 * @category errors
 */
export class AgentIdentityJwksUnavailable
  extends TaggedError<AgentIdentityJwksUnavailable>()("AgentIdentityJwksUnavailable", {
    url: Schema.String,
    detail: Schema.String
  })
{
  override get message(): string {
    return `Could not fetch the Agent Identity signing keys from ${this.url} (${this.detail}), so the token could ` +
      `not be checked and nothing was saved. Check the network (or ${jwksBaseUrlVariable}) and try again.`
  }
}

/**
 * Saving an access-token login is not allowed here (`forced_login_method = "api"`, or another workspace).
 *
 * @since 0.1.0
 * @category errors
 */
export class AccessTokenLoginRefused
  extends TaggedError<AccessTokenLoginRefused>()("AccessTokenLoginRefused", { reason: Schema.String })
{
  override get message(): string {
    return this.reason
  }
}

/**
 * Task registration failed (the request, the status, or the answer).
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskRegistrationFailed
  extends TaggedError<TaskRegistrationFailed>()("TaskRegistrationFailed", { url: Schema.String, detail: Schema.String })
{
  override get message(): string {
    return `Agent task registration at ${this.url} failed: ${this.detail}. Check ${authApiBaseUrlVariable} and ` +
      "that the access token is still valid, then try again."
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  readonly originator: string
  readonly userAgent: string
  /** Default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}
