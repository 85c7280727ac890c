/**
 * Deno's ports for the facade and the CLI every runtime shares (`@codex-auth/facade/Facade`,
 * `@codex-auth/cli/Cli`): the Deno file port, home directory, §12 HTTP client, User-Agent, loopback listener,
 * browser opener, runtime facts, the stderr terminal, and the PostgreSQL store (`@codex-auth/postgres` over
 * `@effect/sql-pg`, through Deno's npm compatibility; loaded only when `--store postgres` is chosen).
 *
 * @since 0.1.0
 */
import type * as Facade from "@codex-auth/facade/Facade"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as DenoBrowserOpener from "./DenoBrowserOpener.ts"
import * as DenoCodexHome from "./DenoCodexHome.ts"
import * as DenoHttpClient from "./DenoHttpClient.ts"
import * as DenoLoopbackListener from "./DenoLoopbackListener.ts"
import * as DenoRuntimeFacts from "./DenoRuntimeFacts.ts"
import * as DenoSecretFile from "./DenoSecretFile.ts"
import * as DenoTerminal from "./DenoTerminal.ts"
import * as UserAgent from "./internal/userAgent.ts"

// A computed specifier: Deno fetches and links a literal `import()`'s whole graph (here @effect/sql-pg and pg)
// before the program starts, which every engine start would pay for a store few choose.
const postgresModule: string = "@codex-auth/postgres/PostgresCredentialStore"

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
  terminal: DenoTerminal.layer,
  postgresStore: () =>
    Layer.unwrapEffect(
      Effect.map(
        Effect.promise(() => import(postgresModule)),
        (module) => module.layerConfig()
      )
    )
}
