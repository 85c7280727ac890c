export * as NodeEmulator from "./NodeEmulator.ts"
export * as Testing from "./testing.ts"
