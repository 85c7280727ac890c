// The browser flow's pages: `GET /oauth/authorize` (checks, then the consent page or, auto-approved, the code) and
// the consent form's answer.
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { isValidS256Challenge, randomToken } from "./encoding.ts"
import * as Pages from "./pages.ts"
import { field, html, type Incoming, invalidRequestPage, pageForm, redirect } from "./reply.ts"
import {
  defaultScope,
  type EmulatorUser,
  type PendingAuthorization,
  type Shared,
  withEntry,
  withoutEntry
} from "./state.ts"
import type * as Tokens from "./tokens.ts"

export const callbackUrl = (redirectUri: string, params: Record<string, string>): string => {
  const url = new URL(redirectUri)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return url.toString()
}

export const entitlementDenied = (user: EmulatorUser) =>
  `missing_codex_entitlement: ${user.email} has no access to Codex; ask your workspace admin to enable it.`

export const make = (shared: Shared, tokens: Tokens.Tokens) => {
  const { clientIds, users, redirectPorts, state, findUser, emails } = shared
  const { issueCode } = tokens
  const completeAuthorization = (pending: PendingAuthorization, user: EmulatorUser) =>
    Effect.gen(function*() {
      if (!user.codexEntitlement) {
        return redirect(
          callbackUrl(pending.redirectUri, {
            error: "access_denied",
            error_description: entitlementDenied(user),
            state: pending.state
          }),
          { errorCode: "access_denied" }
        )
      }
      const now = yield* Clock.currentTimeMillis
      const code = yield* issueCode(pending, user, now)
      return redirect(callbackUrl(pending.redirectUri, { code, state: pending.state }))
    })

  const isAllowedRedirect = (redirectUri: string): boolean => {
    let url: URL
    try {
      url = new URL(redirectUri)
    } catch {
      return false
    }
    return url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost") &&
      redirectPorts.has(Number(url.port)) && url.pathname === "/auth/callback" && url.search === "" &&
      url.hash === "" && url.username === "" && url.password === ""
  }

  const authorize = (req: Incoming) =>
    Effect.gen(function*() {
      const q = (name: string) => req.query.get(name) ?? undefined
      const clientId = q("client_id")
      if (clientId === undefined || !clientIds.has(clientId)) {
        return html(
          400,
          Pages.errorPage("invalid_client", "Unknown client_id: the application is not registered with this issuer."),
          { errorCode: "invalid_client" }
        )
      }
      const redirectUri = q("redirect_uri")
      if (redirectUri === undefined || !isAllowedRedirect(redirectUri)) {
        return html(
          400,
          Pages.errorPage(
            "invalid_request",
            `redirect_uri must be http://127.0.0.1:{port}/auth/callback or http://localhost:{port}/auth/callback on an allow-listed port (${
              [...redirectPorts].join(", ")
            }).`
          ),
          { errorCode: "invalid_redirect_uri" }
        )
      }
      const state = q("state")
      const fail = (error: string, description: string) =>
        redirect(
          callbackUrl(redirectUri, {
            error,
            error_description: description,
            ...(state !== undefined ? { state } : {})
          }),
          { errorCode: error }
        )
      if (q("response_type") !== "code") {
        return fail("unsupported_response_type", "response_type must be \"code\".")
      }
      const codeChallenge = q("code_challenge")
      if (codeChallenge === undefined || !isValidS256Challenge(codeChallenge)) {
        return fail("invalid_request", "code_challenge is required: base64url(SHA-256(code_verifier)).")
      }
      if (q("code_challenge_method") !== "S256") {
        return fail("invalid_request", "code_challenge_method must be S256.")
      }
      if (state === undefined || state === "") return fail("invalid_request", "state is required.")
      const pending: PendingAuthorization = {
        clientId,
        redirectUri,
        codeChallenge,
        state,
        scope: q("scope") ?? defaultScope,
        allowedWorkspaces: (q("allowed_workspace_id") ?? "").split(",").filter((id) => id !== "")
      }
      const settings = (yield* Ref.get(state_)).settings
      if (settings.autoApprove) {
        return yield* completeAuthorization(pending, findUser(q("login_hint")) ?? users[0]!)
      }
      const requestId = randomToken(16)
      yield* Ref.update(state_, (s) => ({
        ...s,
        pendingAuthorizations: withEntry(s.pendingAuthorizations, requestId, pending)
      }))
      return html(200, Pages.consentPage({ requestId, clientId, emails }))
    })
  const state_ = state

  const consent = pageForm((fields) =>
    Effect.gen(function*() {
      const requestId = field(fields, "request_id") ?? ""
      const pending = yield* Ref.modify(state, (s) => {
        const found = s.pendingAuthorizations.get(requestId)
        return [found, found ? { ...s, pendingAuthorizations: withoutEntry(s.pendingAuthorizations, requestId) } : s]
      })
      if (pending === undefined) {
        return invalidRequestPage("This sign-in request is unknown or was already answered. Start again.")
      }
      if (field(fields, "decision") !== "allow") {
        return redirect(
          callbackUrl(pending.redirectUri, {
            error: "access_denied",
            error_description: "The user denied the request.",
            state: pending.state
          }),
          { errorCode: "access_denied" }
        )
      }
      const user = findUser(field(fields, "email"))
      if (user === undefined) {
        return invalidRequestPage("Unknown account.")
      }
      return yield* completeAuthorization(pending, user)
    })
  )
  return { authorize, consent }
}
