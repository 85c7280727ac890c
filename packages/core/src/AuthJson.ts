/**
 * `auth.json`, the credentials file Codex keeps in `CODEX_HOME` (PROTOCOL.md §8): reading every shape Codex has
 * written, and writing it back the way Codex does — known keys in Codex's order, unknown keys kept (in their order,
 * after the known ones at their level), two-space pretty JSON with no trailing newline (serde_json's
 * `to_string_pretty`, which is what Codex writes), so a file Codex wrote round-trips byte for byte.
 *
 * Every secret (id, access and refresh tokens, API key, Agent Identity token) is `Redacted` from the moment it is
 * parsed.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as read from "./internal/authJsonRead.ts"
import * as syntax from "./internal/authJsonSyntax.ts"
import * as timestamp from "./internal/authJsonTimestamp.ts"
import * as Jwt from "./Jwt.ts"

/**
 * The credentials file cannot be used. The message names the file and what is wrong, never any token text.
 *
 * @since 0.1.0
 */
export class AuthFileInvalid extends Schema.TaggedError<AuthFileInvalid>("@codex-auth/core/AuthFileInvalid")(
  "AuthFileInvalid",
  { path: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `The credentials file ${this.path} cannot be used: ${this.reason}. ` +
      "Run `codex-auth login` again, or fix or remove the file."
  }
}

/**
 * A JSON value as read from the file. Numbers keep their text and objects their key order (duplicates included), so
 * fields this project does not know are written back exactly.
 *
 * @since 0.1.0
 */
export type Json = null | boolean | string | JsonNumber | JsonArray | JsonObject

/**
 * @since 0.1.0
 */
export interface JsonNumber {
  readonly _tag: "JsonNumber"
  /** The number exactly as written in the file. */
  readonly text: string
}

/**
 * @since 0.1.0
 */
export interface JsonArray {
  readonly _tag: "JsonArray"
  readonly items: ReadonlyArray<Json>
}

/**
 * @since 0.1.0
 */
export interface JsonObject {
  readonly _tag: "JsonObject"
  readonly entries: ReadonlyArray<readonly [string, Json]>
}

/**
 * Fields this project does not know, in file order; written back after the known keys of the same object.
 *
 * @since 0.1.0
 */
export type UnknownFields = ReadonlyArray<readonly [string, Json]>

/**
 * `auth_mode`. `chatgptAuthTokens` is Codex's mode for tokens supplied by a host app; `agentIdentity` is an
 * access-token login (`codex login --with-access-token`, see `AccessTokenAuth`). A file with any other value is
 * refused (`AuthFileInvalid`), as Codex refuses it.
 *
 * @since 0.1.0
 */
export type AuthMode = "chatgpt" | "apikey" | "chatgptAuthTokens" | "agentIdentity" | (string & {})

/**
 * `tokens.oauth_provenance`: which issuer and client the tokens belong to (where refreshes and revokes go).
 *
 * @since 0.1.0
 */
export interface OAuthProvenance {
  readonly issuer: string
  readonly clientId: string
  readonly unknownFields: UnknownFields
}

/**
 * `tokens`.
 *
 * @since 0.1.0
 */
export interface AuthTokens {
  readonly idToken: Redacted.Redacted<string>
  /** The id token's claims, decoded when the file was read (a file whose id token is not a JWT is rejected). */
  readonly idTokenInfo: Jwt.IdTokenInfo
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  /** Absent in files written before Codex recorded it. */
  readonly oauthProvenance: Option.Option<OAuthProvenance>
  /** Written by Codex 0.169 (meaning undocumented): kept when present, never invented. */
  readonly loginOwnerId: Option.Option<string>
  /** The ChatGPT account (workspace) id; absent in older files. Always written (`null` when none), as Codex does. */
  readonly accountId: Option.Option<string>
  readonly unknownFields: UnknownFields
}

/**
 * The whole `auth.json`.
 *
 * @since 0.1.0
 */
export interface AuthDocument {
  /** Absent in older files: see {@link resolvedMode}. Written only when present. */
  readonly authMode: Option.Option<AuthMode>
  /** `OPENAI_API_KEY`: always written, `null` when none. */
  readonly openaiApiKey: Option.Option<Redacted.Redacted<string>>
  /**
   * `agent_identity`: the Agent Identity JWT an access-token login stores (`auth_mode: agentIdentity`). Written
   * right after `OPENAI_API_KEY`, and only when present (Codex writes no `null` for it).
   */
  readonly agentIdentity: Option.Option<Redacted.Redacted<string>>
  readonly tokens: Option.Option<AuthTokens>
  /** `last_refresh` exactly as stored (Codex writes nanoseconds), so an untouched value is written back verbatim. */
  readonly lastRefresh: Option.Option<string>
  readonly unknownFields: UnknownFields
}

/**
 * The mode a document is in: `auth_mode` when present, else API key when `OPENAI_API_KEY` is set, else ChatGPT
 * (the rule of current Codex releases for files written before `auth_mode` existed).
 *
 * @since 0.1.0
 */
export const resolvedMode = (document: AuthDocument): AuthMode =>
  read.resolvedMode(Option.getOrUndefined(document.authMode), Option.isSome(document.openaiApiKey))

/**
 * The document an API-key login writes: `{"auth_mode":"apikey","OPENAI_API_KEY":"sk-…"}`.
 *
 * @since 0.1.0
 */
export const fromApiKey = (apiKey: Redacted.Redacted<string>): AuthDocument => ({
  authMode: Option.some("apikey"),
  openaiApiKey: Option.some(apiKey),
  agentIdentity: Option.none(),
  tokens: Option.none(),
  lastRefresh: Option.none(),
  unknownFields: []
})

/**
 * The document of an access-token (Agent Identity) login, as Codex writes it:
 * `{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"<JWT>"}`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromAgentIdentity = (token: Redacted.Redacted<string>): AuthDocument => ({
  authMode: Option.some("agentIdentity"),
  openaiApiKey: Option.none(),
  agentIdentity: Option.some(token),
  tokens: Option.none(),
  lastRefresh: Option.none(),
  unknownFields: []
})

/**
 * `last_refresh` as epoch milliseconds (sub-millisecond digits truncated), when present.
 *
 * @since 0.1.0
 */
export const lastRefreshMillis = (document: AuthDocument): Option.Option<number> =>
  Option.flatMap(document.lastRefresh, (text) => Option.fromNullable(timestamp.parseTimestamp(text)))

/**
 * Reads an RFC 3339 timestamp as epoch milliseconds.
 *
 * @since 0.1.0
 */
export const parseTimestamp = (text: string): Option.Option<number> =>
  Option.fromNullable(timestamp.parseTimestamp(text))

/**
 * Formats epoch milliseconds as this project writes `last_refresh`: RFC 3339 in UTC with millisecond precision
 * (the precision of `Clock.currentTimeMillis`), printed as chrono would print that instant (fraction omitted when
 * zero) — Codex reads it back unchanged.
 *
 * @since 0.1.0
 */
export const formatTimestamp: (epochMillis: number) => string = timestamp.formatTimestamp

// ---------------------------------------------------------------------------------------------------------------
// reading
// ---------------------------------------------------------------------------------------------------------------

const toDocument = (plain: read.PlainDocument): AuthDocument => ({
  authMode: Option.fromNullable(plain.authMode),
  openaiApiKey: Option.map(Option.fromNullable(plain.openaiApiKey), Redacted.make),
  agentIdentity: Option.map(Option.fromNullable(plain.agentIdentity), Redacted.make),
  tokens: Option.map(Option.fromNullable(plain.tokens), (tokens) => ({
    idToken: Redacted.make(tokens.idToken),
    idTokenInfo: Jwt.fromPlainClaims(tokens.idTokenClaims),
    accessToken: Redacted.make(tokens.accessToken),
    refreshToken: Redacted.make(tokens.refreshToken),
    oauthProvenance: Option.fromNullable(tokens.oauthProvenance),
    loginOwnerId: Option.fromNullable(tokens.loginOwnerId),
    accountId: Option.fromNullable(tokens.accountId),
    unknownFields: tokens.unknownFields
  })),
  lastRefresh: Option.fromNullable(plain.lastRefresh),
  unknownFields: plain.unknownFields
})

/**
 * The document as plain values (secrets unwrapped), the inverse of reading: what the read model (`ReadModel`)
 * decides on. Keep the result in memory only.
 *
 * @since 0.1.0
 */
export const toPlain = (document: AuthDocument): read.PlainDocument => ({
  authMode: Option.getOrUndefined(document.authMode),
  openaiApiKey: Option.getOrUndefined(Option.map(document.openaiApiKey, Redacted.value)),
  agentIdentity: Option.getOrUndefined(Option.map(document.agentIdentity, Redacted.value)),
  tokens: Option.getOrUndefined(Option.map(document.tokens, (tokens) => ({
    idToken: Redacted.value(tokens.idToken),
    idTokenClaims: Jwt.toPlainClaims(tokens.idTokenInfo),
    accessToken: Redacted.value(tokens.accessToken),
    refreshToken: Redacted.value(tokens.refreshToken),
    oauthProvenance: Option.getOrUndefined(tokens.oauthProvenance),
    loginOwnerId: Option.getOrUndefined(tokens.loginOwnerId),
    accountId: Option.getOrUndefined(tokens.accountId),
    unknownFields: tokens.unknownFields
  }))),
  lastRefresh: Option.getOrUndefined(document.lastRefresh),
  unknownFields: document.unknownFields
})

/**
 * Options of {@link parse}.
 *
 * @since 0.1.0
 */
export interface ParseOptions {
  /** The file the text came from, named in errors. */
  readonly path: string
}

/**
 * Reads the text of an `auth.json`.
 *
 * @since 0.1.0
 */
export const parseEither = (text: string, options: ParseOptions): Either.Either<AuthDocument, AuthFileInvalid> => {
  // The reading itself is plain code shared with the Effect-free `StoredAuth`; secrets are wrapped right here.
  const plain = read.read(text)
  return plain.ok
    ? Either.right(toDocument(plain.value))
    : Either.left(new AuthFileInvalid({ path: options.path, reason: plain.error }))
}

/**
 * Reads the text of an `auth.json`.
 *
 * @since 0.1.0
 */
export const parse = (text: string, options: ParseOptions): Effect.Effect<AuthDocument, AuthFileInvalid> =>
  parseEither(text, options)

// ---------------------------------------------------------------------------------------------------------------
// writing
// ---------------------------------------------------------------------------------------------------------------

const object = (entries: ReadonlyArray<readonly [string, Json] | undefined>, unknown: UnknownFields): JsonObject => ({
  _tag: "JsonObject",
  entries: [...entries.filter((entry): entry is readonly [string, Json] => entry !== undefined), ...unknown]
})

const optionalEntry = <A>(key: string, value: Option.Option<A>, toJson: (a: A) => Json) =>
  Option.match(value, { onNone: () => undefined, onSome: (a): readonly [string, Json] => [key, toJson(a)] })

/**
 * The document as a JSON value, in Codex's key order (for embedders writing their own format).
 *
 * @since 0.1.0
 */
export const toJson = (document: AuthDocument): JsonObject =>
  object([
    optionalEntry("auth_mode", document.authMode, (mode) => mode),
    ["OPENAI_API_KEY", Option.match(document.openaiApiKey, { onNone: () => null, onSome: Redacted.value })],
    optionalEntry("agent_identity", document.agentIdentity, Redacted.value),
    optionalEntry("tokens", document.tokens, (tokens) =>
      object([
        ["id_token", Redacted.value(tokens.idToken)],
        ["access_token", Redacted.value(tokens.accessToken)],
        ["refresh_token", Redacted.value(tokens.refreshToken)],
        optionalEntry(
          "oauth_provenance",
          tokens.oauthProvenance,
          (provenance) =>
            object([["issuer", provenance.issuer], ["client_id", provenance.clientId]], provenance.unknownFields)
        ),
        optionalEntry("login_owner_id", tokens.loginOwnerId, (id) => id),
        ["account_id", Option.getOrNull(tokens.accountId)]
      ], tokens.unknownFields)),
    optionalEntry("last_refresh", document.lastRefresh, (text) => text)
  ], document.unknownFields)

/**
 * Writes the document as Codex writes `auth.json`: two-space pretty JSON, no trailing newline.
 *
 * @since 0.1.0
 */
export const stringify = (document: AuthDocument): string => syntax.stringify(toJson(document), true)

/**
 * Writes the document as compact JSON (the form Codex stores in the OS keyring).
 *
 * @since 0.1.0
 */
export const stringifyCompact = (document: AuthDocument): string => syntax.stringify(toJson(document), false)
