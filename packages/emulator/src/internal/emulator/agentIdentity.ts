// Agent Identity tokens as OpenAI issues them to Codex 0.169 (`codex login --with-access-token`): RS256 JWTs from
// `https://chatgpt.com/codex-backend/agent-identity` for `codex-app-server`, verified against a JWKS, carrying an
// Ed25519 agent key the client signs task registrations with. The emulator keeps one RSA key and remembers the
// public half of every agent key it minted, so it can check registrations as the real service would.
import * as Base64 from "@codex-auth/core/Base64"
import * as Effect from "effect/Effect"
import { base64UrlDecode, base64UrlEncode, base64UrlEncodeString, randomToken } from "./encoding.ts"

export const agentIdentityIssuer = "https://chatgpt.com/codex-backend/agent-identity"
export const agentIdentityAudience = "codex-app-server"

export interface AgentIdentityKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JsonWebKey & { readonly kid: string; readonly alg: string; readonly use: string }
}

export const makeAgentIdentityKey: Effect.Effect<AgentIdentityKey> = Effect.promise(async () => {
  const pair = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"]
  )
  const kid = `emulator-${randomToken(6)}`
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", pair.publicKey)
  return { kid, privateKey: pair.privateKey, publicJwk: { ...jwk, kid, alg: "RS256", use: "sig" } }
})

const encoder = new TextEncoder()

/** Signs claims with the emulator's key (or a throwaway one, for a forged token), `kid` in the header. */
export const signAgentIdentity = (
  key: AgentIdentityKey,
  claims: Record<string, unknown>,
  options: { readonly kid?: string | undefined; readonly forge?: boolean | undefined } = {}
): Effect.Effect<string> =>
  Effect.gen(function*() {
    const header = base64UrlEncodeString(JSON.stringify({ alg: "RS256", typ: "JWT", kid: options.kid ?? key.kid }))
    const input = `${header}.${base64UrlEncodeString(JSON.stringify(claims))}`
    const signingKey = options.forge === true ? (yield* makeAgentIdentityKey).privateKey : key.privateKey
    const signature = yield* Effect.promise(() =>
      crypto.subtle.sign("RSASSA-PKCS1-v1_5", signingKey, encoder.encode(input))
    )
    return `${input}.${base64UrlEncode(new Uint8Array(signature))}`
  })

export interface AgentKey {
  /** Base64 (standard) PKCS#8, as the `agent_private_key` claim carries it. */
  readonly privatePkcs8Base64: string
  readonly publicKey: CryptoKey
}

export const makeAgentKey: Effect.Effect<AgentKey> = Effect.promise(async () => {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey)
  return { privatePkcs8Base64: Base64.encode(new Uint8Array(pkcs8)), publicKey: pair.publicKey }
})

/** Whether `signature` (base64) is the agent key's Ed25519 signature of `{runtimeId}:{timestamp}`. */
export const verifyRegistration = (
  publicKey: CryptoKey,
  runtimeId: string,
  timestamp: string,
  signature: string
): Effect.Effect<boolean> => {
  const bytes = Base64.decode(signature) ?? base64UrlDecode(signature)
  if (bytes === undefined) return Effect.succeed(false)
  return Effect.promise(() =>
    crypto.subtle.verify("Ed25519", publicKey, bytes, encoder.encode(`${runtimeId}:${timestamp}`)).catch(() => false)
  )
}

/** `2026-11-22T00:26:27Z` → epoch milliseconds; undefined when it is not RFC 3339 UTC with whole seconds. */
export const parseRegistrationTimestamp = (timestamp: string): number | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(timestamp)) return undefined
  const millis = Date.parse(timestamp)
  return Number.isNaN(millis) ? undefined : millis
}
