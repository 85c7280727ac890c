/**
 * Every core port with Deno's APIs, in one layer: `SecretFile` (Deno files + `FsFile.tryLock`), `CodexHome`,
 * `LoopbackListener` (`Deno.serve` on 127.0.0.1), `BrowserOpener` (`Deno.Command`), `RuntimeFacts` and the §12
 * `HttpClient` (`Deno.createHttpClient`), wired as every runtime wires its ports (`@codex-auth/core/RuntimeLayer`).
 *
 * @since 0.1.0
 */
import type { Overrides } from "@codex-auth/core/RuntimeFacts"
import type * as RuntimeLayer from "@codex-auth/core/RuntimeLayer"
import type * as Layer from "effect/Layer"
import { layers } from "./internal/layers.ts"

/**
 * The login ports on Deno: `LoopbackListener` (`Deno.serve` on 127.0.0.1), `BrowserOpener` (`Deno.Command`) and
 * `RuntimeFacts` (`Deno.env`, `Deno.build`).
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
 * Every port on Deno, configured from the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RuntimeLayer.Services, RuntimeLayer.LayerError> = layers.layer
