import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as HttpClientConfig from "../HttpClientConfig.ts"
import type * as OAuthClient from "../OAuthClient.ts"
import {
  classifyRefreshFailure,
  DeviceCodeExpired,
  DeviceCodeNotEnabled,
  DeviceCodePollFailed,
  DeviceCodeRequestFailed,
  MalformedResponse,
  NetworkError,
  type Operation,
  parseErrorDetail,
  RefreshTransientError,
  RevokeFailed,
  scrub,
  TokenEndpointError
} from "../OAuthError.ts"
import { ProviderProfile } from "../ProviderProfile.ts"
import * as RefreshGrant from "../RefreshGrant.ts"
import * as ResponseBody from "./responseBody.ts"

// -----------------------------------------------------------------------------
// response bodies (decoded here, at the boundary)
// -----------------------------------------------------------------------------

const SecretString = Schema.Redacted(Schema.String)

const CodeExchangeBody = Schema.Struct({
  id_token: SecretString,
  access_token: SecretString,
  refresh_token: SecretString
})

const ApiKeyExchangeBody = Schema.Struct({ access_token: SecretString })

const NonNegativeSeconds = Schema.Union(Schema.NonNegative, Schema.compose(Schema.Trim, Schema.NumberFromString))
  .pipe(Schema.filter((n) => Number.isFinite(n) && n >= 0, { message: () => "a non-negative number of seconds" }))

const UserCodeBody = Schema.Struct({
  device_auth_id: Schema.String,
  user_code: Schema.optional(Schema.String),
  usercode: Schema.optional(Schema.String),
  interval: Schema.optional(NonNegativeSeconds)
})

const DeviceTokenBody = Schema.Struct({
  authorization_code: SecretString,
  code_challenge: Schema.String,
  code_verifier: SecretString
})

const JwksBody = Schema.Struct({
  keys: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

const TaskRegistrationBody = Schema.Struct({ task_id: Schema.String })

const decodeBody = <A, I>(
  operation: Operation,
  schema: Schema.Schema<A, I>,
  body: string
): Effect.Effect<A, MalformedResponse> => ResponseBody.decodeEither(operation, schema, body)

// -----------------------------------------------------------------------------
// transport
// -----------------------------------------------------------------------------

interface RawResponse {
  readonly status: number
  readonly body: string
}

const isOk = (status: number): boolean => status >= 200 && status < 300

const causeText = (cause: unknown, depth = 0): string => {
  if (depth > 3 || !Predicate.isObject(cause)) return ""
  const code = Predicate.hasProperty(cause, "code") && Predicate.isString(cause.code) ? cause.code : undefined
  const inner = Predicate.hasProperty(cause, "cause") ? causeText(cause.cause, depth + 1) : ""
  if (inner !== "") return inner
  if (code !== undefined) return code
  return Predicate.hasProperty(cause, "message") && Predicate.isString(cause.message) ? cause.message : ""
}

const describeHttpError = (error: HttpClientError.HttpClientError): string => {
  const what = error._tag === "RequestError" ? `${error.reason.toLowerCase()} error` : "reading the response failed"
  const cause = causeText(error.cause)
  return scrub(cause === "" ? what : `${what} (${cause})`)
}

// Failures that happen before a byte of the request leaves: the refresh token was not presented, so it is unspent.
const unsentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ERR_INVALID_URL",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_SSL_WRONG_VERSION_NUMBER"
])

// Deno's fetch reports the same failures as text only.
const unsentText =
  /connection refused|os error 111|dns error|failed to lookup address|name or service not known|invalid peer certificate|unknownissuer|certificate verify failed/i

const codesOf = (cause: unknown, depth = 0): ReadonlyArray<string> => {
  if (depth > 4 || !Predicate.isObject(cause)) return []
  const own = Predicate.hasProperty(cause, "code") && Predicate.isString(cause.code) ? [cause.code] : []
  const message = Predicate.hasProperty(cause, "message") && Predicate.isString(cause.message) ? [cause.message] : []
  const inner = Predicate.hasProperty(cause, "cause") ? codesOf(cause.cause, depth + 1) : []
  const errors = Predicate.hasProperty(cause, "errors") && Array.isArray(cause.errors)
    ? cause.errors.flatMap((e: unknown) => codesOf(e, depth + 1))
    : []
  return [...own, ...message, ...inner, ...errors]
}

/** Whether the request provably never reached the issuer. */
const neverSent = (error: HttpClientError.HttpClientError): boolean => {
  if (error._tag !== "RequestError") return false
  if (error.reason === "InvalidUrl" || error.reason === "Encode") return true
  return codesOf(error.cause).some((text) => unsentCodes.has(text) || unsentText.test(text))
}

const makeDevicePoll = Data.taggedEnum<OAuthClient.DevicePoll>()

/** @internal */
export const make: Effect.Effect<OAuthClient.OAuthClient.Service, never, HttpClient.HttpClient | ProviderProfile> =
  Effect.gen(function*() {
    const profile = yield* ProviderProfile
    // No trace headers on the wire: the issuer must see exactly what the Codex CLI sends.
    const client = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)

    const post = (url: string): HttpClientRequest.HttpClientRequest =>
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeaders(RefreshGrant.headers(profile))
      )

    const send = (
      operation: Operation,
      request: HttpClientRequest.HttpClientRequest,
      timeout: Duration.Duration = profile.requestTimeout
    ): Effect.Effect<RawResponse, NetworkError | HttpClientConfig.HttpClientConfigError> =>
      client.execute(request).pipe(
        Effect.flatMap((response) => Effect.map(response.text, (body) => ({ status: response.status, body }))),
        // A client that could not be configured (§12) sent nothing: its own error says what to fix.
        Effect.mapError((error) =>
          Option.getOrElse(
            HttpClientConfig.configurationFailure(error),
            (): NetworkError | HttpClientConfig.HttpClientConfigError =>
              new NetworkError({ operation, kind: "transport", detail: describeHttpError(error) })
          )
        ),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new NetworkError({ operation, kind: "timeout", detail: `no answer within ${Duration.format(timeout)}` })
        })
      )

    const tokenRequestFailure = (
      operation: Operation,
      response: RawResponse,
      secrets: ReadonlyArray<Redacted.Redacted<string>>
    ): TokenEndpointError =>
      new TokenEndpointError({
        operation,
        status: response.status,
        detail: parseErrorDetail(response.body, secrets.map(Redacted.value))
      })

    const exchangeCode = Effect.fn("OAuthClient.exchangeCode")(function*(input: OAuthClient.ExchangeCodeInput) {
      const response = yield* send(
        "exchangeCode",
        post(profile.tokenUrl).pipe(HttpClientRequest.bodyUrlParams([
          ["grant_type", "authorization_code"],
          ["client_id", profile.clientId],
          ["code", Redacted.value(input.code)],
          ["redirect_uri", input.redirectUri],
          ["code_verifier", Redacted.value(input.codeVerifier)]
        ]))
      )
      if (!isOk(response.status)) {
        return yield* tokenRequestFailure("exchangeCode", response, [input.code, input.codeVerifier])
      }
      const body = yield* decodeBody("exchangeCode", CodeExchangeBody, response.body)
      return {
        idToken: body.id_token,
        accessToken: body.access_token,
        refreshToken: body.refresh_token
      } satisfies OAuthClient.TokenResponse
    })

    const exchangeApiKey = Effect.fn("OAuthClient.exchangeApiKey")(function*(idToken: Redacted.Redacted<string>) {
      const response = yield* send(
        "exchangeApiKey",
        post(profile.tokenUrl).pipe(HttpClientRequest.bodyUrlParams([
          ["grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"],
          ["client_id", profile.clientId],
          ["requested_token", "openai-api-key"],
          ["subject_token", Redacted.value(idToken)],
          ["subject_token_type", "urn:ietf:params:oauth:token-type:id_token"]
        ]))
      )
      if (!isOk(response.status)) {
        return yield* tokenRequestFailure("exchangeApiKey", response, [idToken])
      }
      const body = yield* decodeBody("exchangeApiKey", ApiKeyExchangeBody, response.body)
      return body.access_token
    })

    const refresh = Effect.fn("OAuthClient.refresh")(
      function*(refreshToken: Redacted.Redacted<string>, options?: OAuthClient.RefreshOptions) {
        const timeout = profile.refreshTimeout
        const request = post(options?.url ?? profile.refreshTokenUrl).pipe(
          HttpClientRequest.bodyUnsafeJson(RefreshGrant.body(profile, refreshToken))
        )
        const response = yield* client.execute(request).pipe(
          Effect.flatMap((response) => Effect.map(response.text, (body) => ({ status: response.status, body }))),
          Effect.mapError((error) =>
            Option.getOrElse(
              HttpClientConfig.configurationFailure(error),
              (): RefreshTransientError | HttpClientConfig.HttpClientConfigError =>
                new RefreshTransientError({
                  detail: `could not reach the issuer, ${describeHttpError(error)}`,
                  kind: neverSent(error) ? "unsent" : "ambiguous"
                })
            )
          ),
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              new RefreshTransientError({ detail: `no answer within ${Duration.format(timeout)}`, kind: "ambiguous" })
          })
        )
        if (!isOk(response.status)) {
          return yield* classifyRefreshFailure(response.status, response.body, [Redacted.value(refreshToken)])
        }
        const now = yield* Clock.currentTimeMillis
        return yield* RefreshGrant.decodeAnswer(response.body, now)
      }
    )

    const revoke = Effect.fn("OAuthClient.revoke")(function*(
      input: OAuthClient.RevokeInput,
      options?: OAuthClient.RevokeOptions
    ) {
      const [token, body] = "refreshToken" in input
        ? [
          input.refreshToken,
          {
            token: Redacted.value(input.refreshToken),
            token_type_hint: "refresh_token",
            client_id: profile.clientId
          }
        ] as const
        : [input.accessToken, { token: Redacted.value(input.accessToken), token_type_hint: "access_token" }] as const
      const response = yield* send(
        "revoke",
        post(options?.url ?? profile.revokeTokenUrl).pipe(HttpClientRequest.bodyUnsafeJson(body)),
        profile.revokeTimeout
      ).pipe(
        Effect.mapError((error) =>
          new RevokeFailed({ detail: error._tag === "NetworkError" ? error.detail : scrub(error.message) })
        )
      )
      if (!isOk(response.status)) {
        return yield* new RevokeFailed({
          status: response.status,
          detail: parseErrorDetail(response.body, [Redacted.value(token)])
        })
      }
    })

    const requestDeviceCode = Effect.fn("OAuthClient.requestDeviceCode")(function*() {
      const response = yield* send(
        "requestDeviceCode",
        post(profile.deviceUserCodeUrl).pipe(HttpClientRequest.bodyUnsafeJson({ client_id: profile.clientId }))
      )
      if (response.status === 404) {
        return yield* new DeviceCodeNotEnabled({ issuer: profile.issuer })
      }
      if (!isOk(response.status)) {
        return yield* new DeviceCodeRequestFailed({
          status: response.status,
          detail: parseErrorDetail(response.body)
        })
      }
      const body = yield* decodeBody("requestDeviceCode", UserCodeBody, response.body)
      const userCode = body.user_code ?? body.usercode
      if (userCode === undefined) {
        return yield* new MalformedResponse({ operation: "requestDeviceCode", reason: "user_code is missing" })
      }
      return {
        deviceAuthId: Redacted.make(body.device_auth_id),
        userCode,
        // RFC 8628 §3.2: 5 seconds when the server names no interval.
        interval: Duration.seconds(body.interval ?? 5),
        verificationUrl: profile.deviceVerificationUrl
      } satisfies OAuthClient.DeviceCode
    })

    const pollErrorCode = (body: string): Option.Option<string> =>
      Either.getRight(ResponseBody.parseJson(body)).pipe(
        Option.flatMap((json) => {
          const error = Predicate.isRecord(json) ? json.error : undefined
          const code = Predicate.isRecord(error) ? error.code : error
          return Predicate.isString(code) ? Option.some(code.toLowerCase()) : Option.none()
        })
      )

    const poll = (
      code: OAuthClient.DeviceCode
    ): Effect.Effect<OAuthClient.DevicePoll, OAuthClient.PollDeviceCodeError> =>
      Effect.gen(function*() {
        const response = yield* send(
          "pollDeviceCode",
          post(profile.deviceTokenUrl).pipe(HttpClientRequest.bodyUnsafeJson({
            device_auth_id: Redacted.value(code.deviceAuthId),
            user_code: code.userCode
          }))
        )
        if (isOk(response.status)) {
          const body = yield* decodeBody("pollDeviceCode", DeviceTokenBody, response.body)
          return makeDevicePoll.Authorized({
            authorizationCode: body.authorization_code,
            codeChallenge: body.code_challenge,
            codeVerifier: body.code_verifier
          })
        }
        const errorCode = pollErrorCode(response.body)
        if (response.status === 429 || Option.contains(errorCode, "slow_down")) {
          return makeDevicePoll.SlowDown()
        }
        // The Codex issuer answers 403/404 while pending; RFC 8628 issuers say authorization_pending.
        if (response.status === 403 || response.status === 404 || Option.contains(errorCode, "authorization_pending")) {
          return makeDevicePoll.Pending()
        }
        return yield* new DeviceCodePollFailed({
          status: response.status,
          detail: parseErrorDetail(response.body, [Redacted.value(code.deviceAuthId)])
        })
      })

    const pollDeviceCode = Effect.fn("OAuthClient.pollDeviceCode")(poll)

    const completeDeviceCode = Effect.fn("OAuthClient.completeDeviceCode")(function*(code: OAuthClient.DeviceCode) {
      const lifetime = Duration.toMillis(profile.deviceCodeLifetime)
      const start = yield* Clock.currentTimeMillis
      let interval = code.interval
      while (true) {
        const result = yield* poll(code)
        if (result._tag === "Authorized") {
          return yield* exchangeCode({
            code: result.authorizationCode,
            codeVerifier: result.codeVerifier,
            redirectUri: profile.deviceRedirectUri
          })
        }
        if (result._tag === "SlowDown") {
          // RFC 8628 §3.5: every slow_down adds 5 seconds to the interval for the rest of the flow.
          interval = Duration.sum(interval, Duration.seconds(5))
        }
        const elapsed = (yield* Clock.currentTimeMillis) - start
        if (elapsed >= lifetime) {
          return yield* new DeviceCodeExpired({ lifetimeMinutes: Math.round(lifetime / 60_000) })
        }
        yield* Effect.sleep(Duration.min(interval, Duration.millis(lifetime - elapsed)))
      }
    })

    // Codex's other endpoints (access-token login): the same headers, timeout and error shapes as the issuer's.
    const fetchJwks = Effect.fn("OAuthClient.fetchJwks")(function*(url: string) {
      const response = yield* send(
        "fetchJwks",
        HttpClientRequest.get(url).pipe(
          HttpClientRequest.setHeaders(RefreshGrant.headers(profile))
        )
      )
      if (!isOk(response.status)) return yield* tokenRequestFailure("fetchJwks", response, [])
      return yield* decodeBody("fetchJwks", JwksBody, response.body)
    })

    const registerAgentTask = Effect.fn("OAuthClient.registerAgentTask")(
      function*(url: string, body: OAuthClient.AgentTaskRegistration) {
        const response = yield* send("registerAgentTask", post(url).pipe(HttpClientRequest.bodyUnsafeJson(body)))
        if (!isOk(response.status)) {
          return yield* tokenRequestFailure("registerAgentTask", response, [Redacted.make(body.signature)])
        }
        return (yield* decodeBody("registerAgentTask", TaskRegistrationBody, response.body)).task_id
      }
    )

    return {
      exchangeCode,
      exchangeApiKey,
      refresh,
      revoke,
      requestDeviceCode,
      pollDeviceCode,
      completeDeviceCode,
      fetchJwks,
      registerAgentTask
    } satisfies OAuthClient.OAuthClient.Service
  })
