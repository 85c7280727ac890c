/**
 * Deno's ports for the facade and the CLI every runtime shares (`@codex-auth/facade/Facade`,
 * `@codex-auth/cli/Cli`): the Deno file port, home directory, §12 HTTP client, User-Agent, loopback listener,
 * browser opener, runtime facts and the stderr terminal.
 *
 * @since 0.1.0
 */
import type * as Facade from "@codex-auth/facade/Facade"
import * as DenoBrowserOpener from "./DenoBrowserOpener.ts"
import * as DenoCodexHome from "./DenoCodexHome.ts"
import * as DenoHttpClient from "./DenoHttpClient.ts"
import * as DenoLoopbackListener from "./DenoLoopbackListener.ts"
import * as DenoRuntimeFacts from "./DenoRuntimeFacts.ts"
import * as DenoSecretFile from "./DenoSecretFile.ts"
import * as DenoTerminal from "./DenoTerminal.ts"
import * as UserAgent from "./internal/userAgent.ts"

/**
 * @since 0.1.0
 * @category platform
 */
export const platform: Facade.Platform = {
  secretFile: DenoSecretFile.layer,
  homeDirectory: DenoCodexHome.homeDirectory,
  httpClient: DenoHttpClient.layerConfig,
  userAgent: UserAgent.userAgent,
  loopbackListener: DenoLoopbackListener.layer,
  browserOpener: DenoBrowserOpener.layer,
  runtimeFacts: DenoRuntimeFacts.layer,
  terminal: DenoTerminal.layer
}
