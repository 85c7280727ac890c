/**
 * @codex-auth/emulator: a faithful local emulator of auth.openai.com (and of the ChatGPT backend's auth checks) as
 * an `HttpApp`, its admin API client, and (`@codex-auth/emulator/node`) a Node server for it.
 *
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.ts"
export * as EmulatorAdmin from "./EmulatorAdmin.ts"
