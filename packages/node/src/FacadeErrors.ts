/**
 * The errors the Promise facade rejects with. Each is a class with a stable `_tag` (match on `error._tag`, or use
 * `instanceof`); messages say what failed and what to do next and never carry a token. The engine's own typed errors
 * are re-exported here so embedders need one import.
 *
 * @since 0.1.0
 */
export { PoolConfigInvalid } from "@codex-auth/accounts/AccountPoolConfig"
export { AccountNotFound, DuplicateAccount, NoAccountAvailable } from "@codex-auth/accounts/AccountPoolError"
export * from "@codex-auth/facade/FacadeErrors"
/** The planner refused to start a login (no terminal, or CI); its `_tag` is `LoginRequired` too. */
export { LoginRequired as LoginNotStarted } from "@codex-auth/core/LoginError"

import * as Identity from "@codex-auth/facade/FacadeErrorIdentity"
import * as FacadeErrors from "./FacadeErrors.ts"

// The pool's classes too match errors of another copy by identifier (the facade's already do).
Identity.matchAcrossCopies(FacadeErrors)
