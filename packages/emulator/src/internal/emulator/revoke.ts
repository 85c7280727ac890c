// `POST /oauth/revoke` (RFC 7009): a refresh token revokes its family; anything else still answers 200.
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { field, type Incoming, json, oauthError } from "./reply.ts"
import { type Shared } from "./state.ts"
import type * as Tokens from "./tokens.ts"

export const make = (shared: Shared, tokens: Tokens.Tokens) => {
  const { clientIds, state } = shared
  const { revokeFamilies } = tokens
  const revoke = (req: Incoming) =>
    Effect.gen(function*() {
      if (req.body._tag === "Malformed") return oauthError("invalid_request", req.body.reason)
      const fields = req.body.fields
      const clientId = field(fields, "client_id")
      if (clientId !== undefined && !clientIds.has(clientId)) {
        return oauthError("invalid_client", "Unknown client_id.")
      }
      const token = field(fields, "token")
      if (token === undefined || token === "") return oauthError("invalid_request", "token is required.")
      const s = yield* Ref.get(state)
      const record = s.refreshTokens.get(token)
      if (record !== undefined) {
        yield* revokeFamilies((f) => f.id === record.family)
        return json(200, {}, { tokenFamily: record.family })
      }
      // RFC 7009 §2.2: unknown tokens (and access tokens, which simply expire here) still answer 200.
      return json(200, {})
    })
  return { revoke }
}
