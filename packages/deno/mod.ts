/**
 * codex-auth for Deno: Deno implementations of the core ports.
 *
 * @module
 */
export * as DenoEmulator from "./src/DenoEmulator.ts"
