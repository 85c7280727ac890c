// The access-token login's requests (the JWKS, task registration) and the registration's Ed25519 signature; the
// public module (AccessTokenAuth) documents and re-exports them.
import * as Base64 from "@codex-auth/core/Base64"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AgentIdentityClaims, Jwks } from "../../AccessTokenAuth.ts"
import {
  AccessTokenInvalid,
  AgentIdentityJwksUnavailable,
  type RequestOptions,
  TaskRegistrationFailed,
  taskRegistrationUrl
} from "./shared.ts"

const encoder = new TextEncoder()

const JwksSchema = Schema.Struct({
  keys: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

const sendText = (
  request: HttpClientRequest.HttpClientRequest,
  options: RequestOptions
): Effect.Effect<{ readonly status: number; readonly body: string }, string, HttpClient.HttpClient> =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    HttpClient.withTracerPropagation(client, false).execute(
      HttpClientRequest.setHeaders(request, { originator: options.originator, "user-agent": options.userAgent })
    ).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (body) => ({ status: response.status, body }))),
      Effect.mapError((error) => `request failed: ${error._tag}`),
      Effect.timeoutFail({
        duration: options.timeout ?? Duration.seconds(30),
        onTimeout: () => `no answer within ${Duration.format(options.timeout ?? Duration.seconds(30))}`
      })
    ))

/**
 * Fetches the issuer's JWKS (`GET`, with the `originator` and `User-Agent` headers Codex sends).
 *
 * @since 0.1.0
 * @category verification
 */
export const fetchJwks = (
  url: string,
  options: RequestOptions
): Effect.Effect<Jwks, AgentIdentityJwksUnavailable, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const response = yield* Effect.mapError(
      sendText(HttpClientRequest.get(url), options),
      (detail) => new AgentIdentityJwksUnavailable({ url, detail })
    )
    if (response.status < 200 || response.status > 299) {
      return yield* new AgentIdentityJwksUnavailable({ url, detail: `the endpoint answered HTTP ${response.status}` })
    }
    const jwks = Schema.decodeUnknownEither(Schema.parseJson(JwksSchema))(response.body)
    if (Either.isLeft(jwks)) {
      return yield* new AgentIdentityJwksUnavailable({ url, detail: "the answer is not a JSON Web Key Set" })
    }
    return jwks.right as Jwks
  })

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
  options: RequestOptions & { readonly authApiBaseUrl: string }
): Effect.Effect<string, TaskRegistrationFailed | AccessTokenInvalid, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const url = taskRegistrationUrl(options.authApiBaseUrl, claims.agentRuntimeId)
    const body = yield* signRegistration(claims, yield* Clock.currentTimeMillis)
    const response = yield* Effect.mapError(
      sendText(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson(body)), options),
      (detail) => new TaskRegistrationFailed({ url, detail })
    )
    if (response.status < 200 || response.status > 299) {
      return yield* new TaskRegistrationFailed({ url, detail: `the endpoint answered HTTP ${response.status}` })
    }
    const answer = Schema.decodeUnknownEither(Schema.parseJson(Schema.Struct({ task_id: Schema.String })))(
      response.body
    )
    if (Either.isLeft(answer)) {
      return yield* new TaskRegistrationFailed({ url, detail: "the answer omitted the task id" })
    }
    return answer.right.task_id
  }).pipe(Effect.withSpan("AccessTokenAuth.registerTask"))
