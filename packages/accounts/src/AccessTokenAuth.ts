/**
 * Access-token sign-in as the Codex CLI 0.169 does it (`codex login --with-access-token`, token on stdin).
 *
 * What Codex accepts there is an OpenAI-signed **Agent Identity** JWT (a token starting `at-` is a personal access
 * token instead, which Codex checks at `{CODEX_AUTHAPI_BASE_URL}/v1/user-auth-credential/whoami`; not supported
 * here). Observed against the real binary:
 * - the payload must hold `iss`, `aud` (strings), `exp`, `iat` (non-negative integers), `agent_runtime_id`,
 *   `agent_private_key`, `account_id`, `chatgpt_user_id`, `plan_type` (strings), `chatgpt_account_is_fedramp`
 *   (boolean) and may hold `email`; anything else is ignored;
 * - the header must name a `kid`, which must be in the JWKS at
 *   `{CODEX_AGENT_IDENTITY_JWKS_BASE_URL}/agent-identities/jwks`; the signature is RS256 with that key,
 *   `iss` = `https://chatgpt.com/codex-backend/agent-identity`, `aud` = `codex-app-server`, `exp` checked with 60 s
 *   leeway (`nbf` and `iat` are not checked); the agent private key is not looked at during login;
 * - the saved file is `{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"<the JWT>"}`; a ChatGPT
 *   login it replaces is not revoked;
 * - `codex login status` verifies the token again, then registers a task
 *   (`POST {CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL}/v1/agent/{agent_runtime_id}/task/register`, JSON
 *   `{"timestamp":"<RFC 3339, seconds, Z>","signature":"<base64 Ed25519 signature of \`{runtime id}:{timestamp}\`>"}`,
 *   answered with `{"task_id":…}`) and prints `Logged in using access token`.
 *
 * Signatures are checked with WebCrypto (`crypto.subtle`), available on Node and Deno alike.
 *
 * @since 0.1.0
 */
import type { AuthDocument } from "@codex-auth/core/AuthJson"
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as jwt from "@codex-auth/core/Jwt"
import type { OAuthClient } from "@codex-auth/core/OAuthClient"
import { Session } from "@codex-auth/core/Session"
import type { SessionError } from "@codex-auth/core/SessionError"
import * as Workspace from "@codex-auth/core/Workspace"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as http from "./internal/accessToken/http.ts"
import * as shared from "./internal/accessToken/shared.ts"
import {
  AccessTokenInvalid,
  AccessTokenLoginRefused,
  AccessTokenMissing,
  AgentIdentityJwksUnavailable,
  PersonalAccessTokenUnsupported,
  TaskRegistrationFailed
} from "./internal/accessToken/shared.ts"

export {
  AccessTokenInvalid,
  AccessTokenLoginRefused,
  AccessTokenMissing,
  AgentIdentityJwksUnavailable,
  authApiBaseUrlVariable,
  jwksBaseUrlVariable,
  jwksUrl,
  PersonalAccessTokenUnsupported,
  TaskRegistrationFailed,
  taskRegistrationUrl
} from "./internal/accessToken/shared.ts"

// ---------------------------------------------------------------------------------------------------------------
// constants
// ---------------------------------------------------------------------------------------------------------------

/**
 * The `iss` Codex requires.
 *
 * @since 0.1.0
 * @category constants
 */
export const issuer: string = "https://chatgpt.com/codex-backend/agent-identity"

/**
 * The `aud` Codex requires.
 *
 * @since 0.1.0
 * @category constants
 */
export const audience: string = "codex-app-server"

/**
 * The only signature algorithm Codex accepts.
 *
 * @since 0.1.0
 * @category constants
 */
export const algorithm: string = "RS256"

/**
 * How far past `exp` a token is still accepted (the `jsonwebtoken` crate's default, as Codex uses it).
 *
 * @since 0.1.0
 * @category constants
 */
export const leewaySeconds: number = 60

/**
 * The `auth_mode` Codex writes.
 *
 * @since 0.1.0
 * @category constants
 */
export const authMode: string = "agentIdentity"

/**
 * The `auth.json` key holding the token.
 *
 * @since 0.1.0
 * @category constants
 */
export const documentKey: string = "agent_identity"

/**
 * Where Codex fetches the keys without an override: its ChatGPT base URL (`https://chatgpt.com/backend-api/`) +
 * `wham/agent-identities/jwks`. Derived from what Codex requests for other `chatgpt_base_url`s (offline; the
 * production host itself was not reached).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultJwksUrl: string = "https://chatgpt.com/backend-api/wham/agent-identities/jwks"

/**
 * The task-registration base without an override (an assumption: `CODEX_AUTHAPI_BASE_URL`'s default; the production
 * host was not reached offline).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultAuthApiBaseUrl: string = "https://auth.openai.com/api/accounts"

/**
 * The endpoints, from `CODEX_AGENT_IDENTITY_JWKS_BASE_URL` and `CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL` (empty means
 * unset), else the defaults.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoints {
  readonly jwksUrl: string
  readonly authApiBaseUrl: string
}

const nonEmptyVariable = (name: string) =>
  Effect.map(
    Config.option(Config.string(name)),
    (value) => Option.filter(Option.map(value, (text) => text.trim()), (text) => text !== "")
  )

/**
 * @since 0.1.0
 * @category urls
 */
export const endpointsConfig: Effect.Effect<Endpoints, ConfigError.ConfigError> = Effect.map(
  Effect.all([nonEmptyVariable(shared.jwksBaseUrlVariable), nonEmptyVariable(shared.authApiBaseUrlVariable)]),
  ([jwksBase, authApiBase]) => ({
    jwksUrl: Option.match(jwksBase, { onNone: () => defaultJwksUrl, onSome: shared.jwksUrl }),
    authApiBaseUrl: Option.getOrElse(authApiBase, () => defaultAuthApiBaseUrl)
  })
)

// ---------------------------------------------------------------------------------------------------------------
// claims
// ---------------------------------------------------------------------------------------------------------------

/**
 * The claims of an Agent Identity token.
 *
 * @since 0.1.0
 * @category models
 */
export interface AgentIdentityClaims {
  readonly issuer: string
  readonly audience: string
  /** Epoch seconds. */
  readonly expiresAt: number
  /** Epoch seconds. */
  readonly issuedAt: number
  readonly agentRuntimeId: string
  /** Base64 (standard) PKCS#8 Ed25519 private key the agent signs task registrations with. */
  readonly agentPrivateKey: Redacted.Redacted<string>
  readonly accountId: string
  readonly chatgptUserId: string
  readonly email: Option.Option<string>
  readonly planType: string
  readonly fedramp: boolean
}

/**
 * A decoded (not yet verified) token.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodedToken {
  readonly keyId: Option.Option<string>
  readonly algorithm: Option.Option<string>
  readonly claims: AgentIdentityClaims
}

// Codex deserialises into a serde struct: these types exactly (u64 for the times), unknown fields ignored.
const ClaimsSchema = Schema.Struct({
  iss: Schema.String,
  aud: Schema.String,
  exp: Schema.NonNegativeInt,
  iat: Schema.NonNegativeInt,
  agent_runtime_id: Schema.String,
  agent_private_key: Schema.String,
  account_id: Schema.String,
  chatgpt_user_id: Schema.String,
  email: Schema.optional(Schema.NullOr(Schema.String)),
  plan_type: Schema.String,
  chatgpt_account_is_fedramp: Schema.Boolean
})

const decodeClaimsSchema = Schema.decodeUnknownEither(ClaimsSchema, { errors: "first" })

const describeJwtProblem = (problem: jwt.JwtProblem): string =>
  problem.part === "token"
    ? `it is not a JWT (${problem.reason})`
    : `its ${problem.part} is unreadable (${problem.reason})`

/**
 * Decodes a token the way Codex does before checking its signature: a compact JWT whose payload holds the claims
 * above with the right types.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (token: Redacted.Redacted<string>): Either.Either<DecodedToken, AccessTokenInvalid> => {
  const compact = jwt.decodeCompact(Redacted.value(token))
  if (!compact.ok) return Either.left(new AccessTokenInvalid({ reason: describeJwtProblem(compact.error) }))
  const claims = decodeClaimsSchema(compact.value.payload)
  if (Either.isLeft(claims)) {
    return Either.left(
      new AccessTokenInvalid({
        // The schema's message names the claim and the expected type, never a value.
        reason: `its claims are not those of an Agent Identity token (${firstIssue(claims.left)})`
      })
    )
  }
  const c = claims.right
  const header = compact.value.header
  const kid = header["kid"]
  const alg = header["alg"]
  return Either.right({
    keyId: typeof kid === "string" ? Option.some(kid) : Option.none(),
    algorithm: typeof alg === "string" ? Option.some(alg) : Option.none(),
    claims: {
      issuer: c.iss,
      audience: c.aud,
      expiresAt: c.exp,
      issuedAt: c.iat,
      agentRuntimeId: c.agent_runtime_id,
      agentPrivateKey: Redacted.make(c.agent_private_key),
      accountId: c.account_id,
      chatgptUserId: c.chatgpt_user_id,
      email: Option.fromNullable(c.email),
      planType: c.plan_type,
      fedramp: c.chatgpt_account_is_fedramp
    }
  })
}

const firstIssue = (error: ParseResult.ParseError): string => {
  // Only the claim's name: the formatter's messages may quote the value.
  const path = ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.path[0]
  return path === undefined ? "unexpected shape" : `claim "${String(path)}" is missing or of the wrong type`
}

// ---------------------------------------------------------------------------------------------------------------
// input, verification
// ---------------------------------------------------------------------------------------------------------------

/**
 * Reads a token as `codex login --with-access-token` reads stdin: trimmed; nothing left is an error; `at-…` is a
 * personal access token (refused here).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseInput = (
  input: string
): Either.Either<Redacted.Redacted<string>, AccessTokenMissing | PersonalAccessTokenUnsupported> => {
  const token = input.trim()
  if (token === "") return Either.left(new AccessTokenMissing())
  if (token.startsWith("at-")) return Either.left(new PersonalAccessTokenUnsupported())
  return Either.right(Redacted.make(token))
}

/**
 * A JSON Web Key Set (only the fields used here are described; the rest is kept).
 *
 * @since 0.1.0
 * @category models
 */
export interface Jwks {
  readonly keys: ReadonlyArray<JsonWebKey & { readonly kid?: string | undefined }>
}

const encoder = new TextEncoder()

/**
 * Verifies a token as Codex does: a `kid` in the header, that key in the JWKS, an RS256 signature by it, the exact
 * issuer and audience, and `exp` not more than {@link leewaySeconds} in the past (`now` in epoch milliseconds).
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (
  token: Redacted.Redacted<string>,
  jwks: Jwks,
  now: number
): Effect.Effect<DecodedToken, AccessTokenInvalid> =>
  Effect.gen(function*() {
    const decoded = yield* decode(token)
    if (Option.isNone(decoded.keyId)) {
      return yield* new AccessTokenInvalid({ reason: "its header does not include a kid (key id)" })
    }
    const kid = decoded.keyId.value
    const jwk = jwks.keys.find((key) => key.kid === kid)
    if (jwk === undefined) {
      return yield* new AccessTokenInvalid({ reason: `its key id ${JSON.stringify(kid)} is not one the issuer trusts` })
    }
    if (!Option.contains(decoded.algorithm, algorithm) || jwk.kty !== "RSA") {
      return yield* new AccessTokenInvalid({ reason: `it is not signed with ${algorithm} by an RSA key` })
    }
    const [header, payload, signature] = Redacted.value(token).split(".") as [string, string, string]
    const signatureBytes = jwt.decodeBase64Url(signature)
    const valid = signatureBytes.ok && (yield* Effect.promise(() =>
      verifyRs256(jwk, signatureBytes.value, encoder.encode(`${header}.${payload}`)).catch(() => false)
    ))
    if (!valid) return yield* new AccessTokenInvalid({ reason: "its signature does not verify with the issuer's key" })
    const claims = decoded.claims
    if (claims.issuer !== issuer) {
      return yield* new AccessTokenInvalid({ reason: `its issuer is not ${issuer}` })
    }
    if (claims.audience !== audience) {
      return yield* new AccessTokenInvalid({ reason: `its audience is not ${audience}` })
    }
    if (claims.expiresAt + leewaySeconds < Math.floor(now / 1000)) {
      return yield* new AccessTokenInvalid({ reason: "it has expired" })
    }
    return decoded
  })

const verifyRs256 = async (jwk: JsonWebKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> => {
  const { alg: _alg, key_ops: _ops, use: _use, ...publicJwk } = jwk as JsonWebKey & { readonly use?: string }
  const key = await crypto.subtle.importKey(
    "jwk",
    publicJwk,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"]
  )
  return crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, new Uint8Array(signature), new Uint8Array(data))
}

/**
 * Fetches the issuer's JWKS through the engine's `OAuthClient` (`GET`, with the `originator` and `User-Agent`
 * headers Codex sends, the profile's request timeout).
 *
 * @since 0.1.0
 * @category verification
 */
export const fetchJwks: (url: string) => Effect.Effect<Jwks, AgentIdentityJwksUnavailable, OAuthClient> = http.fetchJwks

// ---------------------------------------------------------------------------------------------------------------
// auth.json
// ---------------------------------------------------------------------------------------------------------------

/**
 * The document Codex writes: `{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"<JWT>"}`.
 *
 * @since 0.1.0
 * @category auth.json
 */
export const toDocument: (token: Redacted.Redacted<string>) => AuthDocument = AuthJson.fromAgentIdentity

/**
 * The Agent Identity token of an `agentIdentity` document.
 *
 * @since 0.1.0
 * @category auth.json
 */
export const fromDocument = (document: AuthDocument): Option.Option<Redacted.Redacted<string>> =>
  AuthJson.resolvedMode(document) === authMode
    ? Option.filter(document.agentIdentity, (token) => Redacted.value(token) !== "")
    : Option.none()

/**
 * Whether a document is an access-token (Agent Identity) login.
 *
 * @since 0.1.0
 * @category auth.json
 */
export const isAccessTokenLogin = (document: AuthDocument): boolean => Option.isSome(fromDocument(document))

/**
 * The line `codex login status` prints for an Agent Identity login (after it verified the token and registered a
 * task).
 *
 * @since 0.1.0
 * @category formatting
 */
export const statusLine: string = "Logged in using access token"

/**
 * What a status shows for an access-token login: the token's claims, decoded (not verified) from the stored file.
 *
 * @since 0.1.0
 * @category status
 */
export const storedClaims = (document: AuthDocument): Option.Option<AgentIdentityClaims> =>
  Option.flatMap(fromDocument(document), (token) => Option.map(Either.getRight(decode(token)), (d) => d.claims))

// ---------------------------------------------------------------------------------------------------------------
// login
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface LoginOptions {
  /** Default: {@link endpointsConfig}'s. */
  readonly jwksUrl?: string | undefined
  /** `forced_login_method`: `api` refuses (Codex: "Access token login is disabled. Use API key login instead."). */
  readonly forcedLoginMethod?: "chatgpt" | "api" | undefined
  /** `forced_chatgpt_workspace_id`: the token's `account_id` must be one of them (empty: any). */
  readonly forcedWorkspaceIds?: ReadonlyArray<string> | undefined
}

/**
 * What a successful login saved.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoginResult {
  readonly claims: AgentIdentityClaims
  readonly document: AuthDocument
}

/**
 * Checks the token the way Codex does (fetching the issuer's keys through the engine's `OAuthClient`) and saves it
 * through the session's `saveLogin` (the session's own §10 policy applies too; the store's lock), replacing whatever
 * was stored (Codex does not revoke a ChatGPT login it replaces this way, so neither does this).
 *
 * @since 0.1.0
 * @category login
 */
export const login = (
  token: Redacted.Redacted<string>,
  options: LoginOptions = {}
): Effect.Effect<
  LoginResult,
  | AccessTokenInvalid
  | AgentIdentityJwksUnavailable
  | AccessTokenLoginRefused
  | SessionError
  | ConfigError.ConfigError,
  OAuthClient | Session
> =>
  Effect.gen(function*() {
    // §10 is the engine's one check: an access-token login counts as a ChatGPT login, its workspace is `account_id`.
    // The method is checked before any request, the workspace once the token is verified (as in Codex).
    const policy: Workspace.Policy = {
      forcedLoginMethod: options.forcedLoginMethod,
      forcedWorkspaceIds: options.forcedWorkspaceIds
    }
    if (
      Workspace.violation({ forcedLoginMethod: policy.forcedLoginMethod }, {
        method: "chatgpt",
        workspace: Option.none()
      })
    ) {
      return yield* new AccessTokenLoginRefused({
        reason: "Access token login is disabled (forced_login_method = \"api\"). Use API key login instead."
      })
    }
    // Malformed tokens fail before any request, as in Codex.
    yield* decode(token)
    const url = options.jwksUrl ?? (yield* endpointsConfig).jwksUrl
    const jwks = yield* fetchJwks(url)
    const decoded = yield* verify(token, jwks, yield* Clock.currentTimeMillis)
    const refused = Workspace.violation(policy, { method: "chatgpt", workspace: Option.some(decoded.claims.accountId) })
    if (refused?._tag === "Workspace") {
      return yield* new AccessTokenLoginRefused({
        reason: `Login is restricted to workspace id(s) ${refused.allowed.join(", ")}; the access token belongs to ` +
          "another workspace. Nothing was saved."
      })
    }
    const session = yield* Session
    yield* session.saveLogin({ _tag: "AccessToken", token })
    return { claims: decoded.claims, document: toDocument(token) }
  }).pipe(Effect.withSpan("AccessTokenAuth.login"))

// ---------------------------------------------------------------------------------------------------------------
// task registration
// ---------------------------------------------------------------------------------------------------------------

/**
 * `timestamp` as Codex sends it: RFC 3339 in UTC with whole seconds (`2026-11-22T00:26:27Z`).
 *
 * @since 0.1.0
 * @category task registration
 */
export const registrationTimestamp: (epochMillis: number) => string = http.registrationTimestamp

/**
 * The body Codex posts: `{timestamp, signature}`, the signature being Ed25519 over `{agent_runtime_id}:{timestamp}`
 * with the token's `agent_private_key`, base64 (standard, padded).
 *
 * @since 0.1.0
 * @category task registration
 */
export const signRegistration: (
  claims: AgentIdentityClaims,
  epochMillis: number
) => Effect.Effect<{ readonly timestamp: string; readonly signature: string }, AccessTokenInvalid> =
  http.signRegistration

/**
 * Registers a task for the token's agent runtime, as `codex login status` does; answers the task id.
 *
 * @since 0.1.0
 * @category task registration
 */
export const registerTask: (
  claims: AgentIdentityClaims,
  options: { readonly authApiBaseUrl: string }
) => Effect.Effect<string, TaskRegistrationFailed | AccessTokenInvalid, OAuthClient> = http.registerTask
