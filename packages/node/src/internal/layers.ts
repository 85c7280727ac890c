// Node's ports, wired into the engine the way every runtime wires them (`@codex-auth/core/RuntimeLayer`).
import * as RuntimeLayer from "@codex-auth/core/RuntimeLayer"
import * as NodeBrowserOpener from "../NodeBrowserOpener.ts"
import * as NodeCodexHome from "../NodeCodexHome.ts"
import * as NodeHttpClient from "../NodeHttpClient.ts"
import * as NodeLoopbackListener from "../NodeLoopbackListener.ts"
import * as NodeRuntimeFacts from "../NodeRuntimeFacts.ts"
import * as NodeSecretFile from "../NodeSecretFile.ts"
import * as Platform from "./fast/platform.ts"

export const layers: RuntimeLayer.RuntimeLayers = RuntimeLayer.make({
  secretFile: NodeSecretFile.layer,
  codexHome: NodeCodexHome.layer,
  loopbackListener: NodeLoopbackListener.layer,
  browserOpener: NodeBrowserOpener.layer,
  runtimeFacts: NodeRuntimeFacts.layer,
  httpClient: NodeHttpClient.layerConfig,
  userAgent: Platform.userAgent
})
