/**
 * The OAuth client: every request the Codex CLI makes to the issuer (PROTOCOL.md §5–§7), byte for byte,
 * over `@effect/platform`'s `HttpClient`.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { HttpClientConfigError } from "./HttpClientConfig.ts"
import * as internal from "./internal/oauthClient.ts"
import type * as OAuthError from "./OAuthError.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"
import type * as TokenSet from "./TokenSet.ts"

/**
 * The three tokens of a successful code exchange.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenResponse extends TokenSet.TokenResponse {}

/**
 * A refresh may return any subset of the tokens: merge what is present, keep the rest.
 *
 * @since 0.1.0
 * @category models
 */
export interface RefreshResponse extends TokenSet.RefreshedTokens {}

/**
 * @since 0.1.0
 * @category models
 */
export interface ExchangeCodeInput {
  readonly code: Redacted.Redacted<string>
  readonly codeVerifier: Redacted.Redacted<string>
  readonly redirectUri: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RefreshOptions {
  /** The refresh endpoint; defaults to the profile's `refreshTokenUrl`. */
  readonly url?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RevokeOptions {
  /** The revoke endpoint; defaults to the profile's `revokeTokenUrl`. */
  readonly url?: string | undefined
}

/**
 * Which token to revoke: the refresh token when there is one, else the access token.
 *
 * @since 0.1.0
 * @category models
 */
export type RevokeInput =
  | { readonly refreshToken: Redacted.Redacted<string> }
  | { readonly accessToken: Redacted.Redacted<string> }

/**
 * A device code as issued by the server, ready to be shown and polled.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeviceCode {
  /** With the user code, enough to collect the tokens once approved: kept redacted. */
  readonly deviceAuthId: Redacted.Redacted<string>
  /** What the user types at `verificationUrl`. */
  readonly userCode: string
  readonly interval: Duration.Duration
  readonly verificationUrl: string
}

/**
 * The outcome of one device-code poll.
 *
 * @since 0.1.0
 * @category models
 */
export type DevicePoll = Data.TaggedEnum<{
  Pending: {}
  SlowDown: {}
  Authorized: {
    readonly authorizationCode: Redacted.Redacted<string>
    readonly codeChallenge: string
    readonly codeVerifier: Redacted.Redacted<string>
  }
}>

/**
 * @since 0.1.0
 * @category constructors
 */
export const DevicePoll: Data.TaggedEnum.Constructor<DevicePoll> = Data.taggedEnum<DevicePoll>()

/**
 * A JSON Web Key Set as fetched (only `keys` is checked here; each key's fields are the verifier's to judge).
 *
 * @since 0.1.0
 * @category models
 */
export interface Jwks {
  readonly keys: ReadonlyArray<{ readonly [key: string]: unknown }>
}

/**
 * The signed body of an agent task registration.
 *
 * @since 0.1.0
 * @category models
 */
export interface AgentTaskRegistration {
  readonly timestamp: string
  readonly signature: string
}

/**
 * @since 0.1.0
 * @category errors
 */
export type ExchangeError =
  | OAuthError.TokenEndpointError
  | OAuthError.MalformedResponse
  | OAuthError.NetworkError
  | HttpClientConfigError

/**
 * @since 0.1.0
 * @category errors
 */
export type RequestDeviceCodeError =
  | OAuthError.DeviceCodeNotEnabled
  | OAuthError.DeviceCodeRequestFailed
  | OAuthError.MalformedResponse
  | OAuthError.NetworkError
  | HttpClientConfigError

/**
 * @since 0.1.0
 * @category errors
 */
export type PollDeviceCodeError =
  | OAuthError.DeviceCodePollFailed
  | OAuthError.MalformedResponse
  | OAuthError.NetworkError
  | HttpClientConfigError

/**
 * @since 0.1.0
 * @category tags
 */
export class OAuthClient extends Context.Tag("@codex-auth/core/OAuthClient")<OAuthClient, OAuthClient.Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace OAuthClient {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** `authorization_code` grant (form body, PROTOCOL.md §5). */
    readonly exchangeCode: (input: ExchangeCodeInput) => Effect.Effect<TokenResponse, ExchangeError>
    /** Token exchange of an id token for an API key; the response's `access_token` is the key. */
    readonly exchangeApiKey: (
      idToken: Redacted.Redacted<string>
    ) => Effect.Effect<Redacted.Redacted<string>, ExchangeError>
    /** `refresh_token` grant (JSON body); failures are classified permanent or transient. */
    readonly refresh: (
      refreshToken: Redacted.Redacted<string>,
      options?: RefreshOptions
    ) => Effect.Effect<RefreshResponse, OAuthError.RefreshError>
    /** Best effort, with the profile's (short) revoke timeout. */
    readonly revoke: (input: RevokeInput, options?: RevokeOptions) => Effect.Effect<void, OAuthError.RevokeFailed>
    readonly requestDeviceCode: () => Effect.Effect<DeviceCode, RequestDeviceCodeError>
    /** One poll, no waiting. */
    readonly pollDeviceCode: (code: DeviceCode) => Effect.Effect<DevicePoll, PollDeviceCodeError>
    /** Polls until approved (first poll at once, `interval` apart, +5 s on slow-down), then exchanges the code. */
    readonly completeDeviceCode: (
      code: DeviceCode
    ) => Effect.Effect<TokenResponse, PollDeviceCodeError | OAuthError.DeviceCodeExpired | ExchangeError>
    /** `GET` of the agent identity's JWKS (access-token login): the key set, not yet trusted for anything. */
    readonly fetchJwks: (url: string) => Effect.Effect<Jwks, ExchangeError>
    /** `POST` of a signed task registration for an agent runtime (JSON body): the task id. */
    readonly registerAgentTask: (url: string, body: AgentTaskRegistration) => Effect.Effect<string, ExchangeError>
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<OAuthClient.Service, never, HttpClient.HttpClient | ProviderProfile> = internal.make

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<OAuthClient, never, HttpClient.HttpClient | ProviderProfile> = Layer.effect(
  OAuthClient,
  make
)

/**
 * A stand-in for tests: the operations given, every other one a defect naming it (so a stub keeps compiling when
 * the service grows, and a test that reaches an operation it did not stub says which).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTest = (operations: Partial<OAuthClient.Service>): OAuthClient.Service => {
  const missing = (name: string) => () => Effect.dieMessage(`OAuthClient.${name} is not stubbed in this test`)
  return {
    exchangeCode: missing("exchangeCode"),
    exchangeApiKey: missing("exchangeApiKey"),
    refresh: missing("refresh"),
    revoke: missing("revoke"),
    requestDeviceCode: missing("requestDeviceCode"),
    pollDeviceCode: missing("pollDeviceCode"),
    completeDeviceCode: missing("completeDeviceCode"),
    fetchJwks: missing("fetchJwks"),
    registerAgentTask: missing("registerAgentTask"),
    ...operations
  }
}

/**
 * {@link makeTest} as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (operations: Partial<OAuthClient.Service>): Layer.Layer<OAuthClient> =>
  Layer.succeed(OAuthClient, makeTest(operations))
