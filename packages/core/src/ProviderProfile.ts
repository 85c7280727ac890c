/**
 * The provider profile: every constant of the "Sign in with ChatGPT" protocol (PROTOCOL.md §1) as one
 * overridable value, so the same engine talks to auth.openai.com, the local emulator or another issuer.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Environment from "./Environment.ts"
import * as rules from "./internal/plainRules.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface ProviderProfile {
  /** Base URL of the issuer, without a trailing `/`. */
  readonly issuer: string
  readonly clientId: string
  readonly scopes: ReadonlyArray<string>
  /** Loopback ports tried in order; the issuer allow-lists only these. */
  readonly loopbackPorts: ReadonlyArray<number>
  readonly callbackPath: string
  readonly originator: string
  readonly authorizeUrl: string
  readonly tokenUrl: string
  readonly refreshTokenUrl: string
  readonly revokeTokenUrl: string
  /**
   * The refresh URL an override named (`CODEX_REFRESH_TOKEN_URL_OVERRIDE`): it wins over the issuer the tokens came
   * from (§5). None: refresh where the tokens were minted.
   */
  readonly refreshTokenUrlOverride: Option.Option<string>
  /**
   * The revocation URL an override named (`CODEX_REVOKE_TOKEN_URL_OVERRIDE`, or an explicit `revokeTokenUrl`): it wins
   * over the issuer the tokens came from. None: revoke where the tokens were minted.
   */
  readonly revokeTokenUrlOverride: Option.Option<string>
  readonly deviceUserCodeUrl: string
  readonly deviceTokenUrl: string
  readonly deviceVerificationUrl: string
  readonly deviceRedirectUri: string
  readonly deviceCodeLifetime: Duration.Duration
  /** Where the success page sends users who still have to set up the API platform. */
  readonly platformUrl: string
  /** Applied to every request to the issuer. */
  readonly requestTimeout: Duration.Duration
  /** Revocation is best effort: a slow issuer must not hold up a logout (PROTOCOL.md §7). */
  readonly revokeTimeout: Duration.Duration
  /**
   * One refresh grant, held under `auth.lock`: bounded so that a hung issuer never keeps the Codex CLI from saving for
   * long. Default the smaller of `requestTimeout` and 15 seconds.
   */
  readonly refreshTimeout: Duration.Duration
  readonly userAgent: string
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultIssuer: string = "https://auth.openai.com"

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultClientId: string = "app_EMoamEEZ73f0CkXaXp7hrann"

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultScopes: ReadonlyArray<string> = [
  "openid",
  "profile",
  "email",
  "offline_access",
  "api.connectors.read",
  "api.connectors.invoke"
]

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultOriginator: string = rules.defaultOriginator

/**
 * The version of the Codex CLI whose wire behaviour this project matches.
 *
 * @since 0.1.0
 * @category constants
 */
export const codexVersion: string = rules.codexVersion

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultUserAgent: string = `${defaultOriginator}/${codexVersion}`

/**
 * Fields a caller may override; every URL not given is derived from `issuer`.
 *
 * @since 0.1.0
 * @category models
 */
export type Overrides = { readonly [K in keyof ProviderProfile]?: ProviderProfile[K] | undefined }

const trimTrailingSlashes = (url: string): string => url.replace(/\/+$/, "")

/**
 * Builds a profile: the OpenAI Codex defaults, with `overrides` applied and every URL that was not
 * overridden derived from the (trimmed) issuer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (overrides: Overrides = {}): ProviderProfile => {
  const issuer = trimTrailingSlashes(overrides.issuer ?? defaultIssuer)
  const originator = overrides.originator ?? defaultOriginator
  return {
    issuer,
    clientId: overrides.clientId ?? defaultClientId,
    scopes: overrides.scopes ?? defaultScopes,
    loopbackPorts: overrides.loopbackPorts ?? [1455, 1457],
    callbackPath: overrides.callbackPath ?? "/auth/callback",
    originator,
    authorizeUrl: overrides.authorizeUrl ?? `${issuer}/oauth/authorize`,
    tokenUrl: overrides.tokenUrl ?? `${issuer}/oauth/token`,
    refreshTokenUrl: Option.getOrUndefined(overrides.refreshTokenUrlOverride ?? Option.none()) ??
      overrides.refreshTokenUrl ?? `${issuer}/oauth/token`,
    revokeTokenUrl: Option.getOrUndefined(overrides.revokeTokenUrlOverride ?? Option.none()) ??
      overrides.revokeTokenUrl ?? `${issuer}/oauth/revoke`,
    refreshTokenUrlOverride: overrides.refreshTokenUrlOverride ?? Option.none(),
    revokeTokenUrlOverride: overrides.revokeTokenUrlOverride ??
      (overrides.revokeTokenUrl === undefined ? Option.none() : Option.some(overrides.revokeTokenUrl)),
    deviceUserCodeUrl: overrides.deviceUserCodeUrl ?? `${issuer}/api/accounts/deviceauth/usercode`,
    deviceTokenUrl: overrides.deviceTokenUrl ?? `${issuer}/api/accounts/deviceauth/token`,
    deviceVerificationUrl: overrides.deviceVerificationUrl ?? `${issuer}/codex/device`,
    deviceRedirectUri: overrides.deviceRedirectUri ?? `${issuer}/deviceauth/callback`,
    deviceCodeLifetime: overrides.deviceCodeLifetime ?? Duration.minutes(15),
    // Upstream sends users of any non-default issuer to the staging platform.
    platformUrl: overrides.platformUrl ??
      (issuer === defaultIssuer ? "https://platform.openai.com" : "https://platform.api.openai.org"),
    requestTimeout: overrides.requestTimeout ?? Duration.seconds(30),
    refreshTimeout: overrides.refreshTimeout ??
      Duration.min(overrides.requestTimeout ?? Duration.seconds(30), Duration.seconds(15)),
    revokeTimeout: overrides.revokeTimeout ?? Duration.seconds(10),
    userAgent: overrides.userAgent ?? `${originator}/${codexVersion}`
  }
}

/**
 * The OpenAI Codex profile, exactly as the Codex CLI uses it.
 *
 * @since 0.1.0
 * @category constants
 */
export const openAI: ProviderProfile = make()

/**
 * The redirect URI the issuer expects for a loopback login on `port`.
 *
 * @since 0.1.0
 * @category utils
 */
export const redirectUri = (profile: ProviderProfile, port: number): string =>
  `http://127.0.0.1:${port}${profile.callbackPath}`

/**
 * The service tag; the identifier type is the profile itself, so requirements read `ProviderProfile`.
 *
 * @since 0.1.0
 * @category tags
 */
export const ProviderProfile: Context.TagClass<ProviderProfile, "@codex-auth/core/ProviderProfile", ProviderProfile> =
  class ProviderProfileTag
    extends Context.Tag("@codex-auth/core/ProviderProfile")<ProviderProfile, ProviderProfile>()
  {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (profile: ProviderProfile = openAI): Layer.Layer<ProviderProfile> =>
  Layer.succeed(ProviderProfile, profile)

/**
 * The profile from the environment (see `Environment`): `CODEX_AUTH_ISSUER` when `overrides` names no issuer, and
 * Codex's overrides `CODEX_REFRESH_TOKEN_URL_OVERRIDE` and `CODEX_REVOKE_TOKEN_URL_OVERRIDE` (empty means unset),
 * kept as `refreshTokenUrlOverride` / `revokeTokenUrlOverride`. Like upstream, they win over any issuer.
 *
 * @since 0.1.0
 * @category config
 */
export const config = (overrides: Overrides = {}): Config.Config<ProviderProfile> =>
  Config.all({
    issuer: Environment.issuer,
    refreshTokenUrl: Environment.refreshTokenUrlOverride,
    revokeTokenUrl: Environment.revokeTokenUrlOverride
  }).pipe(Config.map((found) => resolve(overrides, found)))

const resolve = (
  overrides: Overrides,
  found: {
    readonly issuer: Option.Option<string>
    readonly refreshTokenUrl: Option.Option<string>
    readonly revokeTokenUrl: Option.Option<string>
  }
): ProviderProfile =>
  make({
    ...overrides,
    issuer: overrides.issuer ?? Option.getOrUndefined(found.issuer),
    refreshTokenUrlOverride: Option.orElse(
      found.refreshTokenUrl,
      () => overrides.refreshTokenUrlOverride ?? Option.none()
    ),
    revokeTokenUrlOverride: Option.isSome(found.revokeTokenUrl)
      ? found.revokeTokenUrl
      : overrides.revokeTokenUrlOverride
  })

/**
 * The profile {@link config} gives, from the settings the Effect-free startup paths read (`ReadModel.environment`,
 * the same variables parsed the same way): for a caller without the Effect runtime.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromSettings = (
  settings: {
    readonly issuer: string | undefined
    readonly refreshTokenUrlOverride: string | undefined
    readonly revokeTokenUrlOverride: string | undefined
  },
  overrides: Overrides = {}
): ProviderProfile =>
  resolve(overrides, {
    issuer: Option.fromNullable(settings.issuer),
    refreshTokenUrl: Option.fromNullable(settings.refreshTokenUrlOverride),
    revokeTokenUrl: Option.fromNullable(settings.revokeTokenUrlOverride)
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (overrides: Overrides = {}): Layer.Layer<ProviderProfile, ConfigError.ConfigError> =>
  Layer.effect(ProviderProfile, config(overrides))
