// The emulator as a ChatGPT backend: just enough of `chatgpt.com/backend-api` for `codex app-server` and
// `codex exec` to sign in with an emulator-minted bearer and run a turn offline (APP-SERVER.md). Every route answers
// 401 to a bearer the emulator did not sign, one that has expired, one of a revoked family, or one the admin API
// rejected — the answer that makes Codex ask its host for a refresh.
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

/** What a backend route sees of a request (a subset of app.ts's `Incoming`). */
export interface BackendRequest {
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: { readonly _tag: "Fields"; readonly fields: Readonly<Record<string, unknown>> } | {
    readonly _tag: "Malformed"
    readonly reason: string
  }
}

/** What a backend route answers (structurally app.ts's `Reply`). */
export interface BackendReply {
  readonly status: number
  readonly body:
    | { readonly _tag: "json"; readonly value: unknown }
    | { readonly _tag: "text"; readonly text: string; readonly contentType: string }
  readonly headers?: Readonly<Record<string, string>>
  readonly log?: { readonly tokenFamily?: string; readonly errorCode?: string }
}

/** The emulator state a backend route needs, passed in by app.ts. */
export interface BackendDeps {
  /** The claims of a token the emulator signed, else undefined. */
  readonly verify: (token: string) => Effect.Effect<Record<string, unknown> | undefined>
  /** The family an access token (by `jti`) was minted for, and whether that bearer may still be used. */
  readonly bearerState: (
    jti: string
  ) => Effect.Effect<{ readonly family: string; readonly usable: boolean } | undefined>
  /** The text the assistant answers a turn with. */
  readonly replyText: Effect.Effect<string>
}

const authClaim = "https://api.openai.com/auth"

const jsonReply = (status: number, value: unknown, log?: BackendReply["log"]): BackendReply => ({
  status,
  body: { _tag: "json", value },
  headers: { "cache-control": "no-store" },
  ...(log ? { log } : {})
})

const unauthorized = (code: string, message: string, family?: string): BackendReply =>
  jsonReply(401, { detail: { code, message } }, { errorCode: code, ...(family ? { tokenFamily: family } : {}) })

interface Bearer {
  readonly accountId: string | undefined
  readonly family: string
}

const bearerOf = (deps: BackendDeps, req: BackendRequest): Effect.Effect<Bearer | BackendReply> =>
  Effect.gen(function*() {
    const header = req.headers["authorization"] ?? ""
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (match === null) return unauthorized("missing_authorization", "Send Authorization: Bearer <access token>.")
    const claims = yield* deps.verify(match[1]!)
    const jti = typeof claims?.["jti"] === "string" ? claims["jti"] : undefined
    const known = jti === undefined ? undefined : yield* deps.bearerState(jti)
    if (claims === undefined || known === undefined) {
      return unauthorized("token_invalid", "The bearer was not issued by this emulator; sign in again.")
    }
    const now = yield* Clock.currentTimeMillis
    const exp = typeof claims["exp"] === "number" ? claims["exp"] * 1000 : 0
    if (exp <= now) return unauthorized("token_expired", "The access token has expired; refresh it.", known.family)
    if (!known.usable) {
      return unauthorized("token_revoked", "The access token was revoked; refresh it or sign in again.", known.family)
    }
    const auth = claims[authClaim]
    const accountId = typeof auth === "object" && auth !== null &&
        typeof (auth as Record<string, unknown>)["chatgpt_account_id"] === "string" ?
      (auth as Record<string, string>)["chatgpt_account_id"] :
      undefined
    return { accountId, family: known.family }
  })

const isReply = (value: Bearer | BackendReply): value is BackendReply => "status" in value

const authorized = (
  deps: BackendDeps,
  handler: (req: BackendRequest, bearer: Bearer) => Effect.Effect<BackendReply>
) =>
(req: BackendRequest): Effect.Effect<BackendReply> =>
  Effect.flatMap(bearerOf(deps, req), (bearer) => {
    if (isReply(bearer)) return Effect.succeed(bearer)
    return Effect.map(handler(req, bearer), (reply) => ({
      ...reply,
      log: { tokenFamily: bearer.family, ...reply.log }
    }))
  })

/** `GET /backend-api/wham/accounts/check`: the workspace routing answer `account/login/start` depends on. */
const accountsCheck = (deps: BackendDeps) =>
  authorized(deps, (_req, bearer) =>
    Effect.succeed(jsonReply(200, {
      accounts: bearer.accountId === undefined ? [] : [{
        id: bearer.accountId,
        workspace_backend_origin: "https://chatgpt.com",
        account_routing_override: "NO_CONSTRAINT"
      }]
    })))

/** `GET /backend-api/codex/models`: no remote models (Codex keeps its built-in list). */
const models = (deps: BackendDeps) => authorized(deps, () => Effect.succeed(jsonReply(200, { models: [] })))

const sse = (events: ReadonlyArray<Record<string, unknown>>): string =>
  events.map((event) => `event: ${String(event["type"])}\ndata: ${JSON.stringify(event)}\n\n`).join("")

let responseSeq = 0

/** `POST /backend-api/codex/responses`: one assistant message, streamed as the Responses API does. */
const responses = (deps: BackendDeps) =>
  authorized(deps, (req) =>
    Effect.gen(function*() {
      if (req.body._tag === "Malformed") {
        return jsonReply(400, { error: { message: req.body.reason, type: "invalid_request_error" } })
      }
      const text = yield* deps.replyText
      const id = `resp_emu_${++responseSeq}`
      const body = sse([
        { type: "response.created", response: { id } },
        {
          type: "response.output_item.done",
          output_index: 0,
          item: {
            type: "message",
            id: `msg_emu_${responseSeq}`,
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text, annotations: [] }]
          }
        },
        {
          type: "response.completed",
          response: {
            id,
            usage: {
              input_tokens: 10,
              input_tokens_details: { cached_tokens: 0 },
              output_tokens: 5,
              output_tokens_details: { reasoning_tokens: 0 },
              total_tokens: 15
            }
          }
        }
      ])
      return { status: 200, body: { _tag: "text", text: body, contentType: "text/event-stream" } } as const
    }))

/** The backend routes, by path (app.ts mounts them and logs every call). */
export const routes = (deps: BackendDeps): {
  readonly accountsCheck: (req: BackendRequest) => Effect.Effect<BackendReply>
  readonly models: (req: BackendRequest) => Effect.Effect<BackendReply>
  readonly responses: (req: BackendRequest) => Effect.Effect<BackendReply>
} => ({ accountsCheck: accountsCheck(deps), models: models(deps), responses: responses(deps) })

/** The paths app.ts serves them at. */
export const paths = {
  accountsCheck: "/backend-api/wham/accounts/check",
  models: "/backend-api/codex/models",
  responses: "/backend-api/codex/responses"
} as const
