// The emulator as a ChatGPT backend (wham/accounts/check, codex/models, codex/responses): what `codex app-server`
// needs to sign in and run a turn, and the 401s that make it ask for a refresh. Time under TestClock.
import * as Emulator from "@codex-auth/emulator/Emulator"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"

const issuer = "http://127.0.0.1:7777"

interface Answer {
  readonly status: number
  readonly contentType: string | null
  readonly text: string
  readonly json: any
}

const call = (
  app: HttpApp.Default,
  method: string,
  path: string,
  options: { readonly bearer?: string; readonly account?: string; readonly json?: unknown } = {}
): Effect.Effect<Answer> =>
  Effect.gen(function*() {
    const headers: Record<string, string> = {}
    if (options.bearer !== undefined) headers["authorization"] = `Bearer ${options.bearer}`
    if (options.account !== undefined) headers["chatgpt-account-id"] = options.account
    const init: RequestInit = { method, headers }
    if (options.json !== undefined) {
      init.body = JSON.stringify(options.json)
      headers["content-type"] = "application/json"
    }
    const response = yield* Effect.provideService(
      app,
      HttpServerRequest.HttpServerRequest,
      HttpServerRequest.fromWeb(new Request(`${issuer}${path}`, init))
    ).pipe(Effect.orDie)
    const web = HttpServerResponse.toWeb(response)
    const text = yield* Effect.promise(() => web.text())
    let parsed: unknown = undefined
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    return { status: web.status, contentType: web.headers.get("content-type"), text, json: parsed }
  })

const responsesBody = { model: "gpt-5", input: [{ type: "message", role: "user", content: [] }], stream: true }

const sseEvents = (text: string): Array<any> =>
  text.split("\n\n").filter((block) => block.trim() !== "").map((block) => {
    const data = block.split("\n").find((line) => line.startsWith("data: "))
    return JSON.parse(data!.slice("data: ".length))
  })

describe("Emulator backend", () => {
  it.effect("accounts/check answers the bearer's account with an https origin; models is empty", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const minted = yield* emulator.mintTokens({}, issuer)
      const check = yield* call(emulator.app, "GET", "/backend-api/wham/accounts/check", {
        bearer: minted.access_token,
        account: minted.account_id
      })
      assert.strictEqual(check.status, 200)
      assert.deepStrictEqual(check.json, {
        accounts: [{
          id: minted.account_id,
          workspace_backend_origin: "https://chatgpt.com",
          account_routing_override: "NO_CONSTRAINT"
        }]
      })
      const models = yield* call(emulator.app, "GET", "/backend-api/codex/models?client_version=0.169.0", {
        bearer: minted.access_token
      })
      assert.strictEqual(models.status, 200)
      assert.deepStrictEqual(models.json, { models: [] })
    }))

  it.effect("responses streams created, one assistant message, completed with usage", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ backendReplyText: "pong" })
      const minted = yield* emulator.mintTokens({}, issuer)
      const answer = yield* call(emulator.app, "POST", "/backend-api/codex/responses", {
        bearer: minted.access_token,
        json: responsesBody
      })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.contentType, "text/event-stream")
      const events = sseEvents(answer.text)
      assert.deepStrictEqual(events.map((e) => e.type), [
        "response.created",
        "response.output_item.done",
        "response.completed"
      ])
      assert.strictEqual(events[1].item.role, "assistant")
      assert.strictEqual(events[1].item.content[0].text, "pong")
      assert.strictEqual(events[2].response.usage.total_tokens, 15)
      assert.strictEqual(events[0].response.id, events[2].response.id)
    }))

  it.effect("401 to a missing, foreign, expired, revoked or rejected bearer; every call is logged", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ accessTokenTtl: Duration.minutes(10) })
      const other = yield* Emulator.make()
      const paths = [
        ["GET", "/backend-api/wham/accounts/check"],
        ["GET", "/backend-api/codex/models"],
        ["POST", "/backend-api/codex/responses"]
      ] as const
      const statuses = (bearer: string | undefined) =>
        Effect.forEach(paths, ([method, path]) =>
          Effect.map(
            call(emulator.app, method, path, {
              ...(bearer === undefined ? {} : { bearer }),
              ...(method === "POST" ? { json: responsesBody } : {})
            }),
            (a) => `${a.status}:${a.json?.detail?.code ?? "ok"}`
          ))

      assert.deepStrictEqual(yield* statuses(undefined), Array(3).fill("401:missing_authorization"))
      const foreign = yield* other.mintTokens({}, issuer)
      assert.deepStrictEqual(yield* statuses(foreign.access_token), Array(3).fill("401:token_invalid"))
      // A well-formed JWT signed by nobody: its claims would read fine, the signature does not verify.
      const [h, p] = foreign.access_token.split(".")
      assert.deepStrictEqual(yield* statuses(`${h}.${p}.AAAA`), Array(3).fill("401:token_invalid"))

      const fresh = yield* emulator.mintTokens({}, issuer)
      assert.deepStrictEqual(yield* statuses(fresh.access_token), Array(3).fill("200:ok"))
      yield* TestClock.adjust(Duration.minutes(10))
      assert.deepStrictEqual(yield* statuses(fresh.access_token), Array(3).fill("401:token_expired"))

      const revoked = yield* emulator.mintTokens({}, issuer)
      yield* emulator.revoke({ family: revoked.family })
      assert.deepStrictEqual(yield* statuses(revoked.access_token), Array(3).fill("401:token_revoked"))

      const first = yield* emulator.mintTokens({}, issuer)
      const second = yield* emulator.mintTokens({}, issuer)
      assert.strictEqual(yield* emulator.rejectAccessTokens({ family: first.family }), 1)
      assert.deepStrictEqual(yield* statuses(first.access_token), Array(3).fill("401:token_revoked"))
      assert.deepStrictEqual(yield* statuses(second.access_token), Array(3).fill("200:ok"))
      // Rejecting everything minted so far leaves later tokens usable: a refresh recovers.
      assert.isAtLeast(yield* emulator.rejectAccessTokens({}), 1)
      assert.deepStrictEqual(yield* statuses(second.access_token), Array(3).fill("401:token_revoked"))
      const later = yield* emulator.mintTokens({}, issuer)
      assert.deepStrictEqual(yield* statuses(later.access_token), Array(3).fill("200:ok"))

      const log = yield* emulator.requests
      const backendCalls = log.filter((e) => e.path.startsWith("/backend-api/"))
      assert.strictEqual(backendCalls.length, 10 * 3)
      const rejected = backendCalls.filter((e) => e.errorCode === "token_revoked")
      assert.strictEqual(rejected.length, 9)
      assert.isTrue(rejected.every((e) => e.status === 401 && e.tokenFamily !== undefined))
      assert.isTrue(backendCalls.filter((e) => e.status === 200).every((e) => e.tokenFamily !== undefined))
    }))

  it.effect("a refreshed bearer is accepted where the rejected one was not", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const minted = yield* emulator.mintTokens({}, issuer)
      yield* emulator.rejectAccessTokens({})
      const refreshed = yield* Effect.flatMap(
        Effect.provideService(
          emulator.app,
          HttpServerRequest.HttpServerRequest,
          HttpServerRequest.fromWeb(
            new Request(`${issuer}/oauth/token`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                client_id: Emulator.codexClientId,
                grant_type: "refresh_token",
                refresh_token: minted.refresh_token
              })
            })
          )
        ).pipe(Effect.orDie),
        (response) => Effect.promise(() => HttpServerResponse.toWeb(response).json())
      )
      const before = yield* call(emulator.app, "GET", "/backend-api/codex/models", { bearer: minted.access_token })
      const after = yield* call(emulator.app, "GET", "/backend-api/codex/models", {
        bearer: (refreshed as any).access_token
      })
      assert.deepStrictEqual([before.status, after.status], [401, 200])
    }))

  it.effect("the admin API rejects access tokens over HTTP too", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const minted = yield* emulator.mintTokens({}, issuer)
      const answer = yield* call(emulator.app, "POST", "/__emulator/reject-access-tokens", { json: {} })
      assert.deepStrictEqual(answer.json, { rejected: 1 })
      const models = yield* call(emulator.app, "GET", "/backend-api/codex/models", { bearer: minted.access_token })
      assert.strictEqual(models.status, 401)
      yield* emulator.reset
      assert.strictEqual(yield* emulator.rejectAccessTokens({}), 0)
    }))
})
