/**
 * @since 0.1.0
 */
export * as KeyringCredentialStore from "./KeyringCredentialStore.ts"
