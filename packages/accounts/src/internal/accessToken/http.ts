// The access-token login's requests (the JWKS, task registration), sent by the engine's OAuthClient (Codex's
// headers, the profile's timeout), and the registration's Ed25519 signature; the public module (AccessTokenAuth)
// documents and re-exports them.
import * as Base64 from "@codex-auth/core/Base64"
import { OAuthClient } from "@codex-auth/core/OAuthClient"
import type * as OAuthClientModule from "@codex-auth/core/OAuthClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { AgentIdentityClaims, Jwks } from "../../AccessTokenAuth.ts"
import {
  AccessTokenInvalid,
  AgentIdentityJwksUnavailable,
  TaskRegistrationFailed,
  taskRegistrationUrl
} from "./shared.ts"

const encoder = new TextEncoder()

/** The `detail` of this module's errors: what went wrong with the request, never a token. */
const describe = (error: OAuthClientModule.ExchangeError, malformed: string): string =>
  error._tag === "TokenEndpointError"
    ? `the endpoint answered HTTP ${error.status}`
    : error._tag === "MalformedResponse"
    ? malformed
    : error._tag === "CaCertificateInvalid" || error._tag === "HttpClientSettingInvalid"
    // The §12 settings' own message: it names the variable, never its value.
    ? error.message
    : error.kind === "timeout"
    ? error.detail
    : `request failed: ${error.detail}`

/**
 * Fetches the issuer's JWKS (`GET`, with the `originator` and `User-Agent` headers Codex sends).
 *
 * @since 0.1.0
 * @category verification
 */
export const fetchJwks = (url: string): Effect.Effect<Jwks, AgentIdentityJwksUnavailable, OAuthClient> =>
  Effect.flatMap(OAuthClient, (oauth) => oauth.fetchJwks(url)).pipe(
    // The verifier judges each key's fields (kty, n, e); the set itself is what Codex fetched.
    Effect.map((jwks) => jwks as Jwks),
    Effect.mapError((error) =>
      new AgentIdentityJwksUnavailable({ url, detail: describe(error, "the answer is not a JSON Web Key Set") })
    )
  )

/**
 * `timestamp` as Codex sends it: RFC 3339 in UTC with whole seconds (`2026-11-22T00:26:27Z`).
 *
 * @since 0.1.0
 * @category task registration
 */
export const registrationTimestamp = (epochMillis: number): string =>
  new Date(Math.floor(epochMillis / 1000) * 1000).toISOString().replace(".000Z", "Z")

/**
 * The body Codex posts: `{timestamp, signature}`, the signature being Ed25519 over `{agent_runtime_id}:{timestamp}`
 * with the token's `agent_private_key`, base64 (standard, padded).
 *
 * @since 0.1.0
 * @category task registration
 */
export const signRegistration = (
  claims: AgentIdentityClaims,
  epochMillis: number
): Effect.Effect<{ readonly timestamp: string; readonly signature: string }, AccessTokenInvalid> =>
  Effect.gen(function*() {
    const der = Base64.decode(Redacted.value(claims.agentPrivateKey))
    const invalidKey = new AccessTokenInvalid({ reason: "its agent_private_key is not a base64 PKCS#8 Ed25519 key" })
    if (der === undefined) return yield* invalidKey
    const key = yield* Effect.tryPromise({
      try: () => crypto.subtle.importKey("pkcs8", new Uint8Array(der), { name: "Ed25519" }, false, ["sign"]),
      catch: () => invalidKey
    })
    const timestamp = registrationTimestamp(epochMillis)
    const signature = yield* Effect.promise(() =>
      crypto.subtle.sign("Ed25519", key, encoder.encode(`${claims.agentRuntimeId}:${timestamp}`))
    )
    return { timestamp, signature: Base64.encode(new Uint8Array(signature)) }
  })

/**
 * Registers a task for the token's agent runtime, as `codex login status` does; answers the task id.
 *
 * @since 0.1.0
 * @category task registration
 */
export const registerTask = (
  claims: AgentIdentityClaims,
  options: { readonly authApiBaseUrl: string }
): Effect.Effect<string, TaskRegistrationFailed | AccessTokenInvalid, OAuthClient> =>
  Effect.gen(function*() {
    const url = taskRegistrationUrl(options.authApiBaseUrl, claims.agentRuntimeId)
    const body = yield* signRegistration(claims, yield* Clock.currentTimeMillis)
    const oauth = yield* OAuthClient
    return yield* Effect.mapError(
      oauth.registerAgentTask(url, body),
      (error) => new TaskRegistrationFailed({ url, detail: describe(error, "the answer omitted the task id") })
    )
  }).pipe(Effect.withSpan("AccessTokenAuth.registerTask"))
