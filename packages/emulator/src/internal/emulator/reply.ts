// Requests and replies: what an endpoint sees of a request (`Incoming`) and what it answers (`Reply`), the OAuth
// and OpenAI error shapes, body parsing, the injected faults' replies, and rendering to an HTTP response.
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Emulator from "../../Emulator.ts"
import * as Pages from "./pages.ts"
import { type RequestLogEntry } from "./state.ts"

export type Fields = Readonly<Record<string, unknown>>

export interface Incoming {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly issuer: string
  /** The parsed body, or the reason it could not be parsed. */
  readonly body: { readonly _tag: "Fields"; readonly fields: Fields; readonly keys: ReadonlyArray<string> } | {
    readonly _tag: "Malformed"
    readonly reason: string
  }
}

export type ReplyBody =
  | { readonly _tag: "json"; readonly value: unknown }
  | { readonly _tag: "html"; readonly html: string }
  | { readonly _tag: "text"; readonly text: string; readonly contentType: string }
  | { readonly _tag: "redirect"; readonly location: string }

export interface Reply {
  readonly status: number
  readonly body: ReplyBody
  readonly headers?: Readonly<Record<string, string>>
  readonly log?: Partial<Pick<RequestLogEntry, "tokenFamily" | "errorCode" | "userCode">>
}

export const json = (status: number, value: unknown, log?: Reply["log"]): Reply => ({
  status,
  body: { _tag: "json", value },
  headers: { "cache-control": "no-store" },
  ...(log ? { log } : {})
})

/** RFC 6749 §5.2 error response. `invalid_client` answers 401, as the RFC asks when authentication fails. */
export const oauthError = (error: string, description: string, status?: number): Reply =>
  json(status ?? (error === "invalid_client" ? 401 : 400), { error, error_description: description }, {
    errorCode: error
  })

/** The OpenAI API error object the real issuer uses for refresh failures. */
export const openAiError = (status: number, code: string, message: string, log?: Reply["log"]): Reply =>
  json(status, { error: { message, type: "invalid_request_error", param: null, code } }, { ...log, errorCode: code })

export const html = (status: number, page: string, log?: Reply["log"]): Reply => ({
  status,
  body: { _tag: "html", html: page },
  ...(log ? { log } : {})
})

/** The error page a browser's form post gets when it cannot be answered: 400 `invalid_request`. */
export const invalidRequestPage = (description: string, log?: Reply["log"]): Reply =>
  html(400, Pages.errorPage("invalid_request", description), { errorCode: "invalid_request", ...log })

/** A page's form post: `handle` answers its fields; a body that cannot be read gets the error page. */
export const pageForm =
  <E, R>(handle: (fields: Fields) => Effect.Effect<Reply, E, R>) => (req: Incoming): Effect.Effect<Reply, E, R> =>
    req.body._tag === "Malformed" ? Effect.succeed(invalidRequestPage(req.body.reason)) : handle(req.body.fields)

export const redirect = (location: string, log?: Reply["log"]): Reply => ({
  status: 302,
  body: { _tag: "redirect", location },
  ...(log ? { log } : {})
})

export const field = (fields: Fields, name: string): string | undefined => {
  const value = fields[name]
  return typeof value === "string" ? value : undefined
}

export const parseBody = (contentType: string, text: string): Incoming["body"] => {
  if (text.trim() === "") return { _tag: "Fields", fields: {}, keys: [] }
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase()
  if (mediaType === "application/x-www-form-urlencoded") {
    const params = new URLSearchParams(text)
    const fields: Record<string, string> = {}
    const keys: Array<string> = []
    for (const [key, value] of params) {
      if (key in fields) return { _tag: "Malformed", reason: `parameter "${key}" is included more than once` }
      fields[key] = value
      keys.push(key)
    }
    return { _tag: "Fields", fields, keys }
  }
  if (mediaType === "application/json" || mediaType.endsWith("+json")) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { _tag: "Malformed", reason: "the body is not valid JSON" }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { _tag: "Malformed", reason: "the body must be a JSON object" }
    }
    return { _tag: "Fields", fields: value as Fields, keys: Object.keys(value) }
  }
  return {
    _tag: "Malformed",
    reason: `unsupported content type "${mediaType || "none"}"; send application/x-www-form-urlencoded or JSON`
  }
}

export const render = (reply: Reply, truncate: boolean): HttpServerResponse.HttpServerResponse => {
  const cut = (text: string) => truncate ? text.slice(0, Math.floor(text.length / 2)) : text
  const options = { status: reply.status, headers: reply.headers ?? {} }
  switch (reply.body._tag) {
    case "json":
      return HttpServerResponse.text(cut(JSON.stringify(reply.body.value)), {
        ...options,
        contentType: "application/json"
      })
    case "html":
      return HttpServerResponse.text(cut(reply.body.html), { ...options, contentType: "text/html; charset=utf-8" })
    case "text":
      return HttpServerResponse.text(cut(reply.body.text), { ...options, contentType: reply.body.contentType })
    case "redirect":
      return HttpServerResponse.empty({ status: 302, headers: { ...options.headers, location: reply.body.location } })
  }
}

export const trimIssuer = (issuer: string): string => issuer.replace(/\/+$/, "")

/** The Host header; requests built from a web `Request` (no Host header) carry it in their absolute URL. */
export const hostOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const header = request.headers["host"]
  if (header !== undefined && header !== "") return header
  try {
    return new URL(request.originalUrl).host
  } catch {
    return "127.0.0.1"
  }
}

export const definedOnly = <T extends Record<string, unknown>>(
  record: T
): { [K in keyof T]: Exclude<T[K], undefined> } => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value
  return out as { [K in keyof T]: Exclude<T[K], undefined> }
}

export const faultReply = (fault: Emulator.Fault): Reply | undefined => {
  switch (fault.kind) {
    case "status":
      return json(fault.status, {
        error: { message: "The emulator injected a server error.", type: "server_error", param: null, code: null }
      })
    case "rate_limit":
      return {
        ...json(429, { error: "slow_down", error_description: "Too many requests; slow down and retry later." }),
        headers: {
          "cache-control": "no-store",
          ...(fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {})
        }
      }
    case "malformed_json":
      return { status: 200, body: { _tag: "text", text: "{\"access_token\": nope,", contentType: "application/json" } }
    case "html_body":
      return html(
        fault.status ?? 200,
        "<!doctype html><html><head><title>Just a moment...</title></head><body><p>Checking your browser.</p></body></html>"
      )
    case "error_code": {
      const description = fault.description ?? `The emulator injected the error "${fault.code}".`
      return fault.style === "openai"
        ? openAiError(fault.status ?? 401, fault.code, description)
        : { ...oauthError(fault.code, description, fault.status ?? 400) }
    }
    case "latency":
    case "truncated_body":
    case "after_grant":
      return undefined
  }
}
