export * as AccessTokenAuth from "./AccessTokenAuth.ts"
export * as AccountPool from "./AccountPool.ts"
export * as AccountPoolConfig from "./AccountPoolConfig.ts"
export * as AccountPoolError from "./AccountPoolError.ts"
