/**
 * codex-auth for Deno: Deno implementations of every core port, one bundled layer, the session wiring and the
 * emulator server.
 *
 * @module
 */
export * as DenoBrowserOpener from "./src/DenoBrowserOpener.ts"
export * as DenoCodexHome from "./src/DenoCodexHome.ts"
export * as DenoEmulator from "./src/DenoEmulator.ts"
export * as DenoHttpClient from "./src/DenoHttpClient.ts"
export * as DenoLayer from "./src/DenoLayer.ts"
export * as DenoLoopbackListener from "./src/DenoLoopbackListener.ts"
export * as DenoRuntimeFacts from "./src/DenoRuntimeFacts.ts"
export * as DenoSecretFile from "./src/DenoSecretFile.ts"
export * as DenoSession from "./src/DenoSession.ts"
