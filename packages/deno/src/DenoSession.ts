/**
 * The session on Deno, wired like the Node one: `CODEX_HOME` and the file store (or memory, or a store layer of your
 * choice), the OAuth client over the §12 Deno HTTP client, the provider profile with Codex's env overrides, and the
 * Codex `User-Agent` for this machine.
 *
 * @since 0.1.0
 */
import * as CodexConfig from "@codex-auth/core/CodexConfig"
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as Headers from "@codex-auth/core/Headers"
import type { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
import * as ReadModel from "@codex-auth/core/ReadModel"
import type { SecretFileError } from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as DenoCodexHome from "./DenoCodexHome.ts"
import * as DenoHttpClient from "./DenoHttpClient.ts"
import * as DenoSecretFile from "./DenoSecretFile.ts"

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

const osName = (): string => {
  switch (Deno.build.os) {
    case "darwin":
      return "Mac OS"
    case "windows":
      return "Windows"
    case "linux":
      return "Linux"
    default:
      return Deno.build.os
  }
}

const archName = (): string => (Deno.build.arch === "aarch64" ? "arm64" : Deno.build.arch)

/**
 * The Codex `User-Agent` for this machine (the same string the Node runtime builds).
 *
 * @since 0.1.0
 * @category constructors
 */
export const userAgent = (originator: string, version: string): string =>
  Headers.userAgent({
    originator,
    version,
    os: osName(),
    osVersion: Deno.osRelease(),
    arch: archName(),
    // Only the two variables (Deno's env permission may be granted per name).
    terminal: ReadModel.terminal((name) => Deno.env.get(name))
  })

/** `CODEX_HOME/config.toml`'s §10 policy, for the session. */
const codexConfig = (overrides: ReadonlyArray<string>) =>
  Effect.flatMap(CodexHome.CodexHome, (home) => CodexConfig.load(home.path, overrides)).pipe(
    Effect.provide(DenoCodexHome.layer),
    Effect.provide(DenoSecretFile.layer)
  )

/**
 * The file store in `CODEX_HOME`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileStore: Layer.Layer<CredentialStore, SessionLayerError> = FileCredentialStore.layer.pipe(
  Layer.provide(DenoCodexHome.layer),
  Layer.provide(DenoSecretFile.layer)
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Session.Session, SessionLayerError> =>
  Session.layerConfig(options, {
    fileStore: layerFileStore,
    httpClient: DenoHttpClient.layer,
    userAgent,
    codexConfig
  })
