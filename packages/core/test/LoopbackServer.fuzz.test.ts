// Fuzzing of the loopback callback handler (PROTOCOL.md §4) through its HttpApp, and of pasted callback URLs.
// Sequences of arbitrary requests (any method, Host, path, query — states that are almost right, repeated keys,
// broken percent escapes, HTML in error descriptions) are checked against a small model of §4: the status of every
// answer, how often the code handler ran (never before a genuine callback), the login's outcome, and that nothing a
// request carried is reflected unescaped or echoes the code.
import * as HttpApp from "@effect/platform/HttpApp"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import fc from "fast-check"
import { codeFromCallbackUrl } from "../src/internal/flows/authorizationCode.ts"
import type { AuthorizationFailed, LoginCancelled, MissingAuthorizationCode } from "../src/LoginError.ts"
import * as LoopbackServer from "../src/LoopbackServer.ts"

const port = 1455
const numRuns = Number(process.env["FUZZ_RUNS"] ?? 150)

const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)

interface Fuzzed {
  readonly method: string
  readonly host: string | undefined
  readonly target: string
}

/** Values of `state` that are almost, or exactly, the expected one. */
const stateVariant = (state: string): fc.Arbitrary<Option.Option<string>> =>
  fc.oneof(
    fc.constant(Option.some(state)),
    fc.constantFrom(
      Option.none(),
      Option.some(""),
      Option.some(state.slice(0, -1)),
      Option.some(`${state}x`),
      Option.some(state.toUpperCase()),
      Option.some(` ${state}`),
      Option.some(`${state}\u0000`)
    ),
    fc.string().map(Option.some)
  )

const html = fc.constantFrom("<script>alert(1)</script>", "\"'><img src=x onerror=1>", "&amp;", "a<b>c")

const queryFor = (state: string, code: string): fc.Arbitrary<string> =>
  fc.oneof(
    // Structured: the parameters §4 reads, each present or not, plus noise; encoded properly.
    fc.record({
      state: stateVariant(state),
      duplicateState: fc.option(fc.string(), { nil: undefined }),
      code: fc.option(fc.oneof(fc.constant(code), fc.constant(""), fc.constant(`bad-${code}`)), { nil: undefined }),
      error: fc.option(fc.oneof(fc.constantFrom("access_denied", "server_error", ""), html, fc.string()), {
        nil: undefined
      }),
      errorDescription: fc.option(
        fc.oneof(fc.constant("missing_codex_entitlement"), html, fc.string()),
        { nil: undefined }
      ),
      noise: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 })), { maxLength: 3 })
    }).map((q) => {
      const params = new URLSearchParams()
      if (q.duplicateState !== undefined) params.append("state", q.duplicateState)
      if (Option.isSome(q.state)) params.append("state", q.state.value)
      if (q.code !== undefined) params.append("code", q.code)
      if (q.error !== undefined) params.append("error", q.error)
      if (q.errorDescription !== undefined) params.append("error_description", q.errorDescription)
      for (const [key, value] of q.noise) params.append(key, value)
      return params.toString()
    }),
    // Raw: broken escapes, stray separators, long junk.
    fc.oneof(
      fc.constantFrom("%", "%zz", "state=%E0%A4%A", "&&&=&", "state", "=", "code=%00", "a=b;c=d"),
      fc.string({ maxLength: 300 }),
      fc.constant(`state=${state}&code=${code}&state=${state}`)
    )
  )

// A web Request cannot carry an origin-form target that starts with "//" (it would name a host); the live socket
// fuzz in test/fuzz sends those.
const requestFor = (state: string, code: string): fc.Arbitrary<Fuzzed> =>
  fc.record({
    method: fc.constantFrom("GET", "GET", "GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"),
    host: fc.oneof(
      fc.constantFrom(`127.0.0.1:${port}`, `localhost:${port}`),
      fc.constantFrom(
        undefined,
        `LOCALHOST:${port}`,
        "127.0.0.1",
        `127.0.0.1:${port + 1}`,
        `evil.example:${port}`,
        `localhost.:${port}`,
        `[::1]:${port}`,
        ""
      )
    ),
    path: fc.oneof(
      fc.constantFrom("/auth/callback", "/auth/callback", "/success", "/cancel"),
      fc.constantFrom("/", "/auth/callback/", "/AUTH/CALLBACK", "/auth//callback", "/auth/%63allback", "/success/x"),
      fc.webPath()
    ),
    query: fc.option(queryFor(state, code), { nil: undefined })
  }).filter(({ path }) => !path.startsWith("//")).map(({ host, method, path, query }) => ({
    method,
    host,
    target: query === undefined ? path : `${path}?${query}`
  }))

// -----------------------------------------------------------------------------------------------------------------
// the model of §4
// -----------------------------------------------------------------------------------------------------------------

type Phase = "Waiting" | "Accepted" | "Done"
type Outcome = "pending" | "succeeded" | "failed"

interface Model {
  phase: Phase
  outcome: Outcome
  codeCalls: number
}

const complete = (model: Model, outcome: Outcome) => {
  if (model.outcome === "pending") model.outcome = outcome
}

/** The expected status of one request, updating the model. */
const expectStatus = (model: Model, request: Fuzzed, state: string): number => {
  const host = request.host
  if (host === undefined || ![`127.0.0.1:${port}`, `localhost:${port}`].includes(host.toLowerCase())) return 403
  if (request.method !== "GET") return 405
  const url = new URL(request.target, `http://127.0.0.1:${port}`)
  switch (url.pathname) {
    case "/auth/callback": {
      const params = url.searchParams
      if (params.get("state") !== state) return 400
      if (model.phase !== "Waiting") return 409
      const error = params.get("error")
      if (error !== null && error !== "") {
        model.phase = "Done"
        complete(model, "failed")
        return 200
      }
      const code = params.get("code")
      if (code === null || code === "") {
        model.phase = "Done"
        complete(model, "failed")
        return 200
      }
      model.codeCalls++
      if (code.startsWith("bad-")) {
        model.phase = "Done"
        complete(model, "failed")
        return 200
      }
      // The login completes with the exchange; the redirect only shows the success page.
      model.phase = "Accepted"
      complete(model, "succeeded")
      return 302
    }
    case "/success": {
      if (model.phase !== "Accepted") return 404
      model.phase = "Done"
      return 200
    }
    case "/cancel": {
      // After the exchange a /cancel (any page can send one) changes nothing.
      if (model.outcome === "succeeded") return 200
      model.phase = "Done"
      complete(model, "failed")
      return 200
    }
    default:
      return 404
  }
}

const makeHandler = (state: string) =>
  Effect.gen(function*() {
    const outcome = yield* Deferred.make<
      string,
      string | LoginCancelled | AuthorizationFailed | MissingAuthorizationCode
    >()
    const scope = yield* Scope.make()
    let codeCalls = 0
    const app = yield* LoopbackServer.makeApp<string, string>({
      port,
      callbackPath: "/auth/callback",
      state: Redacted.make(state),
      onCode: (code) =>
        Effect.suspend(() => {
          codeCalls++
          return Redacted.value(code).startsWith("bad-")
            ? Effect.fail("the exchange failed")
            : Effect.succeed({ value: "tokens", successQuery: [["plan_type", "plus"]] as const })
        }),
      outcome,
      scope
    })
    return { handler: HttpApp.toWebHandler(app), outcome, codeCalls: () => codeCalls, scope }
  })

const send = async (handler: (request: Request) => Promise<Response>, request: Fuzzed) => {
  const headers = new Headers()
  if (request.host !== undefined) headers.set("host", request.host)
  const response = await handler(
    new Request(new URL(request.target, `http://127.0.0.1:${port}`), {
      method: request.method,
      headers,
      ...(request.method === "GET" || request.method === "OPTIONS" ? {} : { body: "x=1" })
    })
  )
  return { status: response.status, body: await response.text(), location: response.headers.get("location") }
}

describe("LoopbackServer callback fuzzing", { timeout: 120_000 }, () => {
  it("any sequence of requests: the answers, the code handler and the outcome follow §4", async () => {
    const scenario = fc.tuple(base64url, base64url).chain(([state, code]) =>
      fc.record({
        state: fc.constant(state),
        code: fc.constant(code),
        requests: fc.array(requestFor(state, code), { minLength: 1, maxLength: 12 })
      })
    )
    await fc.assert(
      fc.asyncProperty(scenario, async ({ code, requests, state }) => {
        const server = await Effect.runPromise(makeHandler(state))
        const model: Model = { phase: "Waiting", outcome: "pending", codeCalls: 0 }
        for (const request of requests) {
          const expected = expectStatus(model, request, state)
          const answer = await send(server.handler, request)
          assert.strictEqual(answer.status, expected, `${request.method} ${request.target} (host ${request.host})`)
          assert.strictEqual(server.codeCalls(), model.codeCalls, "the code handler ran only for genuine callbacks")
          // Nothing the request carried comes back unescaped, and the code never comes back at all.
          assert.notInclude(answer.body, code)
          assert.notInclude(answer.body, state)
          assert.notInclude(answer.body, "<script>alert")
          assert.notInclude(answer.body, "<img src=x")
          if (answer.status === 302) assert.match(answer.location ?? "", /^\/success\?/)
        }
        assert.isAtMost(server.codeCalls(), 1, "single use")
        const polled = await Effect.runPromise(Deferred.poll(server.outcome))
        if (model.outcome === "pending") {
          assert.isTrue(Option.isNone(polled), "the login is still waiting")
        } else {
          assert.isTrue(Option.isSome(polled), "the login ended")
          const exit = await Effect.runPromise(Effect.exit(Option.getOrThrow(polled)))
          assert.strictEqual(Exit.isSuccess(exit), model.outcome === "succeeded")
        }
        await Effect.runPromise(Scope.close(server.scope, Exit.void))
      }),
      { numRuns }
    )
  })

  it("after any junk, the genuine callback still succeeds", async () => {
    const scenario = fc.tuple(base64url, base64url).chain(([state, code]) =>
      fc.record({
        state: fc.constant(state),
        code: fc.constant(code),
        junk: fc.array(requestFor(state, code), { maxLength: 12 }).map((requests) =>
          // Junk only: no request that could legitimately end the login.
          requests.filter((r) => {
            const url = new URL(r.target, `http://127.0.0.1:${port}`)
            const allowed = r.host !== undefined && [`127.0.0.1:${port}`, `localhost:${port}`]
              .includes(r.host.toLowerCase())
            if (!allowed) return true
            if (url.pathname === "/cancel") return false
            return url.pathname !== "/auth/callback" || url.searchParams.get("state") !== state
          })
        )
      })
    )
    await fc.assert(
      fc.asyncProperty(scenario, async ({ code, junk, state }) => {
        const server = await Effect.runPromise(makeHandler(state))
        for (const request of junk) await send(server.handler, request)
        assert.strictEqual(server.codeCalls(), 0, "nothing reached the exchange before the genuine callback")
        const host = `127.0.0.1:${port}`
        const callback = await send(server.handler, {
          method: "GET",
          host,
          target: `/auth/callback?code=${code}&state=${state}`
        })
        assert.strictEqual(callback.status, 302)
        const success = await send(server.handler, { method: "GET", host, target: callback.location! })
        assert.strictEqual(success.status, 200)
        const result = await Effect.runPromise(Deferred.await(server.outcome))
        assert.strictEqual(result, "tokens")
        await Effect.runPromise(Scope.close(server.scope, Exit.void))
      }),
      { numRuns }
    )
  })
})

describe("pasted callback URL fuzzing", { timeout: 120_000 }, () => {
  const redirectUri = `http://127.0.0.1:${port}/auth/callback`

  it("any text: the code only for this login's exact redirect, else a typed error", async () => {
    const scenario = fc.tuple(base64url, base64url).chain(([state, code]) =>
      fc.record({
        state: fc.constant(state),
        code: fc.constant(code),
        input: fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.tuple(
            fc.constantFrom("http", "https", "HTTP", "javascript", "file", "ftp"),
            fc.constantFrom("127.0.0.1", "localhost", "127.0.0.2", "[::1]", "127.0.0.1.evil", "0x7f.1"),
            fc.constantFrom(`:${port}`, ":1457", "", `:0${port}`, ":80"),
            fc.constantFrom("/auth/callback", "/auth/callback/", "/auth/callbac", "/", "/auth/%63allback"),
            queryFor(state, code),
            fc.constantFrom("", "#frag", "  ", "\n")
          ).map(([scheme, host, portPart, path, query, tail]) =>
            `${scheme}://${host}${portPart}${path}?${query}${tail}`
          )
        )
      })
    )
    await fc.assert(
      fc.asyncProperty(scenario, async ({ code, input, state }) => {
        const exit = await Effect.runPromiseExit(codeFromCallbackUrl(input, redirectUri, Redacted.make(state)))
        if (Exit.isSuccess(exit)) {
          const url = new URL(input.trim())
          assert.strictEqual(`${url.protocol}//${url.host}${url.pathname}`, redirectUri)
          assert.strictEqual(url.searchParams.get("state"), state)
          assert.strictEqual(Redacted.value(exit.value), url.searchParams.get("code"))
          return
        }
        assert.strictEqual(exit.cause._tag, "Fail", "a typed failure, never a defect")
        if (exit.cause._tag !== "Fail") return
        const error = exit.cause.error
        assert.include(["InvalidCallbackUrl", "AuthorizationFailed", "MissingAuthorizationCode"], error._tag)
        assert.notInclude(error.message, code)
        assert.notInclude(error.message, state)
      }),
      { numRuns: numRuns * 4 }
    )
  })
})
