// The device code flow: the usercode and token endpoints Codex polls, the verification page a user answers, and
// the approve/deny decision the admin API shares with that page.
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { EmulatorAdminError } from "../../Emulator.ts"
import { entitlementDenied } from "./authorize.ts"
import { randomToken, randomUserCode, s256Challenge } from "./encoding.ts"
import * as Pages from "./pages.ts"
import { field, html, type Incoming, invalidRequestPage, json, oauthError, openAiError, pageForm } from "./reply.ts"
import { defaultScope, type DeviceCode, type Shared, withEntry } from "./state.ts"
import type * as Tokens from "./tokens.ts"

export type Device = ReturnType<typeof make>

export const make = (shared: Shared, tokens: Tokens.Tokens) => {
  const { users, state, findUser, requireUser, emails, requireClient } = shared
  const { issueCode } = tokens
  const usercode = (req: Incoming) =>
    Effect.gen(function*() {
      const settings = (yield* Ref.get(state)).settings
      if (!settings.deviceCodeEnabled) {
        return openAiError(404, "device_code_login_disabled", "Device code login is not enabled for this account.")
      }
      if (req.body._tag === "Malformed") return oauthError("invalid_request", req.body.reason)
      const clientId = requireClient(req.body.fields)
      if (typeof clientId !== "string") return clientId
      const now = yield* Clock.currentTimeMillis
      const codeVerifier = randomToken(64)
      const device: DeviceCode = {
        deviceAuthId: `deviceauth_${randomToken(16)}`,
        userCode: randomUserCode(),
        clientId,
        codeVerifier,
        codeChallenge: yield* s256Challenge(codeVerifier),
        expiresAt: now + settings.deviceCodeLifetimeSeconds * 1000,
        ...(settings.autoApprove ? { status: "approved", email: users[0]!.email } : { status: "pending" })
      }
      yield* Ref.update(state, (s) => ({ ...s, deviceCodes: withEntry(s.deviceCodes, device.deviceAuthId, device) }))
      return json(200, {
        device_auth_id: device.deviceAuthId,
        user_code: device.userCode,
        interval: settings.deviceInterval,
        expires_at: new Date(device.expiresAt).toISOString()
      }, { userCode: device.userCode })
    })

  const deviceToken = (req: Incoming) =>
    Effect.gen(function*() {
      if (req.body._tag === "Malformed") return oauthError("invalid_request", req.body.reason)
      const fields = req.body.fields
      const deviceAuthId = field(fields, "device_auth_id")
      const userCode = field(fields, "user_code")
      if (deviceAuthId === undefined || userCode === undefined) {
        return oauthError("invalid_request", "device_auth_id and user_code are required.")
      }
      const now = yield* Clock.currentTimeMillis
      const device = yield* Ref.modify(state, (s) => {
        const found = s.deviceCodes.get(deviceAuthId)
        if (
          found === undefined || found.userCode !== userCode || found.status !== "approved" || now > found.expiresAt
        ) {
          return [found, s] as const
        }
        return [found, {
          ...s,
          deviceCodes: withEntry(s.deviceCodes, deviceAuthId, { ...found, status: "consumed" as const })
        }] as const
      })
      const log = { userCode }
      if (device === undefined || device.userCode !== userCode) {
        return openAiError(404, "deviceauth_not_found", "Unknown device authorization.", log)
      }
      if (now > device.expiresAt) {
        return {
          ...oauthError("expired_token", "The device code has expired. Start the login again."),
          log: { ...log, errorCode: "expired_token" }
        }
      }
      switch (device.status) {
        case "pending":
          return openAiError(403, "deviceauth_authorization_pending", "The user has not approved the code yet.", log)
        case "denied":
          return {
            ...oauthError("access_denied", "The user denied the request."),
            log: { ...log, errorCode: "access_denied" }
          }
        case "consumed":
          return {
            ...oauthError("invalid_grant", "This device authorization was already completed."),
            log: { ...log, errorCode: "invalid_grant" }
          }
        case "approved": {
          const user = findUser(device.email) ?? users[0]!
          if (!user.codexEntitlement) {
            return {
              ...oauthError("access_denied", entitlementDenied(user)),
              log: { ...log, errorCode: "access_denied" }
            }
          }
          const authorizationCode = yield* issueCode(
            {
              clientId: device.clientId,
              redirectUri: `${req.issuer}/deviceauth/callback`,
              codeChallenge: device.codeChallenge,
              state: "",
              scope: defaultScope,
              allowedWorkspaces: []
            },
            user,
            now
          )
          return json(200, {
            authorization_code: authorizationCode,
            code_challenge: device.codeChallenge,
            code_verifier: device.codeVerifier
          }, log)
        }
      }
    })

  const normalizeUserCode = (code: string): string => {
    const compact = code.toUpperCase().replace(/[^A-Z0-9]/g, "")
    return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : code.trim().toUpperCase()
  }

  const decideDeviceCode = (
    userCode: string,
    decision: "approved" | "denied",
    email: string | undefined,
    operation: string
  ): Effect.Effect<void, EmulatorAdminError> =>
    Effect.gen(function*() {
      const user = yield* requireUser(email, operation)
      const now = yield* Clock.currentTimeMillis
      const normalized = normalizeUserCode(userCode)
      const found = yield* Ref.modify(state, (s) => {
        const device = [...s.deviceCodes.values()].find((d) =>
          d.userCode === normalized && d.status === "pending" && now <= d.expiresAt
        )
        if (device === undefined) return [false, s] as const
        return [true, {
          ...s,
          deviceCodes: withEntry(s.deviceCodes, device.deviceAuthId, {
            ...device,
            status: decision,
            email: user.email
          })
        }] as const
      })
      if (!found) {
        return yield* new EmulatorAdminError({
          operation,
          reason: "no pending, unexpired device code has that user code; list them with GET /__emulator/device-codes"
        })
      }
    })

  const devicePageGet = (req: Incoming) =>
    Effect.succeed(html(200, Pages.devicePage({ userCode: req.query.get("user_code") ?? "", emails })))

  const devicePagePost = pageForm((fields) =>
    Effect.gen(function*() {
      const userCode = field(fields, "user_code") ?? ""
      const decision = field(fields, "decision") === "allow" ? "approved" : "denied"
      const result = yield* Effect.either(decideDeviceCode(userCode, decision, field(fields, "email"), "device page"))
      if (result._tag === "Left") {
        return invalidRequestPage("That code is unknown or has expired. Check the code in your terminal.", { userCode })
      }
      return decision === "approved"
        ? html(200, Pages.messagePage("Device connected", "Return to your terminal to continue."), { userCode })
        : html(200, Pages.messagePage("Request denied", "The device was not connected."), { userCode })
    })
  )

  const deviceCallback = () =>
    Effect.succeed(
      html(200, Pages.messagePage("Signed in", "You can close this window and return to your terminal."))
    )
  return { usercode, deviceToken, decideDeviceCode, devicePageGet, devicePagePost, deviceCallback }
}
