/**
 * The engine's HTTP client when the startup path already sent the refresh grant (internal/fast/refresh.ts) and
 * handed the rest over: the first `POST` to that grant's URL is answered with what became of it (`Recorded`) instead
 * of being sent again; every other request goes out as usual. So the session reads a rejection, a malformed answer or
 * a failure after the request left exactly as if its own client had met it — one grant, one decision.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Refresh from "../fast/refresh.ts"

const nullBody = new Set([204, 205, 304])

/** `live` with the recorded grant answered from `recorded` (once). */
export const layer = <E>(
  recorded: Refresh.Recorded,
  live: Layer.Layer<HttpClient.HttpClient, E>,
  /** Called when the session's grant takes the recorded one (inside its uninterruptible refresh). */
  onTaken: () => void = () => {}
): Layer.Layer<HttpClient.HttpClient, E> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => {
      let pending: Refresh.Recorded | undefined = recorded
      return HttpClient.make((request, url) => {
        if (pending === undefined || request.method !== "POST" || url.href !== pending.url) {
          return client.execute(request)
        }
        const taken = pending
        pending = undefined
        onTaken()
        return Effect.flatMap(
          Effect.tryPromise({
            try: () => taken.exchange,
            catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
          }),
          (exchange) =>
            exchange._tag === "Answered"
              ? Effect.try({
                // A status that carries no body (204, 304, …) gets none, as a live response would.
                try: () =>
                  HttpClientResponse.fromWeb(
                    request,
                    new Response(nullBody.has(exchange.status) ? null : exchange.body, { status: exchange.status })
                  ),
                catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
              })
              : Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: exchange.cause }))
        ).pipe(Effect.onInterrupt(() => Effect.sync(taken.abort)))
      })
    })
  ).pipe(Layer.provide(live))
