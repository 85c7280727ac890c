import type * as Session from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Bridge from "../../AppServerBridge.ts"
import { AppServerSignInFailed } from "../../AppServerBridge.ts"

const refreshMethod = "account/chatgptAuthTokens/refresh"
/** The server's own deadline for our answers to its requests, and a bound on waiting for its answers to ours. */
const serverDeadline = Duration.seconds(10)

type Json = Record<string, unknown>

const parse = (line: string): Json | undefined => {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined
  } catch {
    return undefined
  }
}

const isRequest = (message: Json): boolean => typeof message["method"] === "string" && "id" in message
const isResponse = (message: Json): boolean => !("method" in message) && "id" in message

interface Signed {
  readonly bearer: Redacted.Redacted<string>
  readonly accountId: string
  readonly expiresAt: number | undefined
}

/** What a ChatGPT login gives the server: the bearer, the account, the access token's expiry. */
const chatGptOf = (
  credentials: Session.Credentials
): { readonly ok: true; readonly value: Signed } | { readonly ok: false; readonly reason: string } => {
  if (credentials._tag !== "ChatGpt") {
    return {
      ok: false,
      reason: "the stored login is an API key, and the app-server's chatgptAuthTokens mode needs a ChatGPT login. " +
        "Run `codex-auth login` (ChatGPT), or give the app-server the key through OPENAI_API_KEY instead."
    }
  }
  const tokens = credentials.tokenSet
  const accountId = Option.orElse(tokens.accountId, () => tokens.idTokenInfo.chatgptAccountId)
  if (Option.isNone(accountId)) {
    return {
      ok: false,
      reason: "the stored ChatGPT login names no account (no chatgpt_account_id). Run `codex-auth login` again."
    }
  }
  return {
    ok: true,
    value: {
      bearer: tokens.accessToken,
      accountId: accountId.value,
      expiresAt: Option.getOrUndefined(tokens.accessTokenExpiresAt)
    }
  }
}

const sameBearer = (a: Redacted.Redacted<string> | undefined, b: Redacted.Redacted<string>): boolean =>
  a !== undefined && Redacted.value(a) === Redacted.value(b)

/** A session failure as one line for the server's error answer (the errors carry no secret). */
const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

export const make = (
  session: Session.Session.Service,
  options: Bridge.Options
): Effect.Effect<Bridge.AppServerBridge, never, Scope.Scope> =>
  Effect.gen(function*() {
    const toHost = options.toHost ?? (() => Effect.void)
    const answerDeadline = Duration.decode(options.answerDeadline ?? Duration.seconds(8))
    const repeatWindowMillis = Duration.toMillis(options.repeatWindow ?? Duration.seconds(10))
    const watchInterval = Duration.decode(options.watchInterval ?? Duration.seconds(30))
    const proactive = options.proactive ?? true
    const emit = (event: Bridge.BridgeEvent) => options.onEvent === undefined ? Effect.void : options.onEvent(event)

    const stats = { signIns: 0, refreshRequests: 0, refreshAnswers: 0, refreshErrors: 0, sessionRefreshes: 0 }
    let nextId = 0
    const pending = new Map<string, Deferred.Deferred<Json>>()
    let loginCompleted: Deferred.Deferred<Json> | undefined
    /** What the server holds now (undefined: not signed in by us). */
    let signed: Signed | undefined
    /** The last refresh answer: a repeated request soon after gets the same token. */
    let lastAnswer: { readonly bearer: Redacted.Redacted<string>; readonly atMillis: number } | undefined
    /** Host handshake: after `initialize`, the first request waits for the sign-in. */
    let awaitingFirstRequest = false
    let started = false
    const signInLock = yield* Effect.makeSemaphore(1)
    const refreshLock = yield* Effect.makeSemaphore(1)
    const scope = yield* Effect.scope
    /** Completed when what the server holds changes, so the watch recomputes when to wake. */
    let wake = yield* Deferred.make<void>()
    const held = (value: Signed | undefined) =>
      Effect.suspend(() => {
        signed = value
        return Deferred.succeed(wake, undefined)
      })

    const request = (method: string, params: unknown) =>
      Effect.gen(function*() {
        const id = `codex-auth-${++nextId}`
        const answer = yield* Deferred.make<Json>()
        pending.set(id, answer)
        yield* options.toServer(JSON.stringify({ id, method, params }))
        return yield* Deferred.await(answer).pipe(
          Effect.timeout(serverDeadline),
          Effect.ensuring(Effect.sync(() => pending.delete(id)))
        )
      })

    const loginWith = (value: Signed, reason: Bridge.SignInReason) =>
      Effect.gen(function*() {
        const completed = yield* Deferred.make<Json>()
        loginCompleted = completed
        // Held from now on: a refresh request during the login (the server's workspace check met a 401) is about this
        // token, and must get a fresh one rather than this one back.
        yield* held(value)
        const answer = yield* request("account/login/start", {
          type: "chatgptAuthTokens",
          accessToken: Redacted.value(value.bearer),
          chatgptAccountId: value.accountId,
          chatgptPlanType: null
        }).pipe(Effect.mapError(() => "the app-server did not answer account/login/start within 10 s"))
        const error = answer["error"]
        if (error !== undefined) {
          const message = typeof error === "object" && error !== null && "message" in error ?
            String((error as Json)["message"]) :
            JSON.stringify(error)
          return yield* Effect.fail(
            message.includes("experimentalApi")
              ? `${message}. The bridge adds experimentalApi to the host's initialize; sign in only after it.`
              : message
          )
        }
        // The server checks the workspace (wham/accounts/check) after answering: wait for its verdict.
        const done = yield* Deferred.await(completed).pipe(
          Effect.timeout(serverDeadline),
          Effect.mapError(() => "the app-server did not report the login's outcome within 10 s")
        )
        const params = (done["params"] ?? {}) as Json
        if (params["success"] !== true) {
          return yield* Effect.fail(
            `the app-server refused the tokens (${String(params["error"] ?? "no reason given")}). ` +
              "Check that chatgpt_base_url points at a backend that knows this account."
          )
        }
        stats.signIns++
        yield* emit({ _tag: "SignedIn", reason, accountId: value.accountId })
      }).pipe(
        Effect.tapError((message) => emit({ _tag: "SignInFailed", reason, message })),
        Effect.mapError((reason) => new AppServerSignInFailed({ reason }))
      )

    const currentLogin = Effect.flatMap(
      Effect.mapError(session.getCredentials, (error) => describe(error)),
      (credentials) => {
        const found = chatGptOf(credentials)
        return found.ok ? Effect.succeed(found.value) : Effect.fail(found.reason)
      }
    )

    const signInAs = (reason: Bridge.SignInReason) =>
      signInLock.withPermits(1)(Effect.gen(function*() {
        const value = yield* Effect.mapError(currentLogin, (why) => new AppServerSignInFailed({ reason: why })).pipe(
          Effect.tapError((error) => emit({ _tag: "SignInFailed", reason, message: error.reason }))
        )
        started = true
        yield* loginWith(value, reason)
      }))

    // --- refresh requests ---------------------------------------------------------------------------------------

    const answerRefresh = (id: unknown, params: Json, arrivedAt: number) =>
      refreshLock.withPermits(1)(Effect.gen(function*() {
        stats.refreshRequests++
        const previousAccountId = typeof params["previousAccountId"] === "string"
          ? params["previousAccountId"]
          : undefined
        const now = yield* Clock.currentTimeMillis
        const source = previousAccountId !== undefined && options.sessionFor !== undefined
          ? (yield* options.sessionFor(previousAccountId)) ?? session
          : session
        const repeated = lastAnswer !== undefined && now - lastAnswer.atMillis < repeatWindowMillis &&
          sameBearer(signed?.bearer, lastAnswer.bearer)
        // The session may hold a token the server has not seen (refreshed by another caller or process meanwhile):
        // that one answers without a refresh. Else the server's token is the rejected one: recover from it.
        const obtain = repeated ? source.getCredentials : Effect.flatMap(source.getCredentials, (credentials) => {
          const held = chatGptOf(credentials)
          return held.ok && !sameBearer(signed?.bearer, held.value.bearer)
            ? Effect.succeed(credentials)
            : Effect.zipRight(source.recoverUnauthorized, source.getCredentials)
        })
        // The refresh runs in the bridge's scope, not under the deadline: the server gets an error answer in time,
        // and the refresh still completes (and is saved), so the next request is answered from it.
        const running = yield* Effect.forkIn(obtain, scope)
        const outcome = yield* Effect.either(
          Fiber.join(running).pipe(
            // A defect answers too: the server must never wait out its 10 s.
            Effect.catchAllCause((cause) => Effect.fail(describe(Cause.squash(cause)))),
            Effect.timeoutFail({
              // Counted from the request's arrival: time spent behind another answer counts too.
              duration: Duration.millis(Math.max(0, Duration.toMillis(answerDeadline) - (now - arrivedAt))),
              onTimeout: () => `the session did not produce a token within ${Duration.format(answerDeadline)}`
            })
          )
        )
        const found = outcome._tag === "Right" ? chatGptOf(outcome.right) : { ok: false as const, reason: outcome.left }
        if (!found.ok) {
          stats.refreshErrors++
          yield* options.toServer(JSON.stringify({
            id,
            error: { code: -32000, message: `codex-auth could not refresh the ChatGPT login: ${found.reason}` }
          }))
          yield* emit({ _tag: "RefreshFailed", message: found.reason, timedOut: found.reason.includes("within") })
          return
        }
        const value = found.value
        const refreshed = !sameBearer(signed?.bearer, value.bearer)
        if (refreshed && !repeated) stats.sessionRefreshes++
        yield* options.toServer(JSON.stringify({
          id,
          result: {
            accessToken: Redacted.value(value.bearer),
            chatgptAccountId: value.accountId,
            chatgptPlanType: null
          }
        }))
        stats.refreshAnswers++
        yield* held(value)
        lastAnswer = { bearer: value.bearer, atMillis: yield* Clock.currentTimeMillis }
        yield* emit({ _tag: "RefreshAnswered", refreshed, previousAccountId, accountId: value.accountId })
      }))

    // --- keeping the server's token fresh -------------------------------------------------------------------------

    /** True when the last resync found nothing new (a refresh that failed for now): the watch then waits longer. */
    let stale = false
    const resync = Effect.gen(function*() {
      if (!started) return
      const outcome = yield* Effect.either(session.getCredentials)
      const found = outcome._tag === "Right" ? chatGptOf(outcome.right) : { ok: false as const, reason: "failed" }
      // No login any more (logged out, or replaced by an API key) — unlike a refresh failing for now.
      const absent = outcome._tag === "Right" || outcome.left._tag === "LoginRequired"
      if (!found.ok) {
        stale = true
        if (absent && signed !== undefined) {
          // Logged out (or the login became unusable): the server must not keep using the old tokens.
          yield* Effect.ignore(request("account/logout", {}))
          yield* held(undefined)
          yield* emit({ _tag: "SignedOut" })
        }
        return
      }
      const now = yield* Clock.currentTimeMillis
      stale = sameBearer(signed?.bearer, found.value.bearer)
      if (!stale) {
        const reason: Bridge.SignInReason = signed?.expiresAt !== undefined &&
            signed.expiresAt - TokenSet.refreshSkewMillis <= now ?
          "proactive" :
          "session-changed"
        yield* Effect.ignore(signInLock.withPermits(1)(loginWith(found.value, reason)))
      }
    })

    // One loop: wake at the next watch tick or when the held token enters the refresh window, whichever is first.
    // `getCredentials` refreshes inside that window, so the comparison after it sees the fresh token.
    const watch = Effect.gen(function*() {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        let wait = Duration.toMillis(watchInterval)
        if (proactive && !stale && signed?.expiresAt !== undefined) {
          wait = Math.min(wait, Math.max(0, signed.expiresAt - TokenSet.refreshSkewMillis - now))
        }
        const woken = yield* Effect.race(
          Effect.as(Effect.sleep(Duration.millis(Math.max(wait, 1_000))), false),
          Effect.as(Deferred.await(wake), true)
        )
        if (woken) {
          wake = yield* Deferred.make<void>()
          continue
        }
        yield* resync
      }
    })
    yield* Effect.forkIn(watch, scope)

    // --- the two directions -------------------------------------------------------------------------------------

    const fromServer = (line: string) =>
      Effect.gen(function*() {
        const message = parse(line)
        if (message !== undefined) {
          if (isResponse(message) && typeof message["id"] === "string" && pending.has(message["id"])) {
            yield* Deferred.succeed(pending.get(message["id"])!, message)
            return
          }
          if (isRequest(message) && message["method"] === refreshMethod) {
            const arrivedAt = yield* Clock.currentTimeMillis
            yield* Effect.forkIn(answerRefresh(message["id"], (message["params"] ?? {}) as Json, arrivedAt), scope)
            return
          }
          if (message["method"] === "account/login/completed" && loginCompleted !== undefined) {
            yield* Deferred.succeed(loginCompleted, message)
          }
        }
        yield* toHost(line)
      })

    const fromHost = (line: string) =>
      Effect.gen(function*() {
        const message = parse(line)
        if (message === undefined) return yield* options.toServer(line)
        if (isRequest(message) && message["method"] === "initialize") {
          // Whatever the host sends next (after `initialized`, or without it), the login comes first.
          awaitingFirstRequest = true
          const params =
            (typeof message["params"] === "object" && message["params"] !== null ? message["params"] : {}) as Json
          const capabilities = (typeof params["capabilities"] === "object" && params["capabilities"] !== null ?
            params["capabilities"] :
            {}) as Json
          if (capabilities["experimentalApi"] === true) return yield* options.toServer(line)
          return yield* options.toServer(
            JSON.stringify({
              ...message,
              params: { ...params, capabilities: { ...capabilities, experimentalApi: true } }
            })
          )
        }
        if (awaitingFirstRequest && isRequest(message)) {
          awaitingFirstRequest = false
          // A failed sign-in is reported (onEvent) and the request goes on: the server answers it as it would
          // without a login, and the host sees why in the server's own errors.
          yield* Effect.ignore(signInAs("initial"))
        }
        yield* options.toServer(line)
      })

    const handshake = (clientInfo: { readonly name: string; readonly title?: string; readonly version: string }) =>
      Effect.gen(function*() {
        const answer = yield* request("initialize", {
          clientInfo: { title: clientInfo.name, ...clientInfo },
          capabilities: { experimentalApi: true }
        }).pipe(
          Effect.mapError(() => new AppServerSignInFailed({ reason: "the app-server did not answer initialize" }))
        )
        if (answer["error"] !== undefined) {
          return yield* new AppServerSignInFailed({ reason: `initialize failed: ${JSON.stringify(answer["error"])}` })
        }
        yield* options.toServer(JSON.stringify({ method: "initialized" }))
        yield* signInAs("initial")
      })

    return {
      fromHost,
      fromServer,
      handshake,
      signIn: signInAs("explicit"),
      resync,
      stats: Effect.sync(() => ({ ...stats }))
    }
  })
