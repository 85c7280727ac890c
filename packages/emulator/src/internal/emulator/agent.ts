// Agent Identity (`codex login --with-access-token`): minting, the JWKS, and task registration signed by the agent's key.
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Emulator from "../../Emulator.ts"
import { EmulatorAdminError } from "../../Emulator.ts"
import * as AgentIdentity from "./agentIdentity.ts"
import { randomToken } from "./encoding.ts"
import { field, type Incoming, json, oauthError, type Reply } from "./reply.ts"
import { type Shared } from "./state.ts"

export type Agent = ReturnType<typeof make>

export const make = (shared: Shared) => {
  const { state, agentIdentityKey, agentRuntimes, requireUser } = shared
  const mintAgentIdentity = (
    request: Emulator.AgentIdentityMintRequest
  ): Effect.Effect<Emulator.MintedAgentIdentity, EmulatorAdminError> =>
    Effect.gen(function*() {
      const user = yield* requireUser(request.email, "mint agent identity")
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const ttl = request.expiresInSeconds ?? (yield* Ref.get(state)).settings.accessTokenTtlSeconds
      const agentKey = yield* AgentIdentity.makeAgentKey
      const runtimeId = request.agentRuntimeId ?? `agrt_${randomToken(12)}`
      agentRuntimes.set(runtimeId, { publicKey: agentKey.publicKey, accountId: user.accountId })
      const kid = request.kid ?? agentIdentityKey.kid
      const token = yield* AgentIdentity.signAgentIdentity(agentIdentityKey, {
        iss: request.issuer ?? AgentIdentity.agentIdentityIssuer,
        aud: request.audience ?? AgentIdentity.agentIdentityAudience,
        exp: Math.max(0, now + Math.round(ttl)),
        iat: now,
        agent_runtime_id: runtimeId,
        agent_private_key: agentKey.privatePkcs8Base64,
        account_id: user.accountId,
        chatgpt_user_id: user.userId,
        email: user.email,
        plan_type: user.planType,
        chatgpt_account_is_fedramp: user.fedramp
      }, { kid, forge: request.forgeSignature })
      return { access_token: token, agent_runtime_id: runtimeId, account_id: user.accountId, kid }
    })

  const agentIdentityJwks = Effect.sync(() => ({ keys: [agentIdentityKey.publicJwk] }))

  const agentIdentityJwksEndpoint = () => Effect.map(agentIdentityJwks, (jwks) => json(200, jwks))

  const registerTask = (req: Incoming): Effect.Effect<Reply> =>
    Effect.gen(function*() {
      const match = /^\/api\/accounts\/v1\/agent\/([^/]+)\/task\/register$/.exec(req.path)
      const runtimeId = match === null ? undefined : decodeURIComponent(match[1]!)
      const runtime = runtimeId === undefined ? undefined : agentRuntimes.get(runtimeId)
      if (runtimeId === undefined || runtime === undefined) {
        return json(404, { error: "agent_not_found", error_description: "No such agent runtime." }, {
          errorCode: "agent_not_found"
        })
      }
      if (req.body._tag === "Malformed") return oauthError("invalid_request", req.body.reason)
      const timestamp = field(req.body.fields, "timestamp")
      const signature = field(req.body.fields, "signature")
      if (timestamp === undefined || signature === undefined) {
        return oauthError("invalid_request", "timestamp and signature are required.")
      }
      const at = AgentIdentity.parseRegistrationTimestamp(timestamp)
      const now = yield* Clock.currentTimeMillis
      if (at === undefined || Math.abs(now - at) > 5 * 60 * 1000) {
        return oauthError("invalid_request", "The timestamp is malformed or too far from the server's clock.")
      }
      const valid = yield* AgentIdentity.verifyRegistration(runtime.publicKey, runtimeId, timestamp, signature)
      if (!valid) return oauthError("invalid_signature", "The signature does not verify with the agent's key.", 401)
      return json(200, { task_id: `task_${randomToken(12)}` })
    })
  return { mintAgentIdentity, agentIdentityJwks, agentIdentityJwksEndpoint, registerTask }
}
