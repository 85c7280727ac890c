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
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { HttpClientConfigError } from "./HttpClientConfig.ts"
import * as internal from "./internal/oauthClient.ts"
import type {
  DeviceCodeExpired,
  DeviceCodeNotEnabled,
  DeviceCodePollFailed,
  DeviceCodeRequestFailed,
  MalformedResponse,
  NetworkError,
  RefreshError,
  RevokeFailed,
  TokenEndpointError
} from "./OAuthError.ts"
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
 * @since 0.1.0
 * @category errors
 */
export type ExchangeError = TokenEndpointError | MalformedResponse | NetworkError | HttpClientConfigError

/**
 * @since 0.1.0
 * @category errors
 */
export type RequestDeviceCodeError =
  | DeviceCodeNotEnabled
  | DeviceCodeRequestFailed
  | MalformedResponse
  | NetworkError
  | HttpClientConfigError

/**
 * @since 0.1.0
 * @category errors
 */
export type PollDeviceCodeError = DeviceCodePollFailed | MalformedResponse | NetworkError | HttpClientConfigError

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
    ) => Effect.Effect<RefreshResponse, RefreshError>
    /** Best effort, with the profile's (short) revoke timeout. */
    readonly revoke: (input: RevokeInput, options?: RevokeOptions) => Effect.Effect<void, RevokeFailed>
    readonly requestDeviceCode: () => Effect.Effect<DeviceCode, RequestDeviceCodeError>
    /** One poll, no waiting. */
    readonly pollDeviceCode: (code: DeviceCode) => Effect.Effect<DevicePoll, PollDeviceCodeError>
    /** Polls until approved (first poll at once, `interval` apart, +5 s on slow-down), then exchanges the code. */
    readonly completeDeviceCode: (
      code: DeviceCode
    ) => Effect.Effect<TokenResponse, PollDeviceCodeError | DeviceCodeExpired | ExchangeError>
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
