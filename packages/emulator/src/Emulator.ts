/**
 * A local emulator of `auth.openai.com` as the Codex CLI speaks to it (PROTOCOL.md): authorize and consent
 * page, token endpoint (authorization code with PKCE, API-key exchange, refresh with single-use rotation and
 * reuse detection), device code endpoints and verification page, revoke, the Agent Identity JWKS and task
 * registration (`codex login --with-access-token`), a small ChatGPT backend (`wham/accounts/check`, `codex/models`,
 * `codex/responses`, enough for `codex app-server` to run a turn), and an admin API under
 * `/__emulator/` for tests. It is a runtime-neutral `HttpApp`; the runtime packages serve it.
 *
 * @since 0.1.0
 */
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as internal from "./internal/emulator/app.ts"

/** The Codex CLI's OAuth client id (the engine's default), the only client the emulator knows by default. */
export const codexClientId: string = ProviderProfile.defaultClientId

/** The loopback ports the real issuer allow-lists for the browser flow's redirect URI. */
export const defaultRedirectPorts: ReadonlyArray<number> = [1455, 1457]

const emulatorUserFields = {
  email: Schema.String,
  userId: Schema.String,
  /** The ChatGPT account (workspace) id the tokens carry as `chatgpt_account_id`. */
  accountId: Schema.String,
  planType: Schema.String,
  organizationId: Schema.String,
  projectId: Schema.String,
  /** Further workspaces the user belongs to; an `allowed_workspace_id` that names one of them selects it. */
  workspaceIds: Schema.Array(Schema.String),
  fedramp: Schema.Boolean,
  /** When false, approving a login fails with `access_denied` / `missing_codex_entitlement`. */
  codexEntitlement: Schema.Boolean,
  completedPlatformOnboarding: Schema.Boolean,
  isOrgOwner: Schema.Boolean
}

/** A test user the emulator signs in. Every claim of PROTOCOL.md §9 comes from here. */
export const EmulatorUser: Schema.Struct<typeof emulatorUserFields> = Schema.Struct(emulatorUserFields)

/** @since 0.1.0 */
export type EmulatorUser = typeof EmulatorUser.Type

/** Builds a user from a partial description; everything not given is derived from the email. */
export const user = (fields: Partial<EmulatorUser> & { readonly email?: string } = {}): EmulatorUser => {
  const email = fields.email ?? "user@example.com"
  const slug = email.replace(/[^A-Za-z0-9]/g, "-").toLowerCase()
  return {
    email,
    userId: fields.userId ?? `user-${slug}`,
    accountId: fields.accountId ?? `acct-${slug}`,
    planType: fields.planType ?? "plus",
    organizationId: fields.organizationId ?? `org-${slug}`,
    projectId: fields.projectId ?? `proj-${slug}`,
    workspaceIds: fields.workspaceIds ?? [],
    fedramp: fields.fedramp ?? false,
    codexEntitlement: fields.codexEntitlement ?? true,
    completedPlatformOnboarding: fields.completedPlatformOnboarding ?? true,
    isOrgOwner: fields.isOrgOwner ?? false
  }
}

/** The default test user, used when no users are configured. */
export const defaultUser: EmulatorUser = user()

/** @since 0.1.0 */
export interface EmulatorOptions {
  /** OAuth client ids the emulator accepts. Default: the Codex client id. */
  readonly clientIds?: ReadonlyArray<string> | undefined
  /** Test users; the first is the one auto-approve and the admin API sign in unless told otherwise. */
  readonly users?: ReadonlyArray<EmulatorUser> | undefined
  /** Redirect straight to the callback (authorize) and approve device codes at once. Default false. */
  readonly autoApprove?: boolean | undefined
  /** Lifetime of minted access and id tokens (their `exp`). Default 1 hour. */
  readonly accessTokenTtl?: Duration.DurationInput | undefined
  /** Lifetime of a refresh token family from its first issue. Default 30 days. */
  readonly refreshTokenTtl?: Duration.DurationInput | undefined
  /** Lifetime of a device code. Default 15 minutes. */
  readonly deviceCodeLifetime?: Duration.DurationInput | undefined
  /** When false, the usercode endpoint answers 404 (device code login not enabled). Default true. */
  readonly deviceCodeEnabled?: boolean | undefined
  /** The `interval` string the usercode endpoint returns. Default "5"; tests use "0". */
  readonly deviceInterval?: string | undefined
  /** Loopback ports allowed in the browser flow's redirect URI. Default 1455 and 1457. */
  readonly redirectPorts?: ReadonlyArray<number> | undefined
  /** Issuer URL for claims and links. Default: derived from each request's `Host` header. */
  readonly issuer?: string | undefined
  /** What the backend's `/backend-api/codex/responses` answers every turn with. */
  readonly backendReplyText?: string | undefined
}

/** The assistant's answer to every turn, unless `backendReplyText` says otherwise. */
export const defaultBackendReplyText: string = "Hello from the codex-auth emulator."

const emulatorSettingsFields = {
  autoApprove: Schema.Boolean,
  accessTokenTtlSeconds: Schema.Number,
  refreshTokenTtlSeconds: Schema.Number,
  deviceCodeLifetimeSeconds: Schema.Number,
  deviceCodeEnabled: Schema.Boolean,
  deviceInterval: Schema.String
}

/** Runtime-adjustable settings (the admin API's `/__emulator/settings`). Durations in seconds. */
export const EmulatorSettings: Schema.Struct<typeof emulatorSettingsFields> = Schema.Struct(emulatorSettingsFields)

/** @since 0.1.0 */
export type EmulatorSettings = typeof EmulatorSettings.Type

/** A partial update of the settings; absent fields stay as they are. */
export type EmulatorSettingsPatch = { readonly [K in keyof EmulatorSettings]?: EmulatorSettings[K] | undefined }

const requestLogEntryFields = {
  seq: Schema.Number,
  atMillis: Schema.Number,
  method: Schema.String,
  /** Path without the query string. */
  path: Schema.String,
  status: Schema.Number,
  /** Names of the body's fields in the order the client sent them (form or JSON). */
  bodyKeys: Schema.Array(Schema.String),
  /** Names (never values) of the request headers, lower-cased and sorted. */
  headerNames: Schema.Array(Schema.String),
  contentType: Schema.optional(Schema.String),
  originator: Schema.optional(Schema.String),
  userAgent: Schema.optional(Schema.String),
  grantType: Schema.optional(Schema.String),
  clientId: Schema.optional(Schema.String),
  /** The refresh token presented (emulator-minted, meaningless outside this emulator). */
  refreshToken: Schema.optional(Schema.String),
  /** The family of the presented or issued refresh token. */
  tokenFamily: Schema.optional(Schema.String),
  userCode: Schema.optional(Schema.String),
  /** The `error` / `error.code` the emulator answered with. */
  errorCode: Schema.optional(Schema.String),
  /** The kind of injected fault that shaped this response, if any. */
  fault: Schema.optional(Schema.String)
}

/** What one request to a protocol endpoint looked like (admin requests are not logged). */
export const RequestLogEntry: Schema.Struct<typeof requestLogEntryFields> = Schema.Struct(requestLogEntryFields)

/** @since 0.1.0 */
export type RequestLogEntry = typeof RequestLogEntry.Type

const faultTarget = {
  /** The endpoint path, e.g. `/oauth/token`. */
  path: Schema.String,
  /** Only requests with this `grant_type` (token endpoint). */
  grantType: Schema.optional(Schema.String),
  /** How many matching requests the fault applies to. Default 1. */
  count: Schema.optional(Schema.Number)
}

const faultVariants = [
  Schema.Struct({ ...faultTarget, kind: Schema.Literal("status"), status: Schema.Number }),
  Schema.Struct({
    ...faultTarget,
    kind: Schema.Literal("rate_limit"),
    retryAfterSeconds: Schema.optional(Schema.Number)
  }),
  Schema.Struct({ ...faultTarget, kind: Schema.Literal("latency"), millis: Schema.Number }),
  Schema.Struct({ ...faultTarget, kind: Schema.Literal("malformed_json") }),
  Schema.Struct({ ...faultTarget, kind: Schema.Literal("html_body"), status: Schema.optional(Schema.Number) }),
  Schema.Struct({ ...faultTarget, kind: Schema.Literal("truncated_body") }),
  /**
   * The endpoint runs (a refresh grant rotates the token) and is logged, then its answer is delayed by
   * `delayMillis` and, when `status` or `body` is given, replaced by `status` (default 502) with `body` (default a
   * server error) — a reply lost in a proxy, a 5xx after the grant, a 200 without tokens. A delay past the client's
   * timeout is a reply that never comes; a delay alone is a slow answer in transit.
   */
  Schema.Struct({
    ...faultTarget,
    kind: Schema.Literal("after_grant"),
    status: Schema.optional(Schema.Number),
    body: Schema.optional(Schema.String),
    delayMillis: Schema.optional(Schema.Number)
  }),
  Schema.Struct({
    ...faultTarget,
    kind: Schema.Literal("error_code"),
    code: Schema.String,
    status: Schema.optional(Schema.Number),
    description: Schema.optional(Schema.String),
    /** `oauth`: RFC 6749 `{"error","error_description"}` (default); `openai`: `{"error":{"code",…}}`. */
    style: Schema.optional(Schema.Literal("oauth", "openai"))
  })
] as const

/**
 * A fault for the next `count` requests of an endpoint. `latency` delays and then answers normally;
 * `truncated_body` runs the endpoint (its effects happen) and cuts the response body in half; `after_grant` runs it
 * and replaces its answer.
 */
export const Fault: Schema.Union<typeof faultVariants> = Schema.Union(...faultVariants)

/** @since 0.1.0 */
export type Fault = typeof Fault.Type

const deviceCodeInfoFields = {
  deviceAuthId: Schema.String,
  userCode: Schema.String,
  status: Schema.Literal("pending", "approved", "denied", "consumed"),
  expiresAtMillis: Schema.Number,
  email: Schema.optional(Schema.String)
}

/** A device code as the admin API lists it. */
export const DeviceCodeInfo: Schema.Struct<typeof deviceCodeInfoFields> = Schema.Struct(deviceCodeInfoFields)

/** @since 0.1.0 */
export type DeviceCodeInfo = typeof DeviceCodeInfo.Type

const revokeTargetFields = {
  family: Schema.optional(Schema.String),
  refreshToken: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String)
}

/** Which tokens to revoke through the admin API: one family, the family of a refresh token, or a user's. */
export const RevokeTarget: Schema.Struct<typeof revokeTargetFields> = Schema.Struct(revokeTargetFields)

/** @since 0.1.0 */
export type RevokeTarget = typeof RevokeTarget.Type

const rejectTargetFields = {
  family: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String)
}

/**
 * Which access tokens the backend routes (`/backend-api/...`) should answer 401 from now on: those of one family,
 * of one user, or (empty) every one minted so far. Tokens minted later are accepted, so a refresh recovers.
 */
export const RejectTarget: Schema.Struct<typeof rejectTargetFields> = Schema.Struct(rejectTargetFields)

/** @since 0.1.0 */
export type RejectTarget = typeof RejectTarget.Type

const mintRequestFields = {
  email: Schema.optional(Schema.String),
  clientId: Schema.optional(Schema.String),
  /** Overrides the access-token lifetime for this set; negative values mint an already-expired token. */
  accessTokenTtlSeconds: Schema.optional(Schema.Number)
}

/** A request to mint a token set directly (to seed a store in a test). */
export const MintRequest: Schema.Struct<typeof mintRequestFields> = Schema.Struct(mintRequestFields)

/** @since 0.1.0 */
export type MintRequest = typeof MintRequest.Type

const mintedTokensFields = {
  id_token: Schema.String,
  access_token: Schema.String,
  refresh_token: Schema.String,
  account_id: Schema.String,
  family: Schema.String
}

/** A minted token set, as the token endpoint would answer, plus the ids a test needs. */
export const MintedTokens: Schema.Struct<typeof mintedTokensFields> = Schema.Struct(mintedTokensFields)

/** @since 0.1.0 */
export type MintedTokens = typeof MintedTokens.Type

const agentIdentityMintRequestFields = {
  email: Schema.optional(Schema.String),
  /** Lifetime from now (default: the access-token lifetime); negative values mint an expired token. */
  expiresInSeconds: Schema.optional(Schema.Number),
  agentRuntimeId: Schema.optional(Schema.String),
  issuer: Schema.optional(Schema.String),
  audience: Schema.optional(Schema.String),
  kid: Schema.optional(Schema.String),
  forgeSignature: Schema.optional(Schema.Boolean)
}

/**
 * A request to mint an Agent Identity token (what `codex login --with-access-token` takes). Everything but `email` is
 * for tests that need a token Codex would refuse: another issuer or audience, a key id the JWKS does not list, a
 * signature by a key the JWKS does not hold, an `exp` in the past.
 */
export const AgentIdentityMintRequest: Schema.Struct<typeof agentIdentityMintRequestFields> = Schema.Struct(
  agentIdentityMintRequestFields
)

/** @since 0.1.0 */
export type AgentIdentityMintRequest = typeof AgentIdentityMintRequest.Type

const mintedAgentIdentityFields = {
  access_token: Schema.String,
  agent_runtime_id: Schema.String,
  account_id: Schema.String,
  kid: Schema.String
}

/** A minted Agent Identity token and the ids a test needs. */
export const MintedAgentIdentity: Schema.Struct<typeof mintedAgentIdentityFields> = Schema.Struct(
  mintedAgentIdentityFields
)

/** @since 0.1.0 */
export type MintedAgentIdentity = typeof MintedAgentIdentity.Type

/**
 * Where the emulator serves the Agent Identity endpoints: point `CODEX_AGENT_IDENTITY_JWKS_BASE_URL` at
 * `{emulator}{agentIdentityJwksBasePath}` and `CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL` at
 * `{emulator}{agentIdentityAuthApiBasePath}`. The JWKS is also at `/backend-api/wham/agent-identities/jwks`, where
 * Codex looks when only `chatgpt_base_url` points at the emulator.
 */
export const agentIdentityJwksBasePath: string = "/codex-backend/agent-identity"

/** See {@link agentIdentityJwksBasePath}. */
export const agentIdentityAuthApiBasePath: string = "/api/accounts"

/** An admin operation named something the emulator does not have (unknown user code, user, family). */
export class EmulatorAdminError extends Schema.TaggedError<EmulatorAdminError>()("EmulatorAdminError", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Emulator admin operation "${this.operation}" failed: ${this.reason}`
  }
}

/**
 * The emulator: its `HttpApp` and in-process access to the state the admin API exposes over HTTP.
 *
 * @since 0.1.0
 */
export class Emulator extends Context.Tag("@codex-auth/emulator/Emulator")<Emulator, Emulator.Service>() {}

/** @since 0.1.0 */
export declare namespace Emulator {
  /** @since 0.1.0 */
  export interface Service {
    /** The whole server: protocol endpoints, pages and the `/__emulator/` admin API. */
    readonly app: HttpApp.Default
    readonly requests: Effect.Effect<ReadonlyArray<RequestLogEntry>>
    readonly clearRequests: Effect.Effect<void>
    readonly deviceCodes: Effect.Effect<ReadonlyArray<DeviceCodeInfo>>
    readonly approveDeviceCode: (userCode: string, email?: string) => Effect.Effect<void, EmulatorAdminError>
    readonly denyDeviceCode: (userCode: string) => Effect.Effect<void, EmulatorAdminError>
    readonly faults: Effect.Effect<ReadonlyArray<Fault>>
    readonly addFault: (fault: Fault) => Effect.Effect<void>
    readonly clearFaults: Effect.Effect<void>
    /** Revokes refresh token families; answers how many were revoked. */
    readonly revoke: (target: RevokeTarget) => Effect.Effect<number, EmulatorAdminError>
    /**
     * Makes the backend routes answer 401 to the access tokens minted so far (all, or those of a family or user);
     * answers how many. What a resource server does to a token it no longer trusts: Codex then refreshes.
     */
    readonly rejectAccessTokens: (target: RejectTarget) => Effect.Effect<number>
    /** Mints an Agent Identity token (`codex login --with-access-token`) signed with the emulator's RSA key. */
    readonly mintAgentIdentity: (
      request: AgentIdentityMintRequest
    ) => Effect.Effect<MintedAgentIdentity, EmulatorAdminError>
    /** The JWKS the emulator serves for Agent Identity tokens. */
    readonly agentIdentityJwks: Effect.Effect<{ readonly keys: ReadonlyArray<JsonWebKey> }>
    /** Mints a token set directly; `issuer` goes into the `iss` claims (default: the `issuer` option). */
    readonly mintTokens: (request: MintRequest, issuer?: string) => Effect.Effect<MintedTokens, EmulatorAdminError>
    readonly settings: Effect.Effect<EmulatorSettings>
    readonly updateSettings: (patch: EmulatorSettingsPatch) => Effect.Effect<EmulatorSettings>
    /** Forgets every code, token, device code, fault and log entry, and restores the initial settings. */
    readonly reset: Effect.Effect<void>
  }
}

/**
 * Builds an emulator with fresh state and a fresh signing key.
 *
 * @since 0.1.0
 */
export const make: (options?: EmulatorOptions) => Effect.Effect<Emulator.Service> = internal.make
