/**
 * How a runtime package wires its ports into the engine, written once: give the runtime's layers (secret files,
 * `CODEX_HOME`, the login ports, the §12 HTTP client) and its `User-Agent`, get the bundled layer, the login-ports
 * layers, the file store and the configured session. `@codex-auth/node` and `@codex-auth/deno` each instantiate it
 * with their own APIs.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { BrowserOpener } from "./BrowserOpener.ts"
import * as CodexConfig from "./CodexConfig.ts"
import * as CodexHome from "./CodexHome.ts"
import type { CredentialStore } from "./CredentialStore.ts"
import * as FileCredentialStore from "./FileCredentialStore.ts"
import type { CaCertificateInvalid } from "./HttpClientConfig.ts"
import type { LoopbackListener } from "./LoopbackListener.ts"
import type { Overrides, RuntimeFacts } from "./RuntimeFacts.ts"
import type { SecretFile, SecretFileError } from "./SecretFile.ts"
import * as Session from "./Session.ts"

/**
 * The login ports: `LoopbackListener`, `BrowserOpener` and `RuntimeFacts`.
 *
 * @since 0.1.0
 * @category models
 */
export type LoginPorts = LoopbackListener | BrowserOpener | RuntimeFacts

/**
 * Every port a runtime package implements.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = SecretFile | CodexHome.CodexHome | LoginPorts | HttpClient.HttpClient

/**
 * What can stop the bundled layer from being built (a bad `CODEX_HOME` or CA bundle).
 *
 * @since 0.1.0
 * @category errors
 */
export type LayerError = CodexHome.CodexHomeNotFound | SecretFileError | CaCertificateInvalid | ConfigError.ConfigError

/**
 * What can stop the session from being built.
 *
 * @since 0.1.0
 * @category errors
 */
export type SessionLayerError = LayerError | CodexConfig.CodexConfigInvalid | CodexConfig.PolicyConflict

/**
 * The options of a runtime's session layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionOptions extends Session.ConfiguredOptions<SessionLayerError> {}

/**
 * What a runtime gives: its implementation of each port.
 *
 * @since 0.1.0
 * @category models
 */
export interface Ports {
  readonly secretFile: Layer.Layer<SecretFile>
  readonly codexHome: Layer.Layer<
    CodexHome.CodexHome,
    CodexHome.CodexHomeNotFound | SecretFileError | ConfigError.ConfigError
  >
  readonly loopbackListener: Layer.Layer<LoopbackListener>
  readonly browserOpener: Layer.Layer<BrowserOpener>
  /** The detected facts, with explicit overrides when given. */
  readonly runtimeFacts: (overrides?: Overrides) => Layer.Layer<RuntimeFacts>
  readonly httpClient: Layer.Layer<HttpClient.HttpClient, CaCertificateInvalid | ConfigError.ConfigError>
  /** The Codex `User-Agent` for this machine. */
  readonly userAgent: (originator: string, version: string) => string
}

/**
 * The layers built from a runtime's ports.
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeLayers {
  /** The login ports, the facts detected, with explicit overrides when given. */
  readonly layerLoginPorts: (overrides?: Overrides) => Layer.Layer<LoginPorts>
  /** Every port, configured from the environment. */
  readonly layer: Layer.Layer<Services, LayerError>
  /** The file store in `CODEX_HOME`. */
  readonly layerFileStore: Layer.Layer<CredentialStore, SessionLayerError>
  /** The session: the file store (or memory, or a store layer of your choice), the OAuth client, the profile. */
  readonly layerSession: (options?: SessionOptions) => Layer.Layer<Session.Session, SessionLayerError>
}

/**
 * The layers of a runtime, from its ports.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (ports: Ports): RuntimeLayers => {
  const layerLoginPorts = (overrides?: Overrides): Layer.Layer<LoginPorts> =>
    Layer.mergeAll(ports.loopbackListener, ports.browserOpener, ports.runtimeFacts(overrides))
  const layerFileStore: Layer.Layer<CredentialStore, SessionLayerError> = FileCredentialStore.layer.pipe(
    Layer.provide(ports.codexHome),
    Layer.provide(ports.secretFile)
  )
  /** `CODEX_HOME/config.toml`'s §10 policy, for the session. */
  const codexConfig = (overrides: ReadonlyArray<string>) =>
    Effect.flatMap(CodexHome.CodexHome, (home) => CodexConfig.load(home.path, overrides)).pipe(
      Effect.provide(ports.codexHome),
      Effect.provide(ports.secretFile)
    )
  return {
    layerLoginPorts,
    layer: Layer.mergeAll(ports.secretFile, ports.codexHome, layerLoginPorts(), ports.httpClient),
    layerFileStore,
    layerSession: (options = {}) =>
      Session.layerConfig(options, {
        fileStore: layerFileStore,
        httpClient: ports.httpClient,
        userAgent: ports.userAgent,
        codexConfig
      })
  }
}
