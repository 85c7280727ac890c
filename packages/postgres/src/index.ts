/**
 * @since 0.1.0
 */

/**
 * The PostgreSQL credential store.
 *
 * @since 0.1.0
 */
export * as PostgresCredentialStore from "./PostgresCredentialStore.ts"
