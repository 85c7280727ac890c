/**
 * The loopback callback server of PROTOCOL.md §4 as a runtime-neutral `HttpApp`, bound through the
 * `LoopbackListener` port with the `/cancel` takeover and the second port. It never binds a port that is
 * not in the list it is given.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import { interpretCallback } from "./internal/flows/callback.ts"
import { entitlementMessage, errorPage, successPage } from "./internal/loopback/pages.ts"
import { LoginCancelled, LoopbackUnavailable, MissingAuthorizationCode } from "./LoginError.ts"
import type { AuthorizationFailed } from "./LoginError.ts"
import { LoopbackListener } from "./LoopbackListener.ts"
import type { LoopbackListenFailed } from "./LoopbackListener.ts"

/**
 * What the code handler returns: the login's value and the query of the `302 /success?…` redirect.
 *
 * @since 0.1.0
 */
export interface CodeAccepted<A> {
  readonly value: A
  readonly successQuery: ReadonlyArray<readonly [string, string]>
}

/**
 * @since 0.1.0
 */
export interface Options<A, E, R> {
  /** Tried in order (the profile's `[1455, 1457]`). */
  readonly ports: ReadonlyArray<number>
  /** `/auth/callback`. */
  readonly callbackPath: string
  readonly state: Redacted.Redacted<string>
  /** Exchange, workspace check, API-key exchange. Runs at most once per server. */
  readonly onCode: (code: Redacted.Redacted<string>, redirectUri: string) => Effect.Effect<CodeAccepted<A>, E, R>
  /** Bind attempts after the `/cancel` request. Default 10. */
  readonly bindRetries?: number | undefined
  /** Delay between bind attempts. Default 200 ms. */
  readonly bindRetryDelay?: Duration.DurationInput | undefined
}

/**
 * A listening callback server.
 *
 * @since 0.1.0
 */
export interface LoopbackServer<A, E> {
  readonly port: number
  /** `http://127.0.0.1:{port}{callbackPath}`. */
  readonly redirectUri: string
  /**
   * Completes as soon as the code handler succeeded (before the browser follows the redirect to `/success`), or
   * fails with the callback's error or a `/cancel` that came before the callback.
   */
  readonly result: Effect.Effect<A, E | AuthorizationFailed | MissingAuthorizationCode | LoginCancelled>
  /** Completes once `/success` was served (wait for it, bounded, before closing so the browser sees the page). */
  readonly successServed: Effect.Effect<void>
}

type Phase<A> =
  | { readonly _tag: "Waiting" }
  | { readonly _tag: "Exchanging" }
  | { readonly _tag: "Accepted"; readonly value: A }
  | { readonly _tag: "Done"; readonly completed: boolean }

const plain = (status: number, body: string, close = false): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, {
    status,
    contentType: "text/plain; charset=utf-8",
    headers: close ? { connection: "close" } : {}
  })

const htmlPage = (body: string, close = false): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, {
    status: 200,
    contentType: "text/html; charset=utf-8",
    headers: close ? { connection: "close" } : {}
  })

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" &&
    error.message !== ""
    ? error.message
    : "the token exchange failed"

/**
 * Build the request handler for one bound port (exported for tests and for runtimes that serve it themselves).
 *
 * @since 0.1.0
 */
export const makeApp = <A, E>(options: {
  readonly port: number
  readonly callbackPath: string
  readonly state: Redacted.Redacted<string>
  readonly onCode: (code: Redacted.Redacted<string>) => Effect.Effect<CodeAccepted<A>, E>
  readonly outcome: Deferred.Deferred<A, E | AuthorizationFailed | MissingAuthorizationCode | LoginCancelled>
  readonly scope: Scope.Scope
  /** Completed when `/success` is served. */
  readonly successServed?: Deferred.Deferred<void> | undefined
}): Effect.Effect<HttpApp.Default<never, never>> =>
  Effect.map(Ref.make<Phase<A>>({ _tag: "Waiting" }), (phase) => {
    const allowedHosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`])
    const fail = (error: E | AuthorizationFailed | MissingAuthorizationCode | LoginCancelled) =>
      Ref.set(phase, { _tag: "Done", completed: false }).pipe(Effect.zipRight(Deferred.fail(options.outcome, error)))

    const callback = (params: URLSearchParams) =>
      Effect.gen(function*() {
        const outcome = interpretCallback(params, options.state)
        if (outcome._tag === "StateMismatch") return plain(400, "State mismatch")
        // Single use: once a code was accepted (or the login ended) no further callback is processed.
        const claimed = yield* Ref.modify(phase, (current) =>
          current._tag === "Waiting"
            ? [true, { _tag: "Exchanging" } as Phase<A>]
            : [false, current])
        if (!claimed) return plain(409, "This login has already received its callback")
        switch (outcome._tag) {
          case "Failed": {
            yield* fail(outcome.error)
            const message = outcome.error.missingEntitlement
              ? entitlementMessage
              : `Sign-in failed: ${outcome.error.description ?? outcome.error.error}`
            return htmlPage(errorPage({ message, code: outcome.error.error }), true)
          }
          case "MissingCode": {
            yield* fail(new MissingAuthorizationCode())
            return htmlPage(
              errorPage({ message: "Sign-in failed: no authorization code", code: "missing_authorization_code" }),
              true
            )
          }
          case "Code": {
            // The exchange lives in the server's scope, so closing the server interrupts it.
            const fiber = yield* Effect.forkIn(options.onCode(outcome.code), options.scope)
            const exit = yield* Fiber.await(fiber)
            if (exit._tag === "Failure") {
              const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
              yield* failure === undefined
                ? Effect.zipRight(
                  Ref.set(phase, { _tag: "Done", completed: false }),
                  Deferred.failCause(options.outcome, exit.cause)
                )
                : fail(failure)
              return htmlPage(errorPage({ message: describe(failure) }), true)
            }
            // The login is complete now (the handler persisted it): the redirect only shows the success page, and
            // nothing that comes later (a /cancel, a browser that never follows) can undo it.
            yield* Ref.set(phase, { _tag: "Accepted", value: exit.value.value })
            yield* Deferred.succeed(options.outcome, exit.value.value)
            return HttpServerResponse.redirect(
              `/success?${new URLSearchParams(exit.value.successQuery.map(([key, value]) => [key, value]))}`,
              {
                status: 302
              }
            )
          }
        }
      })

    const success = Effect.gen(function*() {
      const current = yield* Ref.getAndUpdate(
        phase,
        (current): Phase<A> => current._tag === "Accepted" ? { _tag: "Done", completed: true } : current
      )
      if (current._tag !== "Accepted") return plain(404, "Not Found")
      if (options.successServed !== undefined) yield* Deferred.succeed(options.successServed, undefined)
      return htmlPage(successPage(), true)
    })

    // Any web page can fire `/cancel`: once the callback is being exchanged or the login completed, it changes nothing.
    const cancel = Effect.gen(function*() {
      const current = yield* Ref.get(phase)
      if (
        current._tag === "Exchanging" || current._tag === "Accepted" || (current._tag === "Done" && current.completed)
      ) {
        return plain(200, "This login already received its callback; it was not cancelled.", true)
      }
      yield* fail(new LoginCancelled({ reason: `another login took over 127.0.0.1:${options.port}` }))
      return plain(200, "Login cancelled", true)
    })

    const app: HttpApp.Default<never, never> = Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) => {
        const host = request.headers["host"]
        // Against DNS rebinding: only our own origin may talk to this server.
        if (host === undefined || !allowedHosts.has(host.toLowerCase())) {
          return Effect.succeed(plain(403, "Forbidden"))
        }
        // Browsers follow the redirect with GET; nothing else may complete, fail or cancel a login.
        if (request.method !== "GET") {
          return Effect.succeed(
            HttpServerResponse.text("Method Not Allowed", {
              status: 405,
              contentType: "text/plain; charset=utf-8",
              headers: { allow: "GET" }
            })
          )
        }
        // `GET //` is a valid request line that no URL parser accepts relative to our origin.
        const base = `http://127.0.0.1:${options.port}`
        if (!URL.canParse(request.url, base)) return Effect.succeed(plain(400, "Bad Request"))
        const url = new URL(request.url, base)
        switch (url.pathname) {
          case options.callbackPath:
            return callback(url.searchParams)
          case "/success":
            return success
          case "/cancel":
            return cancel
          default:
            return Effect.succeed(plain(404, "Not Found"))
        }
      }
    )
    return app
  })

/**
 * Bind the first free port of `options.ports` (asking a holder to `/cancel`, retrying every 200 ms up to 10
 * times, then trying the next port) and serve the callback routes until the scope closes.
 *
 * @since 0.1.0
 */
export const start: <A, E, R>(
  options: Options<A, E, R>
) => Effect.Effect<
  LoopbackServer<A, E>,
  LoopbackUnavailable | LoopbackListenFailed,
  Scope.Scope | LoopbackListener | R
> = Effect.fn("LoopbackServer.start")(function*<A, E, R>(options: Options<A, E, R>) {
  const listener = yield* LoopbackListener
  const context = yield* Effect.context<R>()
  const scope = yield* Effect.scope
  const outcome = yield* Deferred.make<A, E | AuthorizationFailed | MissingAuthorizationCode | LoginCancelled>()
  const successServed = yield* Deferred.make<void>()
  const retryDelay = options.bindRetryDelay ?? Duration.millis(200)
  const retries = Math.max(1, options.bindRetries ?? 10)

  const bind = (port: number) =>
    Effect.gen(function*() {
      const redirectUri = `http://127.0.0.1:${port}${options.callbackPath}`
      const app = yield* makeApp<A, E>({
        port,
        callbackPath: options.callbackPath,
        state: options.state,
        onCode: (code) => Effect.provide(options.onCode(code, redirectUri), context),
        outcome,
        scope,
        successServed
      })
      const serve = listener.serve({ port, app })
      const binding = yield* serve.pipe(
        Effect.catchTag("LoopbackPortInUse", (inUse) =>
          listener.requestCancel(port).pipe(
            // The delay is part of each attempt: `retries` binds, one every `retryDelay`.
            Effect.zipRight(Effect.retry(Effect.delay(serve, retryDelay), {
              times: retries - 1,
              while: (error) => error._tag === "LoopbackPortInUse"
            })),
            Effect.catchTag("LoopbackPortInUse", () => Effect.fail(inUse))
          ))
      )
      return { port: binding.port, redirectUri: `http://127.0.0.1:${binding.port}${options.callbackPath}` }
    })

  for (const port of options.ports) {
    const bound = yield* Effect.either(Scope.extend(bind(port), scope))
    if (bound._tag === "Right") {
      return {
        port: bound.right.port,
        redirectUri: bound.right.redirectUri,
        result: Deferred.await(outcome),
        successServed: Deferred.await(successServed)
      } satisfies LoopbackServer<A, E>
    }
    if (bound.left._tag !== "LoopbackPortInUse") return yield* bound.left
  }
  return yield* new LoopbackUnavailable({ ports: options.ports })
})
