/**
 * A begun two-step login as a plain JSON value, for hosts that start a login in one request and finish it in another
 * (a web app, a chat bot), possibly in another process or on another replica. The public fields are readable; the
 * secrets (the PKCE verifier and the state, with the workspace restriction and the issuer they belong to) are sealed
 * with AES-256-GCM under a key the host supplies, the public fields being the additional authenticated data: a value
 * altered anywhere, or sealed with another key, does not open. WebCrypto only, so Node and Deno seal alike.
 *
 * @since 0.1.0
 */
import type * as Environment from "@codex-auth/core/Environment"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { PendingLoginInvalid, PendingLoginKeyInvalid } from "./FacadeError.ts"

/**
 * What `beginLogin` resolves to. Keep it anywhere (a cookie, a session store, a queue); `sealed` is opaque.
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingLogin {
  readonly v: 1
  /** Random; a finished or cancelled login's id is recorded so the value cannot be used again. */
  readonly id: string
  /** The page the user signs in on. */
  readonly authorizeUrl: string
  /** Where the issuer sends the browser afterwards; `finishLogin` takes that URL. */
  readonly redirectUri: string
  /** RFC 3339; later than this the login cannot be finished. */
  readonly expiresAt: string
  /** base64url of the 12-byte IV followed by the AES-GCM ciphertext and tag. */
  readonly sealed: string
}

/**
 * @since 0.1.0
 * @category schemas
 */
export const PendingLoginSchema: Schema.Schema<PendingLogin> = Schema.Struct({
  v: Schema.Literal(1),
  id: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{22}$/)),
  authorizeUrl: Schema.String,
  redirectUri: Schema.String,
  expiresAt: Schema.String,
  sealed: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]+$/))
})

/**
 * What the seal holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Secrets {
  readonly state: Redacted.Redacted<string>
  readonly codeVerifier: Redacted.Redacted<string>
  readonly workspaceIds: ReadonlyArray<string> | undefined
  readonly issuer: string
  readonly clientId: string
}

const SealedSecrets = Schema.parseJson(Schema.Struct({
  state: Schema.String,
  codeVerifier: Schema.String,
  workspaceIds: Schema.optional(Schema.Array(Schema.String)),
  issuer: Schema.String,
  clientId: Schema.String
}))

const keyLength = 32
const ivLength = 12

const decodeBase64Any = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  const standard = text.trim().replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "")
  if (!/^[A-Za-z0-9+/]*$/.test(standard)) return undefined
  const padded = standard + "=".repeat((4 - (standard.length % 4)) % 4)
  const bytes = Either.getOrUndefined(Encoding.decodeBase64(padded))
  return bytes === undefined ? undefined : new Uint8Array(bytes)
}

/**
 * The AES-256-GCM key from 32 raw bytes, or their base64 / base64url text.
 *
 * @since 0.1.0
 * @category constructors
 */
export const importKey = (
  source: "sealKey" | typeof Environment.names.storeKey,
  raw: string | Uint8Array
): Effect.Effect<CryptoKey, PendingLoginKeyInvalid> =>
  Effect.gen(function*() {
    const bytes = typeof raw === "string" ? decodeBase64Any(raw) : raw instanceof Uint8Array ? raw : undefined
    if (bytes === undefined) {
      return yield* new PendingLoginKeyInvalid({ source, reason: "it is neither bytes nor base64" })
    }
    if (bytes.length !== keyLength) {
      return yield* new PendingLoginKeyInvalid({ source, reason: `it is ${bytes.length} bytes, not ${keyLength}` })
    }
    return yield* Effect.promise(() =>
      crypto.subtle.importKey("raw", new Uint8Array(bytes), { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
    )
  })

/** The authenticated public fields, in a fixed order. */
const additionalData = (pending: Omit<PendingLogin, "sealed">): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(
    JSON.stringify([pending.v, pending.id, pending.authorizeUrl, pending.redirectUri, pending.expiresAt])
  )

/**
 * Seals the secrets under `key`, binding them to the public fields.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seal = (
  key: CryptoKey,
  fields: Omit<PendingLogin, "sealed" | "v">,
  secrets: Secrets
): Effect.Effect<PendingLogin> =>
  Effect.gen(function*() {
    const pending = { v: 1 as const, ...fields }
    const plaintext = new TextEncoder().encode(JSON.stringify({
      state: Redacted.value(secrets.state),
      codeVerifier: Redacted.value(secrets.codeVerifier),
      ...(secrets.workspaceIds === undefined ? {} : { workspaceIds: secrets.workspaceIds }),
      issuer: secrets.issuer,
      clientId: secrets.clientId
    }))
    const iv = crypto.getRandomValues(new Uint8Array(ivLength))
    const ciphertext = yield* Effect.promise(() =>
      crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(pending) }, key, plaintext)
    )
    const sealed = new Uint8Array(ivLength + ciphertext.byteLength)
    sealed.set(iv, 0)
    sealed.set(new Uint8Array(ciphertext), ivLength)
    return { ...pending, sealed: Encoding.encodeBase64Url(sealed) }
  })

/**
 * Reads a pending login (the value, or its JSON text) and opens its seal; any alteration, another key or a value
 * that is not a pending login is `PendingLoginInvalid`.
 *
 * @since 0.1.0
 * @category destructors
 */
export const unseal = (
  key: CryptoKey,
  input: unknown
): Effect.Effect<{ readonly pending: PendingLogin; readonly secrets: Secrets }, PendingLoginInvalid> =>
  Effect.gen(function*() {
    const value = typeof input === "string"
      ? Either.getOrUndefined(Schema.decodeUnknownEither(Schema.parseJson())(input))
      : input
    const decoded = Schema.decodeUnknownEither(PendingLoginSchema)(value, { onExcessProperty: "error" })
    if (Either.isLeft(decoded)) {
      return yield* new PendingLoginInvalid({
        reason: "it is not a pending login: expected { v: 1, id, authorizeUrl, redirectUri, expiresAt, sealed }"
      })
    }
    const pending = decoded.right
    const bytes = decodeBase64Any(pending.sealed)
    if (bytes === undefined || bytes.length <= ivLength + 16) {
      return yield* new PendingLoginInvalid({ reason: "its sealed part is truncated" })
    }
    const plaintext = yield* Effect.tryPromise({
      try: () =>
        crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes.slice(0, ivLength), additionalData: additionalData(pending) },
          key,
          bytes.slice(ivLength)
        ),
      catch: () => new PendingLoginInvalid({ reason: "it was altered, or sealed with another key" })
    })
    const secrets = Schema.decodeUnknownEither(SealedSecrets)(new TextDecoder().decode(plaintext))
    if (Either.isLeft(secrets)) return yield* new PendingLoginInvalid({ reason: "its sealed part is not readable" })
    return {
      pending,
      secrets: {
        state: Redacted.make(secrets.right.state),
        codeVerifier: Redacted.make(secrets.right.codeVerifier),
        workspaceIds: secrets.right.workspaceIds,
        issuer: secrets.right.issuer,
        clientId: secrets.right.clientId
      }
    }
  })
