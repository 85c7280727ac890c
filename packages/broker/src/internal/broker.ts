import * as AuthJson from "@codex-auth/core/AuthJson"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import type { RefreshTokenRejected, RefreshTransientError } from "@codex-auth/core/OAuthError"
import { ProviderProfile } from "@codex-auth/core/ProviderProfile"
import { Session } from "@codex-auth/core/Session"
import type { Credentials } from "@codex-auth/core/Session"
import type { SessionError } from "@codex-auth/core/SessionError"
import type * as TokenSet from "@codex-auth/core/TokenSet"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Broker from "../Broker.ts"

/** A refresh request body larger than this is refused (Codex's is ~1 KB). */
const maxBodyBytes = 64 * 1024
const revokeTimeout = Duration.seconds(10)

const trimSlashes = (url: string): string => url.replace(/\/+$/, "")

const noStore = { "cache-control": "no-store" }

const jsonResponse = (status: number, value: unknown) =>
  HttpServerResponse.text(JSON.stringify(value), { status, headers: noStore, contentType: "application/json" })

/** RFC 6749 §5.2, as the issuer answers a malformed token request. */
const oauthError = (error: string, description: string, status = 400) =>
  jsonResponse(status, { error, error_description: description })

/** The OpenAI error object the issuer answers refresh failures with (what Codex classifies, PROTOCOL.md §5). */
const openAiError = (status: number, code: string | null, message: string, type = "invalid_request_error") =>
  jsonResponse(status, { error: { message, type, param: null, code } })

/**
 * What the issuer answers for a refresh token it does not know: the broker says the same for a token that is not the
 * store's current one and was not superseded within the grace window, so Codex shows its usual message.
 */
export const unknownTokenResponse = (): HttpServerResponse.HttpServerResponse =>
  openAiError(
    401,
    "refresh_token_invalidated",
    "Your refresh token is not recognised. Please log out and sign in again."
  )

const rejectionCode: Record<RefreshTokenRejected["reason"], string | null> = {
  expired: "refresh_token_expired",
  reused: "refresh_token_reused",
  revoked: "refresh_token_invalidated",
  unauthorized: null
}

const hashOf = (token: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")
  })

interface RefreshRequest {
  readonly refreshToken: string
  readonly clientId: string | undefined
}

const parseRefreshRequest = (text: string): Either.Either<RefreshRequest, string> => {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return Either.left("The request body must be JSON: {\"grant_type\":\"refresh_token\",\"refresh_token\":…}.")
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Either.left("The request body must be a JSON object.")
  }
  const fields = body as Record<string, unknown>
  if (fields["grant_type"] !== "refresh_token") {
    return Either.left("grant_type must be \"refresh_token\": the broker answers refresh grants only.")
  }
  const refreshToken = fields["refresh_token"]
  if (typeof refreshToken !== "string" || refreshToken === "") {
    return Either.left("refresh_token is required.")
  }
  const clientId = fields["client_id"]
  return Either.right({ refreshToken, clientId: typeof clientId === "string" ? clientId : undefined })
}

/** The issuer's refresh response (PROTOCOL.md §5), for the tokens the session holds. */
const tokenResponse = (tokenSet: TokenSet.TokenSet, now: number) => {
  const body: Record<string, unknown> = {
    id_token: Redacted.value(tokenSet.idToken),
    access_token: Redacted.value(tokenSet.accessToken),
    refresh_token: Redacted.value(tokenSet.refreshToken),
    token_type: "Bearer"
  }
  if (Option.isSome(tokenSet.accessTokenExpiresAt)) {
    body["expires_in"] = Math.max(0, Math.round((tokenSet.accessTokenExpiresAt.value - now) / 1000))
  }
  return jsonResponse(200, body)
}

/** A failure of the session, answered as the issuer would answer it; the messages are the typed errors' own. */
const failureResponse = (error: SessionError) => {
  switch (error._tag) {
    case "RefreshTokenRejected":
      return openAiError(error.status, rejectionCode[error.reason], error.message)
    case "RefreshTransientError": {
      const transient = error as RefreshTransientError
      const status = transient.status !== undefined && (transient.status === 429 || transient.status >= 500)
        ? transient.status
        : 502
      return openAiError(status, "temporarily_unavailable", transient.message, "server_error")
    }
    case "LoginRequired":
      return unknownTokenResponse()
    default:
      // The store or the stored login needs attention; 503 keeps Codex's tokens untouched (a transient failure).
      return openAiError(503, "temporarily_unavailable", error.message, "server_error")
  }
}

interface Superseded {
  readonly hash: string
  readonly at: number
}

export const make = (
  options: Broker.Options = {}
): Effect.Effect<
  Broker.Broker,
  never,
  Session | CredentialStore | ProviderProfile | HttpClient.HttpClient
> =>
  Effect.gen(function*() {
    const session = yield* Session
    const store = yield* CredentialStore
    const profile = yield* ProviderProfile
    const client = yield* HttpClient.HttpClient
    const graceMillis = options.graceMillis ?? 60_000
    const historySize = options.historySize ?? 16
    const counters = { requests: 0, current: 0, grace: 0, refused: 0, failed: 0 }
    // Requests are answered one at a time: a refresh is rare, and one queue makes "current" and "superseded" exact.
    const mutex = yield* Effect.makeSemaphore(1)

    // Hashes only: a superseded refresh token is never kept, only proof that a caller once held it.
    let currentHash: string | undefined
    let history: ReadonlyArray<Superseded> = []

    /** Records what the store holds now; the token it replaced joins the history (when it was replaced, if known). */
    const observe = (
      tokens: { readonly refreshToken: Redacted.Redacted<string>; readonly lastRefresh: Option.Option<number> }
    ) =>
      Effect.gen(function*() {
        const hash = yield* hashOf(Redacted.value(tokens.refreshToken))
        if (currentHash !== undefined && currentHash !== hash) {
          const now = yield* Clock.currentTimeMillis
          const at = Math.min(now, Option.getOrElse(tokens.lastRefresh, () => now))
          history = [{ hash: currentHash, at }, ...history.filter((entry) => entry.hash !== hash)].slice(0, historySize)
        }
        currentHash = hash
      })

    const storedTokens = Effect.map(
      store.load,
      (document) =>
        Option.flatMap(document, (doc) =>
          Option.map(doc.tokens, (tokens) => ({
            refreshToken: tokens.refreshToken,
            provenance: tokens.oauthProvenance,
            lastRefresh: AuthJson.lastRefreshMillis(doc)
          })))
    )
    // What the store holds when the broker starts is the first "current" token: Codex processes started before the
    // first refresh hold it.
    yield* Effect.flatMap(storedTokens, Option.match({ onNone: () => Effect.void, onSome: observe })).pipe(
      Effect.ignore
    )

    const chatGptTokens = (credentials: Credentials) =>
      credentials._tag === "ChatGpt" ? Effect.succeed(credentials.tokenSet) : Effect.fail("api-key" as const)

    /** The session's tokens, the same as the store's (the session adopts what another process stored). */
    const reconciled = Effect.gen(function*() {
      const held = yield* chatGptTokens(yield* session.getCredentials)
      const stored = yield* storedTokens
      if (Option.isSome(stored) && Redacted.value(stored.value.refreshToken) === Redacted.value(held.refreshToken)) {
        return held
      }
      // Another process stored newer tokens than the session holds in memory: a forced refresh adopts them.
      return yield* chatGptTokens(yield* session.refresh)
    })

    const refresh = (request: RefreshRequest) =>
      mutex.withPermits(1)(Effect.gen(function*() {
        const requestHash = yield* hashOf(request.refreshToken)
        const stored = yield* storedTokens
        counters.requests++
        if (Option.isNone(stored)) {
          counters.refused++
          return unknownTokenResponse()
        }
        yield* observe(stored.value)
        const storedClient = Option.match(stored.value.provenance, {
          onNone: () => profile.clientId,
          onSome: (provenance) => provenance.clientId
        })
        if (request.clientId !== undefined && request.clientId !== storedClient) {
          return oauthError("invalid_grant", "The refresh token was issued to another client.")
        }
        // Decided on what the store held when the request came: the store's current token, or one it held until a
        // moment ago. Anything else is refused before the session is asked for anything.
        const carriedCurrent = currentHash === requestHash
        if (!carriedCurrent) {
          const now = yield* Clock.currentTimeMillis
          const superseded = history.find((entry) => entry.hash === requestHash)
          if (superseded === undefined || now - superseded.at > graceMillis) {
            counters.refused++
            return unknownTokenResponse()
          }
        }
        // The session's tokens, refreshed if they are due (the one grant, single flight, under the store's lock).
        let answer = yield* reconciled
        yield* observe(answer)
        if (carriedCurrent && currentHash === requestHash) {
          // Still current and not due: the caller asks for new tokens anyway (a 401), so one real grant — or what
          // another process stored meanwhile.
          answer = yield* chatGptTokens(yield* session.refresh)
          yield* observe(answer)
        }
        if (carriedCurrent) counters.current++
        else counters.grace++
        const now = yield* Clock.currentTimeMillis
        return tokenResponse(answer, now)
      })).pipe(
        Effect.catchAll((error) =>
          Effect.sync(() => {
            counters.failed++
            return error === "api-key" ? unknownTokenResponse() : failureResponse(error)
          })
        )
      )

    /** The revoke request, unchanged, to the issuer the tokens came from (else the configured one); its answer back. */
    const revoke = (text: string, contentType: string | undefined, headers: Record<string, string | undefined>) =>
      Effect.gen(function*() {
        const stored = yield* storedTokens.pipe(Effect.orElseSucceed(() => Option.none()))
        const issuer = Option.match(Option.flatMap(stored, (s) => s.provenance), {
          onNone: () => profile.issuer,
          onSome: (provenance) => provenance.issuer
        })
        const forwarded: Record<string, string> = {}
        for (const name of ["originator", "user-agent"]) {
          const value = headers[name]
          if (value !== undefined) forwarded[name] = value
        }
        const request = HttpClientRequest.post(`${trimSlashes(issuer)}/oauth/revoke`).pipe(
          HttpClientRequest.setHeaders(forwarded),
          HttpClientRequest.bodyText(text, contentType ?? "application/json")
        )
        const response = yield* client.execute(request).pipe(Effect.timeout(revokeTimeout), Effect.scoped)
        const body = yield* response.text
        return HttpServerResponse.text(body, {
          status: response.status,
          headers: noStore,
          contentType: response.headers["content-type"] ?? "application/json"
        })
      }).pipe(
        Effect.catchAll(() =>
          Effect.succeed(
            openAiError(
              502,
              "temporarily_unavailable",
              "The issuer could not be reached to revoke the token; try again.",
              "server_error"
            )
          )
        )
      )

    const boundedText = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const length = Number(request.headers["content-length"] ?? "0")
      if (Number.isFinite(length) && length > maxBodyBytes) return Option.none<string>()
      const text = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
      return text.length > maxBodyBytes ? Option.none<string>() : Option.some(text)
    })

    const app: HttpApp.Default = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0]
      const route = request.method === "POST" && (path === "/oauth/token" || path === "/oauth/revoke")
        ? path
        : undefined
      if (route === undefined) return jsonResponse(404, { error: "not_found", error_description: "Not found." })
      // A browser page would send Origin: only local programs (Codex, the SDK) talk to the broker.
      if (request.headers["origin"] !== undefined) {
        return oauthError("access_denied", "Requests from web pages are refused.", 403)
      }
      const text = yield* boundedText
      if (Option.isNone(text)) return oauthError("invalid_request", "The request body is too large.", 413)
      if (route === "/oauth/revoke") return yield* revoke(text.value, request.headers["content-type"], request.headers)
      const parsed = parseRefreshRequest(text.value)
      if (Either.isLeft(parsed)) return oauthError("invalid_request", parsed.left)
      return yield* refresh(parsed.right)
    }).pipe(
      Effect.catchAllCause(() =>
        Effect.succeed(jsonResponse(500, { error: "server_error", error_description: "The broker failed." }))
      )
    )
    const stats: Effect.Effect<Broker.Stats> = Effect.sync(() => ({ ...counters }))
    return { app, stats }
  })
