/**
 * Node's ports for the facade, the CLI and the broker every runtime shares (`@codex-auth/facade/Facade`,
 * `@codex-auth/cli/Cli`, `@codex-auth/broker/node`), as `DenoPlatform` gives Deno's: the Node file port, home
 * directory, §12 HTTP client, User-Agent, loopback listener, browser opener, runtime facts, the stderr terminal and
 * the PostgreSQL store (loaded only when chosen).
 *
 * @since 0.1.0
 */
import type * as Facade from "@codex-auth/facade/Facade"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Os from "node:os"
import * as StderrTerminal from "./internal/facade/terminal.ts"
import * as NodeBrowserOpener from "./NodeBrowserOpener.ts"
import * as NodeHttpClient from "./NodeHttpClient.ts"
import * as NodeLoopbackListener from "./NodeLoopbackListener.ts"
import * as NodeRuntimeFacts from "./NodeRuntimeFacts.ts"
import * as NodeSecretFile from "./NodeSecretFile.ts"
import * as NodeSession from "./NodeSession.ts"

/**
 * @since 0.1.0
 * @category platform
 */
export const platform: Facade.Platform = {
  secretFile: NodeSecretFile.layer,
  homeDirectory: () => Os.homedir(),
  httpClient: NodeHttpClient.layerConfig,
  userAgent: NodeSession.userAgent,
  loopbackListener: NodeLoopbackListener.layer,
  browserOpener: NodeBrowserOpener.layer,
  runtimeFacts: NodeRuntimeFacts.layer,
  terminal: StderrTerminal.layer,
  // The driver loads only when the PostgreSQL store is chosen (an optional peer: file-only installs lack it).
  postgresStore: () =>
    Layer.unwrapEffect(
      Effect.map(
        Effect.promise(() => import("@codex-auth/postgres/PostgresCredentialStore")),
        (module) => module.layerConfig()
      )
    )
}
