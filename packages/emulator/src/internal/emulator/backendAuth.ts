// The ChatGPT backend's auth checks (routes in backend.ts): which bearers the emulator minted and may still be used,
// and the admin API's rejection of them.
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Emulator from "../../Emulator.ts"
import * as Backend from "./backend.ts"
import * as Jwt from "./jwt.ts"
import { type Shared } from "./state.ts"

export type BackendAuth = ReturnType<typeof make>

export const make = (shared: Shared) => {
  const { options, state, signingKey } = shared
  const backend = Backend.routes({
    verify: (token) => Jwt.verify(signingKey, token),
    bearerState: (jti) =>
      Effect.map(Ref.get(state), (s) => {
        const bearer = s.bearers.get(jti)
        if (bearer === undefined) return undefined
        const family = s.families.get(bearer.family)
        return { family: bearer.family, usable: !bearer.rejected && family !== undefined && !family.revoked }
      }),
    replyText: Effect.succeed(options.backendReplyText ?? Emulator.defaultBackendReplyText)
  })

  const rejectAccessTokens = (target: Emulator.RejectTarget) =>
    Ref.modify(state, (s) => {
      const bearers = new Map(s.bearers)
      let count = 0
      for (const [jti, bearer] of bearers) {
        const family = s.families.get(bearer.family)
        const matches = (target.family === undefined || target.family === bearer.family) &&
          (target.email === undefined || family?.email === target.email)
        if (!bearer.rejected && matches) {
          bearers.set(jti, { ...bearer, rejected: true })
          count++
        }
      }
      return [count, { ...s, bearers }] as const
    })
  return { backend, rejectAccessTokens }
}
