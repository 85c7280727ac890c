/** The device-code login (PROTOCOL.md §6). Polling, `slow_down` and expiry live in `OAuthClient`. */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { LoginTimedOut } from "../../LoginError.ts"
import * as LoginFlow from "../../LoginFlow.ts"
import { LoginEvent, LoginPresenter } from "../../LoginPresenter.ts"
import { OAuthClient } from "../../OAuthClient.ts"
import type { PollDeviceCodeError, RequestDeviceCodeError } from "../../OAuthClient.ts"
import type { DeviceCodeExpired } from "../../OAuthError.ts"
import { ProviderProfile } from "../../ProviderProfile.ts"
import { complete, withTimeout } from "./authorizationCode.ts"

export type DeviceError =
  | RequestDeviceCodeError
  | PollDeviceCodeError
  | DeviceCodeExpired
  | LoginTimedOut
  | LoginFlow.CompletionError

export const run = (
  options: LoginFlow.Options
): Effect.Effect<LoginFlow.LoginResult, DeviceError, OAuthClient | ProviderProfile | LoginPresenter> =>
  Effect.gen(function*() {
    const client = yield* OAuthClient
    const profile = yield* ProviderProfile
    const presenter = yield* LoginPresenter
    const code = yield* client.requestDeviceCode()
    const now = yield* Clock.currentTimeMillis
    yield* presenter.present(LoginEvent.DeviceCodeIssued({
      verificationUrl: code.verificationUrl,
      userCode: code.userCode,
      expiresAt: now + Duration.toMillis(profile.deviceCodeLifetime),
      intervalMillis: Duration.toMillis(code.interval)
    }))
    const response = yield* client.completeDeviceCode(code)
    yield* presenter.present(LoginEvent.CallbackReceived({ method: "device" }))
    return yield* complete(response, "device", { allowedWorkspaceIds: options.allowedWorkspaceIds, apiKey: false })
  }).pipe((self) => withTimeout(self, "device code", options.timeout ?? LoginFlow.defaultTimeout))
