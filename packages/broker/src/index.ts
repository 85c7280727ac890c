/**
 * @since 0.1.0
 */
export * as Broker from "./Broker.ts"
