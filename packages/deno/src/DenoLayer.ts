/**
 * Every core port with Deno's APIs, in one layer: `SecretFile` (Deno files + `FsFile.tryLock`), `CodexHome`,
 * `LoopbackListener` (`Deno.serve` on 127.0.0.1), `BrowserOpener` (`Deno.Command`), `RuntimeFacts` and the §12
 * `HttpClient` (`Deno.createHttpClient`).
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
import * as DenoBrowserOpener from "./DenoBrowserOpener.ts"
import * as DenoCodexHome from "./DenoCodexHome.ts"
import * as DenoHttpClient from "./DenoHttpClient.ts"
import * as DenoLoopbackListener from "./DenoLoopbackListener.ts"
import * as DenoRuntimeFacts from "./DenoRuntimeFacts.ts"
import * as DenoSecretFile from "./DenoSecretFile.ts"

/**
 * The login ports: `LoopbackListener`, `BrowserOpener` and `RuntimeFacts`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoginPorts: Layer.Layer<LoopbackListener | BrowserOpener | RuntimeFacts> = Layer.mergeAll(
  DenoLoopbackListener.layer,
  DenoBrowserOpener.layer,
  DenoRuntimeFacts.layer
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
  Layer.mergeAll(DenoLoopbackListener.layer, DenoBrowserOpener.layer, DenoRuntimeFacts.layerWith(overrides))

/**
 * Every port this package implements.
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
 * What can stop the bundled layer from being built (a bad `CODEX_HOME` or CA bundle).
 *
 * @since 0.1.0
 * @category errors
 */
export type LayerError = CodexHome.CodexHomeNotFound | SecretFileError | CaCertificateInvalid | ConfigError.ConfigError

/**
 * Every port, configured from the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Services, LayerError> = Layer.mergeAll(
  DenoSecretFile.layer,
  DenoCodexHome.layer,
  layerLoginPorts,
  DenoHttpClient.layer
)
