/**
 * @since 0.1.0
 */

/**
 * The PostgreSQL credential store.
 *
 * @since 0.1.0
 */
export * as PostgresCredentialStore from "./PostgresCredentialStore.ts"

/**
 * The account pool on PostgreSQL, its health shared by the fleet.
 *
 * @since 0.1.0
 */
export * as PostgresAccountPool from "./PostgresAccountPool.ts"
