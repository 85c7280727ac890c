/**
 * codex-auth for Deno: Deno implementations of every core port, one bundled layer, the session wiring, the
 * Promise facade (`CodexAuth.open`, the same shape as `@codex-auth/node`'s), the ports the shared facade and CLI take
 * (`DenoPlatform`) and the emulator server. The CLI is `cli.ts` (`deno run -A packages/deno/cli.ts status`).
 *
 * @module
 */
export * as CodexAuth from "./src/CodexAuth.ts"
export * as DenoBrowserOpener from "./src/DenoBrowserOpener.ts"
export * as DenoCodexHome from "./src/DenoCodexHome.ts"
export * as DenoEmulator from "./src/DenoEmulator.ts"
export * as DenoHttpClient from "./src/DenoHttpClient.ts"
export * as DenoLayer from "./src/DenoLayer.ts"
export * as DenoLoopbackListener from "./src/DenoLoopbackListener.ts"
export * as DenoPlatform from "./src/DenoPlatform.ts"
export * as DenoRuntimeFacts from "./src/DenoRuntimeFacts.ts"
export * as DenoSecretFile from "./src/DenoSecretFile.ts"
export * as DenoSession from "./src/DenoSession.ts"
export * as DenoTerminal from "./src/DenoTerminal.ts"
