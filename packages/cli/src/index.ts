/**
 * @since 0.1.0
 */
export * as Cli from "./Cli.ts"

/**
 * @since 0.1.0
 */
export * as CliFastPath from "./CliFastPath.ts"

/**
 * @since 0.1.0
 */
export * as CliFormat from "./CliFormat.ts"

/**
 * @since 0.1.0
 */
export * as CliSession from "./CliSession.ts"
