/**
 * The session environment shared by the CLI, the facade and the demo: the one implementation in
 * `@codex-auth/facade/Facade` with Node's ports.
 */
import * as Facade from "@codex-auth/facade/Facade"
import { platform } from "../../NodePlatform.ts"

export type { StoreChoice } from "@codex-auth/facade/FacadeRuntime"

export type EnvironmentOptions = Facade.EnvironmentOptions

export const layer = (options: EnvironmentOptions = {}): ReturnType<typeof Facade.layer> =>
  Facade.layer(platform, options)
