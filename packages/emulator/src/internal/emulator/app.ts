import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Emulator from "../../Emulator.ts"
import {
  AgentIdentityMintRequest,
  codexClientId,
  defaultRedirectPorts,
  defaultUser,
  DeviceCodeInfo,
  EmulatorAdminError,
  EmulatorSettings,
  Fault,
  MintRequest,
  RejectTarget,
  RevokeTarget
} from "../../Emulator.ts"
import * as AgentIdentity from "./agentIdentity.ts"
import * as Backend from "./backend.ts"
import {
  constantTimeEqual,
  isValidS256Challenge,
  isValidVerifier,
  randomToken,
  randomUserCode,
  s256Challenge
} from "./encoding.ts"
import * as Jwt from "./jwt.ts"
import * as Pages from "./pages.ts"

type EmulatorUser = Emulator.EmulatorUser
type Settings = Emulator.EmulatorSettings
type RequestLogEntry = Emulator.RequestLogEntry

const defaultScope = "openid profile email offline_access api.connectors.read api.connectors.invoke"
const authorizationCodeLifetimeMillis = 10 * 60 * 1000
const tokenExchangeType = "urn:ietf:params:oauth:grant-type:token-exchange"
const idTokenType = "urn:ietf:params:oauth:token-type:id_token"

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

interface AuthorizationCode {
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly email: string
  readonly accountId: string
  readonly scope: string
  readonly expiresAt: number
  readonly used: boolean
  /** The family the code's exchange created, revoked if the code is presented again. */
  readonly family?: string
}

interface RefreshTokenRecord {
  readonly family: string
  readonly used: boolean
}

interface Family {
  readonly id: string
  readonly clientId: string
  readonly email: string
  readonly accountId: string
  readonly scope: string
  readonly expiresAt: number
  readonly revoked: boolean
}

interface DeviceCode {
  readonly deviceAuthId: string
  readonly userCode: string
  readonly clientId: string
  readonly codeVerifier: string
  readonly codeChallenge: string
  readonly expiresAt: number
  readonly status: "pending" | "approved" | "denied" | "consumed"
  readonly email?: string
}

interface PendingAuthorization {
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly state: string
  readonly scope: string
  readonly allowedWorkspaces: ReadonlyArray<string>
}

interface ActiveFault {
  readonly fault: Emulator.Fault
  readonly remaining: number
}

interface State {
  readonly settings: Settings
  readonly codes: ReadonlyMap<string, AuthorizationCode>
  readonly refreshTokens: ReadonlyMap<string, RefreshTokenRecord>
  readonly families: ReadonlyMap<string, Family>
  readonly deviceCodes: ReadonlyMap<string, DeviceCode>
  readonly pendingAuthorizations: ReadonlyMap<string, PendingAuthorization>
  readonly faults: ReadonlyArray<ActiveFault>
  readonly log: ReadonlyArray<RequestLogEntry>
  /** Every access token minted, by `jti`: its family, and whether the admin API rejected it at the backend. */
  readonly bearers: ReadonlyMap<string, { readonly family: string; readonly rejected: boolean }>
}

const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> => new Map(map).set(key, value)
const withoutEntry = <K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> => {
  const next = new Map(map)
  next.delete(key)
  return next
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and replies
// ---------------------------------------------------------------------------------------------------------------

type Fields = Readonly<Record<string, unknown>>

interface Incoming {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly issuer: string
  /** The parsed body, or the reason it could not be parsed. */
  readonly body: { readonly _tag: "Fields"; readonly fields: Fields; readonly keys: ReadonlyArray<string> } | {
    readonly _tag: "Malformed"
    readonly reason: string
  }
}

type ReplyBody =
  | { readonly _tag: "json"; readonly value: unknown }
  | { readonly _tag: "html"; readonly html: string }
  | { readonly _tag: "text"; readonly text: string; readonly contentType: string }
  | { readonly _tag: "redirect"; readonly location: string }

interface Reply {
  readonly status: number
  readonly body: ReplyBody
  readonly headers?: Readonly<Record<string, string>>
  readonly log?: Partial<Pick<RequestLogEntry, "tokenFamily" | "errorCode" | "userCode">>
}

const json = (status: number, value: unknown, log?: Reply["log"]): Reply => ({
  status,
  body: { _tag: "json", value },
  headers: { "cache-control": "no-store" },
  ...(log ? { log } : {})
})

/** RFC 6749 §5.2 error response. `invalid_client` answers 401, as the RFC asks when authentication fails. */
const oauthError = (error: string, description: string, status?: number): Reply =>
  json(status ?? (error === "invalid_client" ? 401 : 400), { error, error_description: description }, {
    errorCode: error
  })

/** The OpenAI API error object the real issuer uses for refresh failures. */
const openAiError = (status: number, code: string, message: string, log?: Reply["log"]): Reply =>
  json(status, { error: { message, type: "invalid_request_error", param: null, code } }, { ...log, errorCode: code })

const html = (status: number, page: string, log?: Reply["log"]): Reply => ({
  status,
  body: { _tag: "html", html: page },
  ...(log ? { log } : {})
})

const redirect = (location: string, log?: Reply["log"]): Reply => ({
  status: 302,
  body: { _tag: "redirect", location },
  ...(log ? { log } : {})
})

const field = (fields: Fields, name: string): string | undefined => {
  const value = fields[name]
  return typeof value === "string" ? value : undefined
}

const parseBody = (contentType: string, text: string): Incoming["body"] => {
  if (text.trim() === "") return { _tag: "Fields", fields: {}, keys: [] }
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase()
  if (mediaType === "application/x-www-form-urlencoded") {
    const params = new URLSearchParams(text)
    const fields: Record<string, string> = {}
    const keys: Array<string> = []
    for (const [key, value] of params) {
      if (key in fields) return { _tag: "Malformed", reason: `parameter "${key}" is included more than once` }
      fields[key] = value
      keys.push(key)
    }
    return { _tag: "Fields", fields, keys }
  }
  if (mediaType === "application/json" || mediaType.endsWith("+json")) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { _tag: "Malformed", reason: "the body is not valid JSON" }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { _tag: "Malformed", reason: "the body must be a JSON object" }
    }
    return { _tag: "Fields", fields: value as Fields, keys: Object.keys(value) }
  }
  return {
    _tag: "Malformed",
    reason: `unsupported content type "${mediaType || "none"}"; send application/x-www-form-urlencoded or JSON`
  }
}

const render = (reply: Reply, truncate: boolean): HttpServerResponse.HttpServerResponse => {
  const cut = (text: string) => truncate ? text.slice(0, Math.floor(text.length / 2)) : text
  const options = { status: reply.status, headers: reply.headers ?? {} }
  switch (reply.body._tag) {
    case "json":
      return HttpServerResponse.text(cut(JSON.stringify(reply.body.value)), {
        ...options,
        contentType: "application/json"
      })
    case "html":
      return HttpServerResponse.text(cut(reply.body.html), { ...options, contentType: "text/html; charset=utf-8" })
    case "text":
      return HttpServerResponse.text(cut(reply.body.text), { ...options, contentType: reply.body.contentType })
    case "redirect":
      return HttpServerResponse.empty({ status: 302, headers: { ...options.headers, location: reply.body.location } })
  }
}

const faultReply = (fault: Emulator.Fault): Reply | undefined => {
  switch (fault.kind) {
    case "status":
      return json(fault.status, {
        error: { message: "The emulator injected a server error.", type: "server_error", param: null, code: null }
      })
    case "rate_limit":
      return {
        ...json(429, { error: "slow_down", error_description: "Too many requests; slow down and retry later." }),
        headers: {
          "cache-control": "no-store",
          ...(fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {})
        }
      }
    case "malformed_json":
      return { status: 200, body: { _tag: "text", text: "{\"access_token\": nope,", contentType: "application/json" } }
    case "html_body":
      return html(
        fault.status ?? 200,
        "<!doctype html><html><head><title>Just a moment...</title></head><body><p>Checking your browser.</p></body></html>"
      )
    case "error_code": {
      const description = fault.description ?? `The emulator injected the error "${fault.code}".`
      return fault.style === "openai"
        ? openAiError(fault.status ?? 401, fault.code, description)
        : { ...oauthError(fault.code, description, fault.status ?? 400) }
    }
    case "latency":
    case "truncated_body":
    case "after_grant":
      return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------------------------

const seconds = (input: Duration.DurationInput): number => Duration.toSeconds(Duration.decode(input))

const trimIssuer = (issuer: string): string => issuer.replace(/\/+$/, "")

export const make = (options: Emulator.EmulatorOptions = {}): Effect.Effect<Emulator.Emulator.Service> =>
  Effect.gen(function*() {
    const clientIds = new Set(options.clientIds ?? [codexClientId])
    const users: ReadonlyArray<EmulatorUser> = options.users && options.users.length > 0 ?
      options.users :
      [defaultUser]
    const redirectPorts = new Set(options.redirectPorts ?? defaultRedirectPorts)
    const initialSettings: Settings = {
      autoApprove: options.autoApprove ?? false,
      accessTokenTtlSeconds: seconds(options.accessTokenTtl ?? Duration.hours(1)),
      refreshTokenTtlSeconds: seconds(options.refreshTokenTtl ?? Duration.days(30)),
      deviceCodeLifetimeSeconds: seconds(options.deviceCodeLifetime ?? Duration.minutes(15)),
      deviceCodeEnabled: options.deviceCodeEnabled ?? true,
      deviceInterval: options.deviceInterval ?? "5"
    }
    const initialState: State = {
      settings: initialSettings,
      codes: new Map(),
      refreshTokens: new Map(),
      families: new Map(),
      deviceCodes: new Map(),
      pendingAuthorizations: new Map(),
      faults: [],
      log: [],
      bearers: new Map()
    }
    const state = yield* Ref.make(initialState)
    const signingKey = yield* Jwt.makeSigningKey
    const agentIdentityKey = yield* AgentIdentity.makeAgentIdentityKey
    /** The public half of every agent key minted, by agent runtime id: task registrations are checked with it. */
    const agentRuntimes = new Map<string, { readonly publicKey: CryptoKey; readonly accountId: string }>()
    let seq = 0

    const findUser = (email: string | undefined): EmulatorUser | undefined =>
      email === undefined || email === "" ? users[0] : users.find((u) => u.email === email)
    const emails = users.map((u) => u.email)

    // --- token minting -----------------------------------------------------------------------------------------

    const authClaims = (user: EmulatorUser, accountId: string) => ({
      chatgpt_account_id: accountId,
      chatgpt_plan_type: user.planType,
      chatgpt_user_id: user.userId,
      user_id: user.userId,
      organization_id: user.organizationId,
      project_id: user.projectId,
      completed_platform_onboarding: user.completedPlatformOnboarding,
      is_org_owner: user.isOrgOwner,
      chatgpt_account_is_fedramp: user.fedramp,
      organizations: [{ id: user.organizationId, is_default: true, role: user.isOrgOwner ? "owner" : "member" }]
    })

    const mintJwts = (family: Family, issuer: string, now: number, ttlSeconds: number) => {
      const user = findUser(family.email) ?? defaultUser
      const iat = Math.floor(now / 1000)
      const exp = iat + Math.round(ttlSeconds)
      const auth = authClaims(user, family.accountId)
      const jti = randomToken(12)
      return Effect.zipRight(
        Ref.update(
          state,
          (s) => ({ ...s, bearers: withEntry(s.bearers, jti, { family: family.id, rejected: false }) })
        ),
        Effect.all({
          id_token: Jwt.sign(signingKey, {
            iss: issuer,
            aud: [family.clientId],
            sub: user.userId,
            email: user.email,
            email_verified: true,
            iat,
            auth_time: iat,
            exp,
            "https://api.openai.com/auth": auth
          }),
          access_token: Jwt.sign(signingKey, {
            iss: issuer,
            aud: ["https://api.openai.com/v1"],
            client_id: family.clientId,
            sub: user.userId,
            iat,
            nbf: iat,
            exp,
            jti,
            scp: family.scope.split(" ").filter((s) => s !== ""),
            "https://api.openai.com/auth": auth,
            "https://api.openai.com/profile": { email: user.email, email_verified: true }
          })
        })
      )
    }

    /** Records a new refresh token for a family (creating the family when absent) and mints the JWTs. */
    const issueTokens = (
      family: Family,
      issuer: string,
      now: number,
      ttlSeconds?: number
    ) =>
      Effect.gen(function*() {
        const refreshToken = `rt_${randomToken(32)}`
        const settings = yield* Ref.modify(state, (s) => [s.settings, {
          ...s,
          families: s.families.has(family.id) ? s.families : withEntry(s.families, family.id, family),
          refreshTokens: withEntry(s.refreshTokens, refreshToken, { family: family.id, used: false })
        }])
        const jwts = yield* mintJwts(family, issuer, now, ttlSeconds ?? settings.accessTokenTtlSeconds)
        return {
          ...jwts,
          refresh_token: refreshToken,
          token_type: "Bearer",
          expires_in: Math.round(ttlSeconds ?? settings.accessTokenTtlSeconds),
          scope: family.scope
        }
      })

    const newFamily = (
      fields: Omit<Family, "id" | "expiresAt" | "revoked">,
      now: number,
      settings: Settings
    ): Family => ({
      ...fields,
      id: `fam_${randomToken(9)}`,
      expiresAt: now + settings.refreshTokenTtlSeconds * 1000,
      revoked: false
    })

    const revokeFamilies = (predicate: (family: Family) => boolean) =>
      Ref.modify(state, (s) => {
        const families = new Map(s.families)
        let count = 0
        for (const [id, family] of families) {
          if (!family.revoked && predicate(family)) {
            families.set(id, { ...family, revoked: true })
            count++
          }
        }
        return [count, { ...s, families }] as const
      })

    const chooseAccount = (user: EmulatorUser, allowed: ReadonlyArray<string>): string =>
      // Prefer a workspace the client allows; otherwise issue the default one so the client-side check can fail.
      [user.accountId, ...user.workspaceIds].find((id) => allowed.includes(id)) ?? user.accountId

    const issueCode = (pending: PendingAuthorization, user: EmulatorUser, now: number) => {
      const code = `ac_${randomToken(32)}`
      return Ref.update(state, (s) => ({
        ...s,
        codes: withEntry(s.codes, code, {
          clientId: pending.clientId,
          redirectUri: pending.redirectUri,
          codeChallenge: pending.codeChallenge,
          email: user.email,
          accountId: chooseAccount(user, pending.allowedWorkspaces),
          scope: pending.scope,
          expiresAt: now + authorizationCodeLifetimeMillis,
          used: false
        })
      })).pipe(Effect.as(code))
    }

    const callbackUrl = (redirectUri: string, params: Record<string, string>): string => {
      const url = new URL(redirectUri)
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
      return url.toString()
    }

    const entitlementDenied = (user: EmulatorUser) =>
      `missing_codex_entitlement: ${user.email} has no access to Codex; ask your workspace admin to enable it.`

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

    // --- endpoints ----------------------------------------------------------------------------------------------

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

    const consent = (req: Incoming) =>
      Effect.gen(function*() {
        if (req.body._tag === "Malformed") {
          return html(400, Pages.errorPage("invalid_request", req.body.reason), { errorCode: "invalid_request" })
        }
        const fields = req.body.fields
        const requestId = field(fields, "request_id") ?? ""
        const pending = yield* Ref.modify(state, (s) => {
          const found = s.pendingAuthorizations.get(requestId)
          return [found, found ? { ...s, pendingAuthorizations: withoutEntry(s.pendingAuthorizations, requestId) } : s]
        })
        if (pending === undefined) {
          return html(
            400,
            Pages.errorPage("invalid_request", "This sign-in request is unknown or was already answered. Start again."),
            { errorCode: "invalid_request" }
          )
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
          return html(400, Pages.errorPage("invalid_request", "Unknown account."), { errorCode: "invalid_request" })
        }
        return yield* completeAuthorization(pending, user)
      })

    const requireClient = (fields: Fields): Reply | string => {
      const clientId = field(fields, "client_id")
      if (clientId === undefined || clientId === "") return oauthError("invalid_request", "client_id is required.")
      if (!clientIds.has(clientId)) return oauthError("invalid_client", "Unknown client_id.")
      return clientId
    }

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
        const user = findUser(email)
        if (user === undefined) {
          return yield* new EmulatorAdminError({ operation, reason: `there is no test user with that email` })
        }
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

    const devicePagePost = (req: Incoming) =>
      Effect.gen(function*() {
        if (req.body._tag === "Malformed") {
          return html(400, Pages.errorPage("invalid_request", req.body.reason), { errorCode: "invalid_request" })
        }
        const fields = req.body.fields
        const userCode = field(fields, "user_code") ?? ""
        const decision = field(fields, "decision") === "allow" ? "approved" : "denied"
        const result = yield* Effect.either(decideDeviceCode(userCode, decision, field(fields, "email"), "device page"))
        if (result._tag === "Left") {
          return html(
            400,
            Pages.errorPage("invalid_request", "That code is unknown or has expired. Check the code in your terminal."),
            { errorCode: "invalid_request", userCode }
          )
        }
        return decision === "approved"
          ? html(200, Pages.messagePage("Device connected", "Return to your terminal to continue."), { userCode })
          : html(200, Pages.messagePage("Request denied", "The device was not connected."), { userCode })
      })

    const deviceCallback = () =>
      Effect.succeed(
        html(200, Pages.messagePage("Signed in", "You can close this window and return to your terminal."))
      )

    // --- request pipeline: parse, fault injection, log ----------------------------------------------------------

    const takeFault = (path: string, grantType: string | undefined) =>
      Ref.modify(state, (s) => {
        const index = s.faults.findIndex((f) =>
          f.fault.path === path && (f.fault.grantType === undefined || f.fault.grantType === grantType)
        )
        if (index < 0) return [undefined, s] as const
        const active = s.faults[index]!
        const faults = [...s.faults]
        if (active.remaining <= 1) faults.splice(index, 1)
        else faults[index] = { ...active, remaining: active.remaining - 1 }
        return [active.fault, { ...s, faults }] as const
      })

    const endpoint = (handler: (req: Incoming) => Effect.Effect<Reply>) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const url = new URL(request.url, "http://emulator.invalid")
        const headers = request.headers
        const host = hostOf(request)
        const text = yield* Effect.orElseSucceed(request.text, () => "")
        const body = request.method === "GET" ? { _tag: "Fields" as const, fields: {}, keys: [] } : parseBody(
          headers["content-type"] ?? "",
          text
        )
        const incoming: Incoming = {
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          headers,
          issuer: trimIssuer(options.issuer ?? `http://${host}`),
          body
        }
        const fields = body._tag === "Fields" ? body.fields : {}
        const grantType = field(fields, "grant_type")
        const fault = yield* takeFault(url.pathname, grantType)
        if (fault?.kind === "latency") yield* Effect.sleep(Duration.millis(fault.millis))
        const injected = fault === undefined ? undefined : faultReply(fault)
        const handled = injected ?? (yield* handler(incoming))
        const reply: Reply = fault?.kind === "after_grant" && (fault.status !== undefined || fault.body !== undefined)
          ? {
            status: fault.status ?? 502,
            body: {
              _tag: "text",
              text: fault.body ??
                JSON.stringify({ error: { message: "The emulator lost the answer.", type: "server_error" } }),
              contentType: "application/json"
            },
            ...(handled.log === undefined ? {} : { log: handled.log })
          }
          : handled
        const response = render(reply, fault?.kind === "truncated_body")
        const atMillis = yield* Clock.currentTimeMillis
        const optional = (value: string | undefined) => value === undefined || value === "" ? undefined : value
        const entry: RequestLogEntry = {
          seq: ++seq,
          atMillis,
          method: request.method,
          path: url.pathname,
          status: reply.status,
          bodyKeys: body._tag === "Fields" ? [...body.keys] : [],
          headerNames: Object.keys(headers).sort(),
          ...definedOnly({
            contentType: optional(headers["content-type"]),
            originator: optional(headers["originator"]),
            userAgent: optional(headers["user-agent"]),
            grantType: optional(grantType),
            clientId: optional(field(fields, "client_id")),
            refreshToken: optional(field(fields, "refresh_token")),
            userCode: optional(field(fields, "user_code")),
            fault: fault?.kind,
            ...reply.log
          })
        }
        yield* Ref.update(state, (s) => ({ ...s, log: [...s.log, entry] }))
        // The grant is done (and logged); its answer is still in transit.
        if (fault?.kind === "after_grant" && fault.delayMillis !== undefined) {
          yield* Effect.sleep(Duration.millis(fault.delayMillis))
        }
        return response
      })

    // --- admin API ----------------------------------------------------------------------------------------------

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
        const user = findUser(request.email)
        if (user === undefined) {
          return yield* new EmulatorAdminError({
            operation: "mint tokens",
            reason: "there is no test user with that email"
          })
        }
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

    // --- Agent Identity (`codex login --with-access-token`) ------------------------------------------------------

    const mintAgentIdentity = (
      request: Emulator.AgentIdentityMintRequest
    ): Effect.Effect<Emulator.MintedAgentIdentity, EmulatorAdminError> =>
      Effect.gen(function*() {
        const user = findUser(request.email)
        if (user === undefined) {
          return yield* new EmulatorAdminError({
            operation: "mint agent identity",
            reason: "there is no test user with that email"
          })
        }
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

    const updateSettings = (patch: { readonly [K in keyof Settings]?: Settings[K] | undefined }) =>
      Ref.modify(state, (s) => {
        const settings: Settings = { ...s.settings, ...definedOnly(patch) }
        return [settings, { ...s, settings }] as const
      })

    // --- the ChatGPT backend (backend.ts) -------------------------------------------------------------------------

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

    const router = HttpRouter.empty.pipe(
      HttpRouter.get("/oauth/authorize", endpoint(authorize)),
      HttpRouter.post("/oauth/authorize/consent", endpoint(consent)),
      HttpRouter.post("/oauth/token", endpoint(token)),
      HttpRouter.post("/oauth/revoke", endpoint(revoke)),
      HttpRouter.post("/api/accounts/deviceauth/usercode", endpoint(usercode)),
      HttpRouter.post("/api/accounts/deviceauth/token", endpoint(deviceToken)),
      HttpRouter.get("/codex/device", endpoint(devicePageGet)),
      HttpRouter.post("/codex/device", endpoint(devicePagePost)),
      HttpRouter.get("/deviceauth/callback", endpoint(deviceCallback)),
      HttpRouter.get("/codex-backend/agent-identity/agent-identities/jwks", endpoint(agentIdentityJwksEndpoint)),
      HttpRouter.get("/backend-api/wham/agent-identities/jwks", endpoint(agentIdentityJwksEndpoint)),
      HttpRouter.post("/api/accounts/v1/agent/:runtimeId/task/register", endpoint(registerTask)),
      HttpRouter.get(Backend.paths.accountsCheck, endpoint(backend.accountsCheck)),
      HttpRouter.get(Backend.paths.models, endpoint(backend.models)),
      HttpRouter.post(Backend.paths.responses, endpoint(backend.responses))
    )
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

    const notFound = endpoint(() =>
      Effect.succeed(json(404, { error: "not_found", error_description: "No such endpoint." }))
    )
    const app: HttpApp.Default = HttpRouter.concat(router, adminRouter).pipe(
      Effect.catchTag("RouteNotFound", () => notFound)
    )

    return { ...service, app }
  })

/** The Host header; requests built from a web `Request` (no Host header) carry it in their absolute URL. */
const hostOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const header = request.headers["host"]
  if (header !== undefined && header !== "") return header
  try {
    return new URL(request.originalUrl).host
  } catch {
    return "127.0.0.1"
  }
}

const definedOnly = <T extends Record<string, unknown>>(record: T): { [K in keyof T]: Exclude<T[K], undefined> } => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value
  return out as { [K in keyof T]: Exclude<T[K], undefined> }
}
