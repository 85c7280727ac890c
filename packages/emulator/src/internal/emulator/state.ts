// The emulator's one state (codes, refresh token families, device codes, faults, the request log, minted bearers)
// and what every route group shares: made once per emulator by `make`.
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Emulator from "../../Emulator.ts"
import { codexClientId, defaultRedirectPorts, defaultUser } from "../../Emulator.ts"
import * as AgentIdentity from "./agentIdentity.ts"
import * as Jwt from "./jwt.ts"
import { field, type Fields, oauthError, type Reply } from "./reply.ts"

export type EmulatorUser = Emulator.EmulatorUser
export type Settings = Emulator.EmulatorSettings
export type RequestLogEntry = Emulator.RequestLogEntry

export const defaultScope = "openid profile email offline_access api.connectors.read api.connectors.invoke"

export interface AuthorizationCode {
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

export interface RefreshTokenRecord {
  readonly family: string
  readonly used: boolean
}

export interface Family {
  readonly id: string
  readonly clientId: string
  readonly email: string
  readonly accountId: string
  readonly scope: string
  readonly expiresAt: number
  readonly revoked: boolean
}

export interface DeviceCode {
  readonly deviceAuthId: string
  readonly userCode: string
  readonly clientId: string
  readonly codeVerifier: string
  readonly codeChallenge: string
  readonly expiresAt: number
  readonly status: "pending" | "approved" | "denied" | "consumed"
  readonly email?: string
}

export interface PendingAuthorization {
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly state: string
  readonly scope: string
  readonly allowedWorkspaces: ReadonlyArray<string>
}

export interface ActiveFault {
  readonly fault: Emulator.Fault
  readonly remaining: number
}

export interface State {
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

export const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> =>
  new Map(map).set(key, value)
export const withoutEntry = <K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> => {
  const next = new Map(map)
  next.delete(key)
  return next
}

/** An agent key's public half and its account, by agent runtime id: task registrations are checked with it. */
export interface AgentRuntime {
  readonly publicKey: CryptoKey
  readonly accountId: string
}

/** What every route group works over: the options, the keys and the one state of an emulator. */
export interface Shared {
  readonly options: Emulator.EmulatorOptions
  readonly clientIds: ReadonlySet<string>
  readonly users: ReadonlyArray<EmulatorUser>
  readonly redirectPorts: ReadonlySet<number>
  readonly initialState: State
  readonly state: Ref.Ref<State>
  readonly signingKey: Jwt.SigningKey
  readonly agentIdentityKey: AgentIdentity.AgentIdentityKey
  /** The public half of every agent key minted, by agent runtime id. */
  readonly agentRuntimes: Map<string, AgentRuntime>
  readonly findUser: (email: string | undefined) => EmulatorUser | undefined
  /** `findUser`, or the admin error an admin `operation` fails with when no test user has that email. */
  readonly requireUser: (
    email: string | undefined,
    operation: string
  ) => Effect.Effect<EmulatorUser, Emulator.EmulatorAdminError>
  readonly emails: ReadonlyArray<string>
  /** The request log's next sequence number (`reset` does not restart it). */
  readonly nextSeq: () => number
  /** The request's `client_id`, or the OAuth error to answer. */
  readonly requireClient: (fields: Fields) => Reply | string
}

const seconds = (input: Duration.DurationInput): number => Duration.toSeconds(Duration.decode(input))

export const make = (options: Emulator.EmulatorOptions): Effect.Effect<Shared> =>
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
    const agentRuntimes = new Map<string, AgentRuntime>()
    let seq = 0

    const findUser = (email: string | undefined): EmulatorUser | undefined =>
      email === undefined || email === "" ? users[0] : users.find((u) => u.email === email)
    const requireUser = (email: string | undefined, operation: string) => {
      const user = findUser(email)
      return user === undefined
        ? Effect.fail(
          new Emulator.EmulatorAdminError({ operation, reason: "there is no test user with that email" })
        )
        : Effect.succeed(user)
    }
    const emails = users.map((u) => u.email)
    const requireClient = (fields: Fields): Reply | string => {
      const clientId = field(fields, "client_id")
      if (clientId === undefined || clientId === "") return oauthError("invalid_request", "client_id is required.")
      if (!clientIds.has(clientId)) return oauthError("invalid_client", "Unknown client_id.")
      return clientId
    }
    return {
      options,
      clientIds,
      users,
      redirectPorts,
      initialState,
      state,
      signingKey,
      agentIdentityKey,
      agentRuntimes,
      findUser,
      requireUser,
      emails,
      nextSeq: () => ++seq,
      requireClient
    }
  })
