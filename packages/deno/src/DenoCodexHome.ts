/**
 * `CODEX_HOME` on Deno: the `CODEX_HOME` variable (through `Config`), else `$HOME/.codex` (`USERPROFILE` on
 * Windows), created 0700 (PROTOCOL.md §8).
 *
 * @since 0.1.0
 */
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { SecretFileError } from "@codex-auth/core/SecretFile"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as DenoSecretFile from "./DenoSecretFile.ts"
import * as Platform from "./internal/fast/platform.ts"

/**
 * The user's home directory (`HOME`, or `USERPROFILE` on Windows).
 *
 * @since 0.1.0
 */
export const homeDirectory: () => string = Platform.homeDirectory

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  CodexHome.CodexHome,
  CodexHome.CodexHomeNotFound | SecretFileError | ConfigError.ConfigError
> = Layer.suspend(() => CodexHome.layerConfig({ homeDirectory: homeDirectory() })).pipe(
  Layer.provide(DenoSecretFile.layer)
)
