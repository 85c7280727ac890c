// Conformance: the emulator served by the runtime's own HTTP server answers the same bytes — authorize validation,
// RFC 6749 token errors, refresh rotation with reuse detection, device endpoints — whichever runtime serves it.
import * as Effect from "effect/Effect"
import * as assert from "./assert.ts"
import type { Harness } from "./harness.ts"

const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"
// RFC 7636 appendix B.
const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
const redirectUri = "http://127.0.0.1:1455/auth/callback"

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

const request = (
  url: string,
  init: { readonly json?: unknown; readonly form?: Record<string, string>; readonly body?: string } = {}
): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const headers: Record<string, string> = {}
    let body = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      headers["content-type"] = "application/json"
    }
    if (init.form !== undefined) {
      body = new URLSearchParams(init.form).toString()
      headers["content-type"] = "application/x-www-form-urlencoded"
    }
    if (init.body !== undefined) headers["content-type"] = "application/json"
    const response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: "manual"
    })
    const text = await response.text()
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

const authorizeUrl = (base: string, overrides: Record<string, string | undefined> = {}): string => {
  const all: Record<string, string | undefined> = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "state-xyz",
    scope: "openid profile email offline_access",
    ...overrides
  }
  const params = Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return `${base}/oauth/authorize?${new URLSearchParams(params)}`
}

const location = (answer: Answer): URL => new URL(answer.headers.get("location")!)

const exchange = (base: string, code: string, overrides: Record<string, string> = {}) =>
  request(`${base}/oauth/token`, {
    form: {
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      ...overrides
    }
  })

const refresh = (base: string, refreshToken: string) =>
  request(`${base}/oauth/token`, {
    json: {
      client_id: clientId,
      grant_type: "refresh_token",
      refresh_reason: "proactive_expiry",
      refresh_token: refreshToken
    }
  })

const assertOAuthError = (answer: Answer, status: number, error: string) => {
  assert.equal(answer.status, status, `status of ${answer.text}`)
  assert.equal(answer.json?.error, error, "error")
  assert.equal(typeof answer.json?.error_description, "string", "error_description")
  assert.match(answer.headers.get("content-type") ?? "", /^application\/json/)
}

export const emulatorSuite = (h: Harness): void => {
  const login = (base: string) =>
    Effect.gen(function*() {
      const code = location(yield* request(authorizeUrl(base))).searchParams.get("code")!
      const answer = yield* exchange(base, code)
      assert.equal(answer.status, 200, answer.text)
      return answer.json as { id_token: string; access_token: string; refresh_token: string }
    })

  h.live(
    "emulator: consent page with Allow/Deny; Allow → code → tokens; the consent is single use",
    () =>
      Effect.gen(function*() {
        const { url } = yield* h.serveEmulator()
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
        const page = yield* request(authorizeUrl(url))
        assert.equal(page.status, 200)
        assert.match(page.headers.get("content-type")!, /text\/html/)
        assert.match(page.text, /value="allow">Allow<\/button>/)
        assert.match(page.text, /value="deny">Deny<\/button>/)
        const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)![1]!
        const allow = yield* request(`${url}/oauth/authorize/consent`, {
          form: { request_id: requestId, decision: "allow" }
        })
        assert.equal(allow.status, 302)
        const callback = location(allow)
        assert.equal(`${callback.origin}${callback.pathname}`, redirectUri)
        assert.equal(callback.searchParams.get("state"), "state-xyz")
        const answer = yield* exchange(url, callback.searchParams.get("code")!)
        assert.equal(answer.status, 200)
        assert.equal(answer.headers.get("cache-control"), "no-store")
        assert.equal(answer.json.id_token.split(".").length, 3)
        assert.match(answer.json.refresh_token, /^rt_/)
        const again = yield* request(`${url}/oauth/authorize/consent`, {
          form: { request_id: requestId, decision: "allow" }
        })
        assert.equal(again.status, 400)
      })
  )

  h.live(
    "emulator: unknown clients and off-list redirect URIs get an error page, never a redirect",
    () =>
      Effect.gen(function*() {
        const { url } = yield* h.serveEmulator({ autoApprove: true })
        for (
          const overrides of [
            { client_id: "app_unknown" },
            { client_id: undefined },
            { redirect_uri: "http://127.0.0.1:8080/auth/callback" },
            { redirect_uri: "http://evil.example:1455/auth/callback" },
            { redirect_uri: "http://127.0.0.1:1455/other" }
          ]
        ) {
          const answer = yield* request(authorizeUrl(url, overrides))
          assert.equal(answer.status, 400, JSON.stringify(overrides))
          assert.equal(answer.headers.get("location"), null)
          assert.match(answer.text, /invalid_client|invalid_request/)
        }
      })
  )

  h.live(
    "emulator: bad PKCE, response type or state redirect back with an RFC 6749 error and no code",
    () =>
      Effect.gen(function*() {
        const { url } = yield* h.serveEmulator({ autoApprove: true })
        const cases: Array<[Record<string, string | undefined>, string]> = [
          [{ code_challenge_method: "plain" }, "invalid_request"],
          [{ code_challenge: undefined }, "invalid_request"],
          [{ response_type: "token" }, "unsupported_response_type"],
          [{ state: undefined }, "invalid_request"]
        ]
        for (const [overrides, error] of cases) {
          const answer = yield* request(authorizeUrl(url, overrides))
          assert.equal(answer.status, 302, JSON.stringify(overrides))
          assert.equal(location(answer).searchParams.get("error"), error)
          assert.equal(location(answer).searchParams.get("code"), null)
        }
      })
  )

  h.live(
    "emulator: token errors in RFC 6749 shapes (invalid_grant, invalid_client 401, unsupported_grant_type)",
    () =>
      Effect.gen(function*() {
        const { url } = yield* h.serveEmulator({ autoApprove: true })
        const codeFrom = Effect.map(request(authorizeUrl(url)), (answer) => location(answer).searchParams.get("code")!)
        assertOAuthError(yield* exchange(url, yield* codeFrom, { code_verifier: "x".repeat(43) }), 400, "invalid_grant")
        assertOAuthError(yield* exchange(url, yield* codeFrom, { client_id: "app_other" }), 401, "invalid_client")
        assertOAuthError(
          yield* exchange(url, yield* codeFrom, { redirect_uri: "http://127.0.0.1:1457/auth/callback" }),
          400,
          "invalid_grant"
        )
        assertOAuthError(yield* exchange(url, "ac_nope"), 400, "invalid_grant")
        assertOAuthError(yield* request(`${url}/oauth/token`, { body: "{not json" }), 400, "invalid_request")
        assertOAuthError(
          yield* request(`${url}/oauth/token`, { form: { grant_type: "password", client_id: clientId } }),
          400,
          "unsupported_grant_type"
        )
        // A code is single use; reusing it revokes what its first exchange issued.
        const code = yield* codeFrom
        const first = yield* exchange(url, code)
        assert.equal(first.status, 200)
        assertOAuthError(yield* exchange(url, code), 400, "invalid_grant")
        const after = yield* refresh(url, first.json.refresh_token)
        assert.equal(after.status, 401)
        assert.equal(after.json.error.code, "refresh_token_invalidated")
      })
  )

  h.live(
    "emulator: refresh rotates; a reused token is refresh_token_reused and revokes the family",
    () =>
      Effect.gen(function*() {
        const { admin, url } = yield* h.serveEmulator({ autoApprove: true })
        const tokens = yield* login(url)
        const rotated = yield* refresh(url, tokens.refresh_token)
        assert.equal(rotated.status, 200)
        assert.notEqual(rotated.json.refresh_token, tokens.refresh_token)
        const reused = yield* refresh(url, tokens.refresh_token)
        assert.equal(reused.status, 401)
        assert.deepEqual(reused.json, {
          error: {
            message: reused.json.error.message,
            type: "invalid_request_error",
            param: null,
            code: "refresh_token_reused"
          }
        })
        const newest = yield* refresh(url, rotated.json.refresh_token)
        assert.equal(newest.status, 401)
        assert.equal(newest.json.error.code, "refresh_token_invalidated")
        const log = (yield* admin.requests).filter((e) => e.grantType === "refresh_token")
        assert.deepEqual(log.map((e) => e.errorCode), [undefined, "refresh_token_reused", "refresh_token_invalidated"])
        assert.deepEqual(log[0]!.bodyKeys, ["client_id", "grant_type", "refresh_reason", "refresh_token"])
      })
  )

  h.live("emulator: concurrent refreshes with one token — exactly one wins", () =>
    Effect.gen(function*() {
      const { url } = yield* h.serveEmulator({ autoApprove: true })
      const tokens = yield* login(url)
      const answers = yield* Effect.all(Array.from({ length: 4 }, () => refresh(url, tokens.refresh_token)), {
        concurrency: "unbounded"
      })
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401, 401])
    }))

  h.live(
    "emulator: device usercode (interval as a string) → pending 403 → approved → exchange; denied → access_denied",
    () =>
      Effect.gen(function*() {
        const { admin, url } = yield* h.serveEmulator({ deviceInterval: "0" })
        const start = request(`${url}/api/accounts/deviceauth/usercode`, { json: { client_id: clientId } })
        const poll = (started: Answer) =>
          request(`${url}/api/accounts/deviceauth/token`, {
            json: { device_auth_id: started.json.device_auth_id, user_code: started.json.user_code }
          })
        const started = yield* start
        assert.equal(started.status, 200)
        assert.equal(started.json.interval, "0")
        assert.match(started.json.user_code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/)
        assert.equal((yield* poll(started)).status, 403)
        yield* admin.approveDeviceCode(started.json.user_code)
        const approved = yield* poll(started)
        assert.equal(approved.status, 200)
        assert.match(approved.json.code_verifier, /^[A-Za-z0-9_-]{86}$/)
        const tokens = yield* exchange(url, approved.json.authorization_code, {
          code_verifier: approved.json.code_verifier,
          redirect_uri: `${url}/deviceauth/callback`
        })
        assert.equal(tokens.status, 200, tokens.text)
        const denied = yield* start
        yield* admin.denyDeviceCode(denied.json.user_code)
        assertOAuthError(yield* poll(denied), 400, "access_denied")
      })
  )
}
