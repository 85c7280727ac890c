export {}
export * as Emulator from "./Emulator.ts"
export * as EmulatorAdmin from "./EmulatorAdmin.ts"
export * as AuthJson from "./AuthJson.ts"
export * as Jwt from "./Jwt.ts"
export * as TokenSet from "./TokenSet.ts"
