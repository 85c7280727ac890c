/**
 * The workspace restriction of PROTOCOL.md §10: after any login, the id token's `chatgpt_account_id` must be
 * one of the allowed workspace ids, or nothing is returned or saved.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { WorkspaceRestricted } from "./LoginError.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * Whether `accountId` may sign in; an empty or absent list allows every account.
 *
 * @since 0.1.0
 */
export const isAllowed = (accountId: Option.Option<string>, allowed: ReadonlyArray<string> | undefined): boolean =>
  allowed === undefined || allowed.length === 0 || Option.exists(accountId, (id) => allowed.includes(id))

/**
 * Fails with `WorkspaceRestricted` when the token set's account is not allowed.
 *
 * @since 0.1.0
 */
export const check = (
  tokens: TokenSet,
  allowed: ReadonlyArray<string> | undefined
): Effect.Effect<void, WorkspaceRestricted> =>
  isAllowed(tokens.accountId, allowed)
    ? Effect.void
    : Effect.fail(new WorkspaceRestricted({ allowed: allowed ?? [], found: Option.getOrUndefined(tokens.accountId) }))
