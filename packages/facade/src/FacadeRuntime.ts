/**
 * What the entry points over the facade share besides `open`: the session environment (the session, the store, the
 * OAuth client, the profile and the HTTP client over a runtime's ports) and the login run. The CLI and the pool's
 * facade build on these, so each setting and each login decision stays in one place.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Environment from "./internal/facade/environment.ts"

/**
 * @since 0.1.0
 */
export * as Login from "./internal/facade/login.ts"

/**
 * @since 0.1.0
 */
export type { EnvironmentOptions, StoreChoice } from "./internal/facade/environment.ts"
