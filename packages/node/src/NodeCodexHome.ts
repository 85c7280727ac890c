/**
 * `CODEX_HOME` on Node: the `CODEX_HOME` variable (through `Config`, so the default provider reads `process.env`),
 * else `os.homedir()/.codex`, created 0700 (PROTOCOL.md §8).
 *
 * @since 0.1.0
 */
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { SecretFileError } from "@codex-auth/core/SecretFile"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as Os from "node:os"
import * as NodeSecretFile from "./NodeSecretFile.ts"

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  CodexHome.CodexHome,
  CodexHome.CodexHomeNotFound | SecretFileError | ConfigError.ConfigError
> = Layer.suspend(() => CodexHome.layerConfig({ homeDirectory: Os.homedir() })).pipe(
  Layer.provide(NodeSecretFile.layer)
)
