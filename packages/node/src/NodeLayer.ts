/**
 * The Node implementations of the login ports in one layer: `LoopbackListener` (`node:http` on 127.0.0.1),
 * `BrowserOpener` (the platform's opener) and `RuntimeFacts` (this process's environment).
 *
 * @since 0.1.0
 */
import type { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import type * as CodexHome from "@codex-auth/core/CodexHome"
import type { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
import type { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import type { Overrides, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import type { SecretFile, SecretFileError } from "@codex-auth/core/SecretFile"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as NodeBrowserOpener from "./NodeBrowserOpener.ts"
import * as NodeCodexHome from "./NodeCodexHome.ts"
import * as NodeHttpClient from "./NodeHttpClient.ts"
import * as NodeLoopbackListener from "./NodeLoopbackListener.ts"
import * as NodeRuntimeFacts from "./NodeRuntimeFacts.ts"
import * as NodeSecretFile from "./NodeSecretFile.ts"

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

/**
 * Every port of the engine on Node, as `DenoLayer.layer` bundles Deno's: the secret files, `CODEX_HOME` (§8), the
 * login ports and the §12 HTTP client, each configured from the one environment (`Environment`).
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | SecretFile
  | CodexHome.CodexHome
  | LoopbackListener
  | BrowserOpener
  | RuntimeFacts
  | HttpClient.HttpClient

/**
 * @since 0.1.0
 * @category models
 */
export type LayerError = CodexHome.CodexHomeNotFound | SecretFileError | CaCertificateInvalid | ConfigError.ConfigError

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Services, LayerError> = Layer.mergeAll(
  NodeSecretFile.layer,
  NodeCodexHome.layer,
  layerLoginPorts,
  NodeHttpClient.layer
)
