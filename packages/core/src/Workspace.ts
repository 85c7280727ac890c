/**
 * The restrictions of PROTOCOL.md §10 — `forced_login_method` and `forced_chatgpt_workspace_id` — decided in one
 * place: {@link violation} is the one check the session (when it loads, saves or reports credentials), the login flows
 * and the access-token login all call; each turns a violation into its own error.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { LoginMethodRestricted, WorkspaceRestricted } from "./SessionError.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * Whether `accountId` may sign in; an empty or absent list allows every account.
 *
 * @since 0.1.0
 */
export const isAllowed = (accountId: Option.Option<string>, allowed: ReadonlyArray<string> | undefined): boolean =>
  allowed === undefined || allowed.length === 0 || Option.exists(accountId, (id) => allowed.includes(id))

/**
 * The §10 settings (a subset of `CodexConfig.Policy` / `Session.Options`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  /** `forced_login_method`. */
  readonly forcedLoginMethod?: "chatgpt" | "api" | undefined
  /** `forced_chatgpt_workspace_id`: the allowed workspace ids (empty or absent: any). */
  readonly forcedWorkspaceIds?: ReadonlyArray<string> | undefined
}

/**
 * What the restrictions look at: the login's method (an access-token login counts as `chatgpt`, as in Codex) and
 * the workspace it is for (only a ChatGPT login has one to check).
 *
 * @since 0.1.0
 * @category models
 */
export interface Subject {
  readonly method: "chatgpt" | "api"
  readonly workspace: Option.Option<string>
}

/**
 * Which restriction a login breaks.
 *
 * @since 0.1.0
 * @category models
 */
export type Violation =
  | { readonly _tag: "Method"; readonly required: "chatgpt" | "api" }
  | { readonly _tag: "Workspace"; readonly allowed: ReadonlyArray<string>; readonly found: string | undefined }

/**
 * The one §10 check: the method first, then (for a ChatGPT login) the workspace. None when the login may be used.
 *
 * @since 0.1.0
 */
export const violation = (policy: Policy, subject: Subject): Violation | undefined => {
  const method = policy.forcedLoginMethod
  if (method !== undefined && method !== subject.method) return { _tag: "Method", required: method }
  if (subject.method === "chatgpt" && !isAllowed(subject.workspace, policy.forcedWorkspaceIds)) {
    return {
      _tag: "Workspace",
      allowed: policy.forcedWorkspaceIds ?? [],
      found: Option.getOrUndefined(subject.workspace)
    }
  }
  return undefined
}

/**
 * A violation as the session reports it: `during` a login being saved (nothing stored) or credentials being loaded
 * (`removed`: whether they were removed); `source` names where the restriction is configured.
 *
 * @since 0.1.0
 */
export const toError = (
  found: Violation,
  context: { readonly during: "login" | "load"; readonly removed: boolean; readonly source?: string | undefined }
): LoginMethodRestricted | WorkspaceRestricted => {
  // `source` is carried only when the caller gave it (the errors' fields are what a caller sees).
  const { during, removed, ...where } = context
  return found._tag === "Method"
    ? new LoginMethodRestricted({ required: found.required, removed, during, ...where })
    : new WorkspaceRestricted({ allowed: found.allowed, found: found.found, removed, ...where })
}

/**
 * Fails with `WorkspaceRestricted` when the token set's account is not allowed (a login flow's check: nothing was
 * stored yet).
 *
 * @since 0.1.0
 */
export const check = (
  tokens: TokenSet,
  allowed: ReadonlyArray<string> | undefined
): Effect.Effect<void, WorkspaceRestricted> => {
  const found = violation({ forcedWorkspaceIds: allowed }, { method: "chatgpt", workspace: tokens.accountId })
  return found?._tag === "Workspace"
    ? Effect.fail(new WorkspaceRestricted({ allowed: found.allowed, found: found.found }))
    : Effect.void
}
