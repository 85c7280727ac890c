/**
 * The custom-handler adapter: an embedder's function receives the authorize URL and the redirect URI and
 * returns the callback URL, as a Promise or an Effect (e.g. a webview that watches for the redirect).
 *
 * @since 0.1.0
 */
import * as CustomLoginHandler from "@codex-auth/core/CustomLoginHandler"
import type { PasteRequest } from "@codex-auth/core/LoginPresenter"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category layers
 */
export const layerPromise = (
  handler: (request: PasteRequest) => Promise<string>
): Layer.Layer<CustomLoginHandler.CustomLoginHandler> => CustomLoginHandler.layer(handler)

/**
 * @since 0.1.0
 * @category layers
 */
export const layerEffect = (
  handler: (request: PasteRequest) => Effect.Effect<string, unknown>
): Layer.Layer<CustomLoginHandler.CustomLoginHandler> => CustomLoginHandler.layer(handler)
