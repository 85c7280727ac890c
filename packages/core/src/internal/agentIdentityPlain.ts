// What a status shows of a stored access-token (Agent Identity) login, in plain TypeScript (no `effect`): the
// session's `status` and the startup fast paths (`StoredAuth`) both read it here, so they agree to the byte. The
// token is decoded, not verified (Codex verifies it against the issuer's JWKS when it uses it), and each claim is
// read on its own: one odd claim hides that claim, not the login.
import * as read from "./authJsonRead.ts"
import * as jwt from "./jwt.ts"

/** The `auth_mode` of an access-token login. */
export const authMode = "agentIdentity"

export interface PlainAgentIdentityStatus {
  readonly email: string | undefined
  readonly accountId: string | undefined
  readonly planType: string | undefined
  readonly fedramp: boolean | undefined
  /** `exp`, in epoch milliseconds. */
  readonly expiresAt: number | undefined
}

/** The stored Agent Identity token when the document is an access-token login (mode `agentIdentity`, a token). */
export const storedToken = (document: {
  readonly authMode: string | undefined
  readonly hasApiKey: boolean
  readonly agentIdentity: string | undefined
}): string | undefined =>
  read.resolvedMode(document.authMode, document.hasApiKey) === authMode && document.agentIdentity !== undefined &&
    document.agentIdentity !== ""
    ? document.agentIdentity
    : undefined

const own = (record: Record<string, unknown>, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined

const stringClaim = (record: Record<string, unknown>, key: string): string | undefined => {
  const value = own(record, key)
  return typeof value === "string" ? value : undefined
}

/** The claims a status may show; never the token, the agent's private key or the runtime id. */
export const statusClaims = (token: string): PlainAgentIdentityStatus => {
  const decoded = jwt.decodeCompact(token)
  const payload = decoded.ok ? decoded.value.payload : {}
  const fedramp = own(payload, "chatgpt_account_is_fedramp")
  const exp = own(payload, "exp")
  return {
    email: stringClaim(payload, "email"),
    accountId: stringClaim(payload, "account_id"),
    planType: stringClaim(payload, "plan_type"),
    fedramp: typeof fedramp === "boolean" ? fedramp : undefined,
    expiresAt: typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined
  }
}
