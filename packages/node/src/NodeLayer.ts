/**
 * Every port of the engine on Node, as `DenoLayer.layer` bundles Deno's: the secret files, `CODEX_HOME` (§8), the
 * login ports — `LoopbackListener` (`node:http` on 127.0.0.1), `BrowserOpener` (the platform's opener) and
 * `RuntimeFacts` (this process's environment) — and the §12 HTTP client, each configured from the one environment
 * (`Environment`), wired as every runtime wires its ports (`@codex-auth/core/RuntimeLayer`).
 *
 * @since 0.1.0
 */
import type { Overrides } from "@codex-auth/core/RuntimeFacts"
import type * as RuntimeLayer from "@codex-auth/core/RuntimeLayer"
import type * as Layer from "effect/Layer"
import { layers } from "./internal/layers.ts"

/**
 * The login ports on Node: `LoopbackListener` (`node:http` on 127.0.0.1), `BrowserOpener` (the platform's opener) and
 * `RuntimeFacts` (this process's environment).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoginPorts: (overrides?: Overrides) => Layer.Layer<RuntimeLayer.LoginPorts> = layers.layerLoginPorts

/**
 * Every port this package implements, and what can stop the bundled layer from being built (a bad `CODEX_HOME` or
 * CA bundle).
 *
 * @since 0.1.0
 * @category models
 */
export type { LayerError, Services } from "@codex-auth/core/RuntimeLayer"

/**
 * Every port on Node, configured from the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RuntimeLayer.Services, RuntimeLayer.LayerError> = layers.layer
