// Reading auth.json into plain values — the one implementation of the file's rules. Plain TypeScript (no `effect`):
// `AuthJson` wraps the result in `Option`s and `Redacted`s, and the startup fast paths (`StoredAuth`) use it as is.
import type { Json, JsonObject, UnknownFields } from "../AuthJson.ts"
import * as syntax from "./authJsonSyntax.ts"
import * as timestamp from "./authJsonTimestamp.ts"
import type { PlainClaims } from "./jwt.ts"
import * as jwt from "./jwt.ts"

export interface PlainProvenance {
  readonly issuer: string
  readonly clientId: string
  readonly unknownFields: UnknownFields
}

export interface PlainTokens {
  readonly idToken: string
  readonly idTokenClaims: PlainClaims
  readonly accessToken: string
  readonly refreshToken: string
  readonly oauthProvenance: PlainProvenance | undefined
  readonly loginOwnerId: string | undefined
  readonly accountId: string | undefined
  readonly unknownFields: UnknownFields
}

export interface PlainDocument {
  readonly authMode: string | undefined
  readonly openaiApiKey: string | undefined
  /** `agent_identity`: the Agent Identity JWT of an access-token login (`auth_mode: agentIdentity`). */
  readonly agentIdentity: string | undefined
  readonly tokens: PlainTokens | undefined
  readonly lastRefresh: string | undefined
  readonly unknownFields: UnknownFields
}

/** Why a file cannot be used; never holds file text. */
class Invalid {
  constructor(readonly reason: string) {}
}

const describe = (value: Json): string => {
  if (value === null) return "null"
  if (typeof value === "boolean") return "a boolean"
  if (typeof value === "string") return "a string"
  switch (value._tag) {
    case "JsonNumber":
      return "a number"
    case "JsonArray":
      return "an array"
    case "JsonObject":
      return "an object"
  }
}

const isObject = (value: Json): value is JsonObject =>
  typeof value === "object" && value !== null && value._tag === "JsonObject"

/** Splits an object into its known keys (each at most once) and the rest, in order. */
const fields = (object: JsonObject, known: ReadonlyArray<string>, where: string) => {
  const found = new Map<string, Json>()
  const unknown: Array<readonly [string, Json]> = []
  for (const entry of object.entries) {
    const [key, value] = entry
    if (!known.includes(key)) unknown.push(entry)
    else if (found.has(key)) throw new Invalid(`"${where}${key}" appears more than once`)
    else found.set(key, value)
  }
  return { known: found as ReadonlyMap<string, Json>, unknown: unknown as UnknownFields }
}

/** A string field; `null` and absence both mean none. */
const optionalString = (map: ReadonlyMap<string, Json>, key: string, where: string): string | undefined => {
  const value = map.get(key)
  if (value === undefined || value === null) return undefined
  if (typeof value === "string") return value
  throw new Invalid(`"${where}${key}" must be a string or null, but it is ${describe(value)}`)
}

const requiredString = (map: ReadonlyMap<string, Json>, key: string, where: string): string => {
  const value = map.get(key)
  if (value === undefined) throw new Invalid(`"${where}${key}" is missing`)
  if (typeof value === "string") return value
  throw new Invalid(`"${where}${key}" must be a string, but it is ${describe(value)}`)
}

const optionalObject = (map: ReadonlyMap<string, Json>, key: string, where: string): JsonObject | undefined => {
  const value = map.get(key)
  if (value === undefined || value === null) return undefined
  if (isObject(value)) return value
  throw new Invalid(`"${where}${key}" must be an object or null, but it is ${describe(value)}`)
}

const PROVENANCE_KEYS = ["issuer", "client_id"]
const TOKEN_KEYS = ["id_token", "access_token", "refresh_token", "oauth_provenance", "login_owner_id", "account_id"]
const DOCUMENT_KEYS = ["auth_mode", "OPENAI_API_KEY", "agent_identity", "tokens", "last_refresh"]

const readProvenance = (object: JsonObject): PlainProvenance => {
  const where = "tokens.oauth_provenance."
  const { known, unknown } = fields(object, PROVENANCE_KEYS, where)
  const issuer = requiredString(known, "issuer", where)
  const clientId = requiredString(known, "client_id", where)
  return { issuer, clientId, unknownFields: unknown }
}

const readTokens = (object: JsonObject): PlainTokens => {
  const where = "tokens."
  const { known, unknown } = fields(object, TOKEN_KEYS, where)
  const idToken = requiredString(known, "id_token", where)
  const claims = jwt.decodeClaims(idToken)
  if (!claims.ok) {
    throw new Invalid(`"tokens.id_token" is not a valid JWT (${claims.error.part}: ${claims.error.reason})`)
  }
  const accessToken = requiredString(known, "access_token", where)
  const refreshToken = requiredString(known, "refresh_token", where)
  const provenanceObject = optionalObject(known, "oauth_provenance", where)
  const oauthProvenance = provenanceObject === undefined ? undefined : readProvenance(provenanceObject)
  const loginOwnerId = optionalString(known, "login_owner_id", where)
  const accountId = optionalString(known, "account_id", where)
  return {
    idToken,
    idTokenClaims: claims.value,
    accessToken,
    refreshToken,
    oauthProvenance,
    loginOwnerId,
    accountId,
    unknownFields: unknown
  }
}

/** The `auth_mode` values Codex 0.169 reads (its `AuthMode` enum); any other string makes it refuse the file. */
export const AUTH_MODES: ReadonlyArray<string> = ["chatgpt", "apikey", "chatgptAuthTokens", "agentIdentity"]

const readDocument = (root: Json): PlainDocument => {
  if (!isObject(root)) throw new Invalid(`the top level must be a JSON object, but it is ${describe(root)}`)
  const { known, unknown } = fields(root, DOCUMENT_KEYS, "")
  const authMode = optionalString(known, "auth_mode", "")
  if (authMode !== undefined && !AUTH_MODES.includes(authMode)) {
    throw new Invalid(
      `"auth_mode" is ${JSON.stringify(authMode.slice(0, 40))}, which Codex does not know (it reads ${
        AUTH_MODES.map((mode) => `"${mode}"`).join(", ")
      })`
    )
  }
  const openaiApiKey = optionalString(known, "OPENAI_API_KEY", "")
  const agentIdentity = optionalString(known, "agent_identity", "")
  const tokensObject = optionalObject(known, "tokens", "")
  const tokens = tokensObject === undefined ? undefined : readTokens(tokensObject)
  const lastRefresh = optionalString(known, "last_refresh", "")
  if (lastRefresh !== undefined && timestamp.parseTimestamp(lastRefresh) === undefined) {
    throw new Invalid(`"last_refresh" must be an RFC 3339 timestamp`)
  }
  return { authMode, openaiApiKey, agentIdentity, tokens, lastRefresh, unknownFields: unknown }
}

/** Reads the text of an `auth.json`; the failure is the reason (no file text in it). */
export const read = (
  text: string
): { readonly ok: true; readonly value: PlainDocument } | { readonly ok: false; readonly error: string } => {
  const parsed = syntax.parse(text)
  if (!parsed.ok) return parsed
  try {
    return { ok: true, value: readDocument(parsed.value) }
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.reason }
    throw error
  }
}

/** The mode of §8: `auth_mode`, else API key when `OPENAI_API_KEY` is set, else ChatGPT. */
export const resolvedMode = (authMode: string | undefined, hasApiKey: boolean): string =>
  authMode ?? (hasApiKey ? "apikey" : "chatgpt")
