// Deno's ports, wired into the engine the way every runtime wires them (`@codex-auth/core/RuntimeLayer`).
import * as RuntimeLayer from "@codex-auth/core/RuntimeLayer"
import * as DenoBrowserOpener from "../DenoBrowserOpener.ts"
import * as DenoCodexHome from "../DenoCodexHome.ts"
import * as DenoHttpClient from "../DenoHttpClient.ts"
import * as DenoLoopbackListener from "../DenoLoopbackListener.ts"
import * as DenoRuntimeFacts from "../DenoRuntimeFacts.ts"
import * as DenoSecretFile from "../DenoSecretFile.ts"
import { userAgent } from "./userAgent.ts"

export const layers: RuntimeLayer.RuntimeLayers = RuntimeLayer.make({
  secretFile: DenoSecretFile.layer,
  codexHome: DenoCodexHome.layer,
  loopbackListener: DenoLoopbackListener.layer,
  browserOpener: DenoBrowserOpener.layer,
  runtimeFacts: DenoRuntimeFacts.layer,
  httpClient: DenoHttpClient.layerConfig,
  userAgent
})
