// The admin API: the in-process `Emulator` service (request log, device approvals, faults, revocation, minting,
// settings, reset) and its HTTP routes under `/__emulator/`.
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Emulator from "../../Emulator.ts"
import {
  AgentIdentityMintRequest,
  DeviceCodeInfo,
  EmulatorAdminError,
  EmulatorSettings,
  Fault,
  MintRequest,
  RejectTarget,
  RevokeTarget
} from "../../Emulator.ts"
import type * as Agent from "./agent.ts"
import type * as BackendAuth from "./backendAuth.ts"
import type * as Device from "./device.ts"
import { definedOnly, hostOf, trimIssuer } from "./reply.ts"
import { defaultScope, type Settings, type Shared } from "./state.ts"
import type * as Tokens from "./tokens.ts"

export const make = (
  shared: Shared,
  tokens: Tokens.Tokens,
  device: Device.Device,
  agent: Agent.Agent,
  backendAuth: BackendAuth.BackendAuth
) => {
  const { options, clientIds, initialState, state, agentRuntimes, requireUser } = shared
  const { issueTokens, newFamily, revokeFamilies } = tokens
  const { decideDeviceCode } = device
  const { mintAgentIdentity, agentIdentityJwks } = agent
  const { rejectAccessTokens } = backendAuth
  const deviceCodes = Effect.map(Ref.get(state), (s) =>
    [...s.deviceCodes.values()].map((d): DeviceCodeInfo => ({
      deviceAuthId: d.deviceAuthId,
      userCode: d.userCode,
      status: d.status,
      expiresAtMillis: d.expiresAt,
      ...(d.email !== undefined ? { email: d.email } : {})
    })))

  const revokeTarget = (target: RevokeTarget): Effect.Effect<number, EmulatorAdminError> =>
    Effect.gen(function*() {
      const s = yield* Ref.get(state)
      if (target.family !== undefined) return yield* revokeFamilies((f) => f.id === target.family)
      if (target.refreshToken !== undefined) {
        const record = s.refreshTokens.get(target.refreshToken)
        if (record === undefined) {
          return yield* new EmulatorAdminError({ operation: "revoke", reason: "the refresh token is unknown" })
        }
        return yield* revokeFamilies((f) => f.id === record.family)
      }
      if (target.email !== undefined) return yield* revokeFamilies((f) => f.email === target.email)
      return yield* new EmulatorAdminError({
        operation: "revoke",
        reason: "name a family, a refreshToken or an email"
      })
    })

  const mintTokens = (
    request: MintRequest,
    issuer?: string
  ): Effect.Effect<Emulator.MintedTokens, EmulatorAdminError> =>
    Effect.gen(function*() {
      const user = yield* requireUser(request.email, "mint tokens")
      const clientId = request.clientId ?? [...clientIds][0]!
      const now = yield* Clock.currentTimeMillis
      const settings = (yield* Ref.get(state)).settings
      const family = newFamily(
        { clientId, email: user.email, accountId: user.accountId, scope: defaultScope },
        now,
        settings
      )
      const tokens = yield* issueTokens(
        family,
        trimIssuer(issuer ?? options.issuer ?? "http://127.0.0.1"),
        now,
        request.accessTokenTtlSeconds
      )
      return {
        id_token: tokens.id_token,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        account_id: family.accountId,
        family: family.id
      }
    })

  const updateSettings = (patch: { readonly [K in keyof Settings]?: Settings[K] | undefined }) =>
    Ref.modify(state, (s) => {
      const settings: Settings = { ...s.settings, ...definedOnly(patch) }
      return [settings, { ...s, settings }] as const
    })

  const service: Emulator.Emulator.Service = {
    app: undefined as unknown as HttpApp.Default,
    requests: Effect.map(Ref.get(state), (s) => s.log),
    clearRequests: Ref.update(state, (s) => ({ ...s, log: [] })),
    deviceCodes,
    approveDeviceCode: (userCode, email) => decideDeviceCode(userCode, "approved", email, "approve device code"),
    denyDeviceCode: (userCode) => decideDeviceCode(userCode, "denied", undefined, "deny device code"),
    faults: Effect.map(Ref.get(state), (s) => s.faults.map((f) => ({ ...f.fault, count: f.remaining }))),
    addFault: (fault) =>
      Ref.update(
        state,
        (s) => ({ ...s, faults: [...s.faults, { fault, remaining: Math.max(1, fault.count ?? 1) }] })
      ),
    clearFaults: Ref.update(state, (s) => ({ ...s, faults: [] })),
    revoke: revokeTarget,
    rejectAccessTokens,
    mintTokens,
    mintAgentIdentity,
    agentIdentityJwks,
    settings: Effect.map(Ref.get(state), (s) => s.settings),
    updateSettings,
    reset: Effect.zipRight(Effect.sync(() => agentRuntimes.clear()), Ref.set(state, initialState))
  }

  const adminJson = <A, I>(
    schema: Schema.Schema<A, I>,
    run: (input: A, req: HttpServerRequest.HttpServerRequest) => Effect.Effect<unknown, EmulatorAdminError>
  ) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const text = yield* Effect.orElseSucceed(request.text, () => "")
      const decoded = yield* Effect.either(
        Schema.decodeUnknown(Schema.parseJson(schema))(text === "" ? "{}" : text)
      )
      if (decoded._tag === "Left") {
        return HttpServerResponse.unsafeJson({ error: "invalid_request", message: decoded.left.message }, {
          status: 400
        })
      }
      const result = yield* Effect.either(run(decoded.right, request))
      if (result._tag === "Left") {
        return HttpServerResponse.unsafeJson({ error: "not_found", message: result.left.message }, { status: 404 })
      }
      return HttpServerResponse.unsafeJson(result.right ?? {})
    })

  const adminGet = (value: Effect.Effect<unknown>) => Effect.map(value, (body) => HttpServerResponse.unsafeJson(body))

  const UserCodeBody = Schema.Struct({ userCode: Schema.String, email: Schema.optional(Schema.String) })
  const Empty = Schema.Struct({})
  const SettingsPatch = Schema.partial(EmulatorSettings)

  const adminRouter = HttpRouter.empty.pipe(
    HttpRouter.get("/__emulator/requests", adminGet(Effect.map(service.requests, (requests) => ({ requests })))),
    HttpRouter.del("/__emulator/requests", adminGet(Effect.as(service.clearRequests, {}))),
    HttpRouter.get("/__emulator/device-codes", adminGet(Effect.map(deviceCodes, (deviceCodes) => ({ deviceCodes })))),
    HttpRouter.post(
      "/__emulator/device-codes/approve",
      adminJson(UserCodeBody, (body) => service.approveDeviceCode(body.userCode, body.email))
    ),
    HttpRouter.post(
      "/__emulator/device-codes/deny",
      adminJson(UserCodeBody, (body) => service.denyDeviceCode(body.userCode))
    ),
    HttpRouter.get("/__emulator/faults", adminGet(Effect.map(service.faults, (faults) => ({ faults })))),
    HttpRouter.post("/__emulator/faults", adminJson(Fault, (fault) => service.addFault(fault))),
    HttpRouter.del("/__emulator/faults", adminGet(Effect.as(service.clearFaults, {}))),
    HttpRouter.post("/__emulator/reset", adminJson(Empty, () => service.reset)),
    HttpRouter.post(
      "/__emulator/revoke",
      adminJson(RevokeTarget, (target) => Effect.map(service.revoke(target), (revoked) => ({ revoked })))
    ),
    HttpRouter.post(
      "/__emulator/reject-access-tokens",
      adminJson(RejectTarget, (target) => Effect.map(rejectAccessTokens(target), (rejected) => ({ rejected })))
    ),
    HttpRouter.post(
      "/__emulator/tokens",
      adminJson(
        MintRequest,
        (request, req) => service.mintTokens(request, `http://${hostOf(req)}`)
      )
    ),
    HttpRouter.post(
      "/__emulator/agent-identity",
      adminJson(AgentIdentityMintRequest, (request) => service.mintAgentIdentity(request))
    ),
    HttpRouter.get("/__emulator/settings", adminGet(service.settings)),
    HttpRouter.patch("/__emulator/settings", adminJson(SettingsPatch, (patch) => service.updateSettings(patch)))
  )
  return { service, adminRouter }
}
