// `POST /oauth/token`: the authorization code grant (PKCE, one use, a replay revokes its family), the refresh grant
// (single-use rotation, reuse detection) and the API-key exchange.
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type * as ApiKey from "./apiKey.ts"
import { tokenExchangeType } from "./apiKey.ts"
import { constantTimeEqual, isValidVerifier, s256Challenge } from "./encoding.ts"
import { field, type Fields, type Incoming, json, oauthError, openAiError } from "./reply.ts"
import { type Family, type Shared, type State, withEntry } from "./state.ts"
import type * as Tokens from "./tokens.ts"

export const make = (shared: Shared, tokens: Tokens.Tokens, apiKey: ApiKey.ApiKey) => {
  const { state, requireClient } = shared
  const { issueTokens, newFamily, revokeFamilies } = tokens
  const { tokenExchangeGrant } = apiKey
  const authorizationCodeGrant = (req: Incoming, fields: Fields) =>
    Effect.gen(function*() {
      const clientId = requireClient(fields)
      if (typeof clientId !== "string") return clientId
      const code = field(fields, "code")
      const redirectUri = field(fields, "redirect_uri")
      const verifier = field(fields, "code_verifier")
      if (code === undefined || code === "") return oauthError("invalid_request", "code is required.")
      if (redirectUri === undefined) return oauthError("invalid_request", "redirect_uri is required.")
      if (verifier === undefined) return oauthError("invalid_request", "code_verifier is required.")
      const now = yield* Clock.currentTimeMillis
      // Look up and burn the code in one step: of two concurrent exchanges only one can win.
      const found = yield* Ref.modify(state, (s) => {
        const record = s.codes.get(code)
        if (record === undefined || record.used) return [record, s] as const
        return [record, { ...s, codes: withEntry(s.codes, code, { ...record, used: true }) }] as const
      })
      if (found === undefined) return oauthError("invalid_grant", "The authorization code is invalid.")
      if (found.used) {
        // RFC 6749 §4.1.2: a code presented twice revokes what its first exchange issued.
        if (found.family !== undefined) yield* revokeFamilies((f) => f.id === found.family)
        return oauthError("invalid_grant", "The authorization code has already been used.")
      }
      if (now > found.expiresAt) return oauthError("invalid_grant", "The authorization code has expired.")
      if (found.clientId !== clientId) {
        return oauthError("invalid_grant", "The authorization code was issued to another client.")
      }
      if (found.redirectUri !== redirectUri) {
        return oauthError("invalid_grant", "redirect_uri does not match the one of the authorization request.")
      }
      if (!isValidVerifier(verifier)) {
        return oauthError("invalid_grant", "code_verifier must be 43-128 characters of [A-Za-z0-9-._~].")
      }
      const challenge = yield* s256Challenge(verifier)
      if (!constantTimeEqual(challenge, found.codeChallenge)) {
        return oauthError("invalid_grant", "PKCE verification failed: code_verifier does not match code_challenge.")
      }
      const settings = (yield* Ref.get(state)).settings
      const family = newFamily(
        {
          clientId,
          email: found.email,
          accountId: found.accountId,
          scope: found.scope
        },
        now,
        settings
      )
      yield* Ref.update(
        state,
        (s) => ({ ...s, codes: withEntry(s.codes, code, { ...found, used: true, family: family.id }) })
      )
      const tokens = yield* issueTokens(family, req.issuer, now)
      return json(200, tokens, { tokenFamily: family.id })
    })

  const refreshGrant = (req: Incoming, fields: Fields) =>
    Effect.gen(function*() {
      const clientId = requireClient(fields)
      if (typeof clientId !== "string") return clientId
      const refreshToken = field(fields, "refresh_token")
      if (refreshToken === undefined || refreshToken === "") {
        return oauthError("invalid_request", "refresh_token is required.")
      }
      const now = yield* Clock.currentTimeMillis
      type Outcome =
        | { readonly _tag: "Unknown" }
        | { readonly _tag: "WrongClient"; readonly family: Family }
        | { readonly _tag: "Reused"; readonly family: Family }
        | { readonly _tag: "Revoked"; readonly family: Family }
        | { readonly _tag: "Expired"; readonly family: Family }
        | { readonly _tag: "Rotated"; readonly family: Family }
      // Check and consume in one step, so concurrent refreshes with one token make exactly one winner.
      const outcome = yield* Ref.modify(state, (s): readonly [Outcome, State] => {
        const record = s.refreshTokens.get(refreshToken)
        const family = record && s.families.get(record.family)
        if (record === undefined || family === undefined) return [{ _tag: "Unknown" }, s]
        if (family.clientId !== clientId) return [{ _tag: "WrongClient", family }, s]
        if (record.used) {
          return [{ _tag: "Reused", family }, {
            ...s,
            families: withEntry(s.families, family.id, { ...family, revoked: true })
          }]
        }
        if (family.revoked) return [{ _tag: "Revoked", family }, s]
        if (now > family.expiresAt) return [{ _tag: "Expired", family }, s]
        return [{ _tag: "Rotated", family }, {
          ...s,
          refreshTokens: withEntry(s.refreshTokens, refreshToken, { ...record, used: true })
        }]
      })
      const log = outcome._tag === "Unknown" ? {} : { tokenFamily: outcome.family.id }
      switch (outcome._tag) {
        case "Unknown":
          return openAiError(
            401,
            "refresh_token_invalidated",
            "Your refresh token is not recognised. Please log out and sign in again."
          )
        case "WrongClient":
          return {
            ...oauthError("invalid_grant", "The refresh token was issued to another client."),
            log: { ...log, errorCode: "invalid_grant" }
          }
        case "Reused":
          return openAiError(
            401,
            "refresh_token_reused",
            "Your refresh token has already been used to generate a new access token. Please try signing in again.",
            log
          )
        case "Revoked":
          return openAiError(
            401,
            "refresh_token_invalidated",
            "Your refresh token has been invalidated. Please try signing in again.",
            log
          )
        case "Expired":
          return openAiError(
            401,
            "refresh_token_expired",
            "Your refresh token has expired. Please try signing in again.",
            log
          )
        case "Rotated": {
          const tokens = yield* issueTokens(outcome.family, req.issuer, now)
          return json(200, tokens, log)
        }
      }
    })

  const token = (req: Incoming) =>
    Effect.gen(function*() {
      if (req.body._tag === "Malformed") return oauthError("invalid_request", req.body.reason)
      const fields = req.body.fields
      const grantType = field(fields, "grant_type")
      switch (grantType) {
        case undefined:
        case "":
          return oauthError("invalid_request", "grant_type is required.")
        case "authorization_code":
          return yield* authorizationCodeGrant(req, fields)
        case "refresh_token":
          return yield* refreshGrant(req, fields)
        case tokenExchangeType:
          return yield* tokenExchangeGrant(fields)
        default:
          return oauthError("unsupported_grant_type", `grant_type "${grantType}" is not supported.`)
      }
    })
  return { token }
}
