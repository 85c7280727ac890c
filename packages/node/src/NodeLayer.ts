/**
 * The Node implementations of the login ports in one layer: `LoopbackListener` (`node:http` on 127.0.0.1),
 * `BrowserOpener` (the platform's opener) and `RuntimeFacts` (this process's environment).
 *
 * @since 0.1.0
 */
import type { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import type { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import type { Overrides, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import * as Layer from "effect/Layer"
import * as NodeBrowserOpener from "./NodeBrowserOpener.ts"
import * as NodeLoopbackListener from "./NodeLoopbackListener.ts"
import * as NodeRuntimeFacts from "./NodeRuntimeFacts.ts"

/**
 * @since 0.1.0
 * @category layers
 */
export const layerLoginPorts: Layer.Layer<LoopbackListener | BrowserOpener | RuntimeFacts> = Layer.mergeAll(
  NodeLoopbackListener.layer,
  NodeBrowserOpener.layer,
  NodeRuntimeFacts.layer
)

/**
 * As {@link layerLoginPorts}, with explicit overrides of the detected facts.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoginPortsWith = (
  overrides: Overrides
): Layer.Layer<LoopbackListener | BrowserOpener | RuntimeFacts> =>
  Layer.mergeAll(NodeLoopbackListener.layer, NodeBrowserOpener.layer, NodeRuntimeFacts.layerWith(overrides))
