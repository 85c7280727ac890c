/** Interpreting the query of a redirect back from the authorize endpoint (loopback, paste, custom handler). */
import * as Redacted from "effect/Redacted"
import { AuthorizationFailed } from "../../LoginError.ts"

/** Compares two strings in time that depends only on their lengths. */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const left = new TextEncoder().encode(a)
  const right = new TextEncoder().encode(b)
  let diff = left.length ^ right.length
  const length = Math.max(left.length, right.length)
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0)
  return diff === 0
}

/** What a callback query means, checked in the order §4 prescribes (state first). */
export type CallbackOutcome =
  | { readonly _tag: "StateMismatch" }
  | { readonly _tag: "Failed"; readonly error: AuthorizationFailed }
  | { readonly _tag: "MissingCode" }
  | { readonly _tag: "Code"; readonly code: Redacted.Redacted<string> }

export const interpretCallback = (
  params: URLSearchParams,
  expectedState: Redacted.Redacted<string>
): CallbackOutcome => {
  const state = params.get("state")
  if (state === null || !constantTimeEqual(state, Redacted.value(expectedState))) return { _tag: "StateMismatch" }
  const error = params.get("error")
  if (error !== null && error !== "") {
    const description = params.get("error_description") ?? undefined
    return {
      _tag: "Failed",
      error: new AuthorizationFailed({
        error,
        description: description === "" ? undefined : description,
        missingEntitlement: error === "access_denied" && (description ?? "").includes("missing_codex_entitlement")
      })
    }
  }
  const code = params.get("code")
  if (code === null || code === "") return { _tag: "MissingCode" }
  return { _tag: "Code", code: Redacted.make(code) }
}
