// The request pipeline every route goes through: parse the body, apply an injected fault, answer, and append the
// request to the log the admin API reads.
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type * as Faults from "./faults.ts"
import {
  definedOnly,
  faultReply,
  field,
  hostOf,
  type Incoming,
  parseBody,
  render,
  type Reply,
  trimIssuer
} from "./reply.ts"
import { type RequestLogEntry, type Shared } from "./state.ts"

export const make = (shared: Shared, faults: Faults.Faults) => {
  const { options, state, nextSeq } = shared
  const { takeFault } = faults
  const endpoint = (handler: (req: Incoming) => Effect.Effect<Reply>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const url = new URL(request.url, "http://emulator.invalid")
      const headers = request.headers
      const host = hostOf(request)
      const text = yield* Effect.orElseSucceed(request.text, () => "")
      const body = request.method === "GET" ? { _tag: "Fields" as const, fields: {}, keys: [] } : parseBody(
        headers["content-type"] ?? "",
        text
      )
      const incoming: Incoming = {
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        headers,
        issuer: trimIssuer(options.issuer ?? `http://${host}`),
        body
      }
      const fields = body._tag === "Fields" ? body.fields : {}
      const grantType = field(fields, "grant_type")
      const fault = yield* takeFault(url.pathname, grantType)
      if (fault?.kind === "latency") yield* Effect.sleep(Duration.millis(fault.millis))
      const injected = fault === undefined ? undefined : faultReply(fault)
      const handled = injected ?? (yield* handler(incoming))
      const reply: Reply = fault?.kind === "after_grant" && (fault.status !== undefined || fault.body !== undefined)
        ? {
          status: fault.status ?? 502,
          body: {
            _tag: "text",
            text: fault.body ??
              JSON.stringify({ error: { message: "The emulator lost the answer.", type: "server_error" } }),
            contentType: "application/json"
          },
          ...(handled.log === undefined ? {} : { log: handled.log })
        }
        : handled
      const response = render(reply, fault?.kind === "truncated_body")
      const atMillis = yield* Clock.currentTimeMillis
      const optional = (value: string | undefined) => value === undefined || value === "" ? undefined : value
      const entry: RequestLogEntry = {
        seq: nextSeq(),
        atMillis,
        method: request.method,
        path: url.pathname,
        status: reply.status,
        bodyKeys: body._tag === "Fields" ? [...body.keys] : [],
        headerNames: Object.keys(headers).sort(),
        ...definedOnly({
          contentType: optional(headers["content-type"]),
          originator: optional(headers["originator"]),
          userAgent: optional(headers["user-agent"]),
          grantType: optional(grantType),
          clientId: optional(field(fields, "client_id")),
          refreshToken: optional(field(fields, "refresh_token")),
          userCode: optional(field(fields, "user_code")),
          fault: fault?.kind,
          ...reply.log
        })
      }
      yield* Ref.update(state, (s) => ({ ...s, log: [...s.log, entry] }))
      // The grant is done (and logged); its answer is still in transit.
      if (fault?.kind === "after_grant" && fault.delayMillis !== undefined) {
        yield* Effect.sleep(Duration.millis(fault.delayMillis))
      }
      return response
    })
  return { endpoint }
}
