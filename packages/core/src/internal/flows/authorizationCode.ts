/** The authorization-code half shared by the browser, paste, custom-handler and two-step logins. */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as AuthorizeUrl from "../../AuthorizeUrl.ts"
import { InvalidCallbackUrl, LoginTimedOut, MissingAuthorizationCode } from "../../LoginError.ts"
import type { AuthorizationFailed } from "../../LoginError.ts"
import type * as LoginFlow from "../../LoginFlow.ts"
import { OAuthClient } from "../../OAuthClient.ts"
import type { TokenResponse } from "../../OAuthClient.ts"
import * as Pkce from "../../Pkce.ts"
import { ProviderProfile } from "../../ProviderProfile.ts"
import type { LoginMethod } from "../../RuntimeFacts.ts"
import * as TokenSet from "../../TokenSet.ts"
import * as Workspace from "../../Workspace.ts"
import { interpretCallback } from "./callback.ts"

export interface Secrets {
  readonly state: Redacted.Redacted<string>
  readonly codeVerifier: Redacted.Redacted<string>
  readonly codeChallenge: string
}

export const secrets: Effect.Effect<Secrets> = Effect.gen(function*() {
  const pkce = yield* Pkce.generate
  const state = Redacted.make(yield* Pkce.generateState)
  return { state, codeVerifier: pkce.codeVerifier, codeChallenge: pkce.codeChallenge }
})

export const authorizeUrl = (
  profile: ProviderProfile,
  secrets: Secrets,
  redirectUri: string,
  allowedWorkspaceIds: ReadonlyArray<string> | undefined
): string =>
  AuthorizeUrl.make(profile, {
    redirectUri,
    codeChallenge: secrets.codeChallenge,
    state: Redacted.value(secrets.state),
    allowedWorkspaceIds
  })

/** The redirect URI of a flow without a listening loopback: the profile's first port. */
export const defaultRedirectUri = (profile: ProviderProfile): string =>
  `http://127.0.0.1:${profile.loopbackPorts[0] ?? 1455}${profile.callbackPath}`

/**
 * Validates all of a pasted or handler-returned callback URL against the redirect URI of this login:
 * scheme, host, port, path, then (in the order of §4) state, error, code.
 */
export const codeFromCallbackUrl = (
  input: string,
  redirectUri: string,
  state: Redacted.Redacted<string>
): Effect.Effect<Redacted.Redacted<string>, InvalidCallbackUrl | AuthorizationFailed | MissingAuthorizationCode> =>
  Effect.gen(function*() {
    const expected = new URL(redirectUri)
    const trimmed = input.trim()
    if (!URL.canParse(trimmed)) return yield* new InvalidCallbackUrl({ reason: "it is not a URL" })
    const url = new URL(trimmed)
    if (url.protocol !== expected.protocol) {
      return yield* new InvalidCallbackUrl({ reason: `the scheme is not ${expected.protocol.slice(0, -1)}` })
    }
    if (url.hostname !== expected.hostname || url.port !== expected.port) {
      return yield* new InvalidCallbackUrl({ reason: `the address is not ${expected.host}` })
    }
    if (url.pathname !== expected.pathname) {
      return yield* new InvalidCallbackUrl({ reason: `the path is not ${expected.pathname}` })
    }
    const outcome = interpretCallback(url.searchParams, state)
    switch (outcome._tag) {
      case "StateMismatch":
        return yield* new InvalidCallbackUrl({ reason: "its state does not belong to this login" })
      case "Failed":
        return yield* outcome.error
      case "MissingCode":
        return yield* new MissingAuthorizationCode()
      case "Code":
        return outcome.code
    }
  })

/** Token response → token set → workspace check → (browser-style flows) best-effort API-key exchange. */
export const complete = (
  response: TokenResponse,
  method: LoginMethod,
  options: { readonly allowedWorkspaceIds?: ReadonlyArray<string> | undefined; readonly apiKey: boolean }
): Effect.Effect<LoginFlow.LoginResult, LoginFlow.CompletionError, OAuthClient | ProviderProfile> =>
  Effect.gen(function*() {
    const profile = yield* ProviderProfile
    const client = yield* OAuthClient
    const now = yield* Clock.currentTimeMillis
    const tokens = yield* TokenSet.fromTokenResponse(response, now, {
      provenance: { issuer: profile.issuer, clientId: profile.clientId }
    })
    yield* Workspace.check(tokens, options.allowedWorkspaceIds)
    const apiKey = options.apiKey ? yield* Effect.option(client.exchangeApiKey(tokens.idToken)) : Option.none()
    return { method, tokens, apiKey }
  })

/** Exchange an authorization code and complete the login. */
export const exchangeAndComplete = (
  code: Redacted.Redacted<string>,
  secrets: Secrets,
  redirectUri: string,
  method: LoginMethod,
  allowedWorkspaceIds: ReadonlyArray<string> | undefined
): Effect.Effect<LoginFlow.LoginResult, LoginFlow.CompletionError, OAuthClient | ProviderProfile> =>
  Effect.gen(function*() {
    const client = yield* OAuthClient
    const response = yield* client.exchangeCode({ code, codeVerifier: secrets.codeVerifier, redirectUri })
    return yield* complete(response, method, { allowedWorkspaceIds, apiKey: true })
  })

/** The query of the loopback's `302 /success?…` (PROTOCOL.md §4). */
export const successQuery = (
  result: LoginFlow.LoginResult,
  profile: ProviderProfile
): ReadonlyArray<readonly [string, string]> => {
  const id = result.tokens.idTokenInfo
  const access = result.tokens.accessTokenInfo
  const needsSetup = !Option.getOrElse(id.completedPlatformOnboarding, () => false) &&
    Option.getOrElse(id.isOrgOwner, () => false)
  return [
    ["id_token", Redacted.value(result.tokens.idToken)],
    ["needs_setup", String(needsSetup)],
    ["org_id", Option.getOrElse(id.organizationId, () => "")],
    ["project_id", Option.getOrElse(id.projectId, () => "")],
    [
      "plan_type",
      Option.getOrElse(
        Option.flatMap(access, (claims) => Option.map(claims.chatgptPlanType, (plan) => plan.raw)),
        () => ""
      )
    ],
    ["platform_url", profile.platformUrl]
  ]
}

export const withTimeout = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  flow: string,
  timeout: Duration.DurationInput
): Effect.Effect<A, E | LoginTimedOut, R> => {
  const duration = Duration.decode(timeout)
  return Effect.timeoutFail(self, {
    duration,
    onTimeout: () => new LoginTimedOut({ flow, timeoutMillis: Duration.toMillis(duration) })
  })
}
