/**
 * @since 0.1.0
 */
export * as Facade from "./Facade.ts"

/**
 * @since 0.1.0
 */
export * as FacadeError from "./FacadeError.ts"

/**
 * @since 0.1.0
 */
export * as FacadeErrors from "./FacadeErrors.ts"

/**
 * @since 0.1.0
 */
export * as FacadeRuntime from "./FacadeRuntime.ts"

/**
 * @since 0.1.0
 */
export * as PendingLogin from "./PendingLogin.ts"

/**
 * @since 0.1.0
 */
export * as TokenHelpers from "./TokenHelpers.ts"
