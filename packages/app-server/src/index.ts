/**
 * @since 0.1.0
 */
export * as AppServerBridge from "./AppServerBridge.ts"
