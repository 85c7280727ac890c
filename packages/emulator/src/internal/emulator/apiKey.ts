// The API-key exchange: a token-exchange grant that trades an id token of this issuer for an `sk-emu-…` key.
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { randomToken } from "./encoding.ts"
import * as Jwt from "./jwt.ts"
import { field, type Fields, json, oauthError } from "./reply.ts"
import { type Shared } from "./state.ts"

export const tokenExchangeType = "urn:ietf:params:oauth:grant-type:token-exchange"
export const idTokenType = "urn:ietf:params:oauth:token-type:id_token"

export type ApiKey = ReturnType<typeof make>

export const make = (shared: Shared) => {
  const { signingKey, requireClient } = shared
  const tokenExchangeGrant = (fields: Fields) =>
    Effect.gen(function*() {
      const clientId = requireClient(fields)
      if (typeof clientId !== "string") return clientId
      if (field(fields, "requested_token") !== "openai-api-key") {
        return oauthError("invalid_request", "requested_token must be \"openai-api-key\".")
      }
      if (field(fields, "subject_token_type") !== idTokenType) {
        return oauthError("invalid_request", `subject_token_type must be "${idTokenType}".`)
      }
      const subjectToken = field(fields, "subject_token")
      if (subjectToken === undefined || subjectToken === "") {
        return oauthError("invalid_request", "subject_token is required.")
      }
      const claims = yield* Jwt.verify(signingKey, subjectToken)
      const now = yield* Clock.currentTimeMillis
      if (claims === undefined) return oauthError("invalid_grant", "subject_token is not an id token of this issuer.")
      if (typeof claims.exp === "number" && claims.exp * 1000 < now) {
        return oauthError("invalid_grant", "subject_token has expired.")
      }
      return json(200, {
        access_token: `sk-emu-${randomToken(24)}`,
        issued_token_type: "openai-api-key",
        token_type: "Bearer"
      })
    })
  return { tokenExchangeGrant }
}
