export {}
export * as Emulator from "./Emulator.ts"
export * as EmulatorAdmin from "./EmulatorAdmin.ts"
