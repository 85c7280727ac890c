/**
 * The session on Node, wired: `CODEX_HOME` and the file store (or memory, or a store layer of your choice), the
 * OAuth client over the §12 undici client, the provider profile with Codex's env overrides, and the Codex
 * `User-Agent` for this machine.
 *
 * @since 0.1.0
 */
import * as CodexConfig from "@codex-auth/core/CodexConfig"
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import type { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
import type { SecretFileError } from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Platform from "./internal/fast/platform.ts"
import * as NodeCodexHome from "./NodeCodexHome.ts"
import * as NodeHttpClient from "./NodeHttpClient.ts"
import * as NodeSecretFile from "./NodeSecretFile.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Session.ConfiguredOptions<SessionLayerError> {}

/**
 * What can stop the session from being built.
 *
 * @since 0.1.0
 * @category errors
 */
export type SessionLayerError =
  | CodexHome.CodexHomeNotFound
  | SecretFileError
  | CaCertificateInvalid
  | ConfigError.ConfigError
  | CodexConfig.CodexConfigInvalid
  | CodexConfig.PolicyConflict

/**
 * The Codex `User-Agent` for this machine.
 *
 * @since 0.1.0
 * @category constructors
 */
export const userAgent = (originator: string, version: string): string => Platform.userAgent(originator, version)

/** `CODEX_HOME/config.toml`'s §10 policy, for the session. */
const codexConfig = (overrides: ReadonlyArray<string>) =>
  Effect.flatMap(CodexHome.CodexHome, (home) => CodexConfig.load(home.path, overrides)).pipe(
    Effect.provide(NodeCodexHome.layer),
    Effect.provide(NodeSecretFile.layer)
  )

/**
 * The file store in `CODEX_HOME`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileStore: Layer.Layer<CredentialStore, SessionLayerError> = FileCredentialStore.layer.pipe(
  Layer.provide(NodeCodexHome.layer),
  Layer.provide(NodeSecretFile.layer)
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Session.Session, SessionLayerError> =>
  Session.layerConfig(options, {
    fileStore: layerFileStore,
    httpClient: NodeHttpClient.layer,
    userAgent,
    codexConfig
  })
