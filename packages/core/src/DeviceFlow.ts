/**
 * The device-code login (PROTOCOL.md §6): the presenter shows the verification URL and the code, the
 * `OAuthClient` polls at the server's interval (backing off on `slow_down`) until approval or expiry.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as internal from "./internal/flows/device.ts"
import type * as LoginFlow from "./LoginFlow.ts"
import type { LoginPresenter } from "./LoginPresenter.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import type { ProviderProfile } from "./ProviderProfile.ts"

/**
 * @since 0.1.0
 */
export type DeviceFlowError = internal.DeviceError

/**
 * Run the device-code login. It stores no API key (upstream makes no API-key exchange here).
 *
 * @since 0.1.0
 */
export const run: (
  options?: LoginFlow.Options
) => Effect.Effect<LoginFlow.LoginResult, DeviceFlowError, OAuthClient | ProviderProfile | LoginPresenter> = Effect.fn(
  "DeviceFlow.run"
)(function*(options: LoginFlow.Options = {}) {
  return yield* internal.run(options)
})
