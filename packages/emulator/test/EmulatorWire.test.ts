// The emulator over real HTTP on 127.0.0.1: every endpoint, its bad inputs (RFC 6749 §5.2 shapes),
// refresh rotation and reuse detection, device codes, revoke, fault injection and the admin client.
import * as Emulator from "@codex-auth/emulator/Emulator"
import * as NodeEmulator from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import {
  authorizeUrl,
  clientId,
  exchange,
  location,
  login,
  redirectUri,
  refresh,
  request,
  verifier
} from "./support.ts"

const serve = (options: NodeEmulator.ServeOptions = {}) => NodeEmulator.serve(options)

const assertOAuthError = (
  answer: { status: number; json: any; headers: Headers },
  status: number,
  error: string
) => {
  assert.strictEqual(answer.status, status, JSON.stringify(answer.json))
  assert.strictEqual(answer.json.error, error)
  assert.isString(answer.json.error_description)
  assert.match(answer.headers.get("content-type") ?? "", /application\/json/)
}

describe("authorize", () => {
  it.scoped("binds 127.0.0.1 and shows a consent page with Allow and Deny", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const page = yield* request(authorizeUrl(url))
      assert.strictEqual(page.status, 200)
      assert.match(page.headers.get("content-type")!, /text\/html/)
      assert.match(page.text, /<button type="submit" name="decision" value="allow">Allow<\/button>/)
      assert.match(page.text, /<button type="submit" name="decision" value="deny">Deny<\/button>/)
      const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)![1]!
      const allow = yield* request(`${url}/oauth/authorize/consent`, {
        form: { request_id: requestId, decision: "allow" }
      })
      assert.strictEqual(allow.status, 302)
      const callback = location(allow)
      assert.strictEqual(`${callback.origin}${callback.pathname}`, redirectUri)
      assert.strictEqual(callback.searchParams.get("state"), "state-xyz")
      const answer = yield* exchange(url, callback.searchParams.get("code")!)
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.headers.get("cache-control"), "no-store")
      // The consent request is single use.
      const again = yield* request(`${url}/oauth/authorize/consent`, {
        form: { request_id: requestId, decision: "allow" }
      })
      assert.strictEqual(again.status, 400)
    }))

  it.scoped("Deny redirects with error=access_denied and the state", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const page = yield* request(authorizeUrl(url))
      const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)![1]!
      const deny = yield* request(`${url}/oauth/authorize/consent`, {
        form: { request_id: requestId, decision: "deny" }
      })
      const callback = location(deny)
      assert.strictEqual(callback.searchParams.get("error"), "access_denied")
      assert.strictEqual(callback.searchParams.get("state"), "state-xyz")
      assert.isNull(callback.searchParams.get("code"))
    }))

  it.scoped("auto-approve redirects straight to the callback with a code", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const answer = yield* request(authorizeUrl(url, { redirect_uri: "http://localhost:1457/auth/callback" }))
      assert.strictEqual(answer.status, 302)
      const callback = location(answer)
      assert.strictEqual(callback.host, "localhost:1457")
      assert.match(callback.searchParams.get("code")!, /^ac_/)
    }))

  it.scoped("a user without the Codex entitlement gets access_denied / missing_codex_entitlement", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true, users: [Emulator.user({ codexEntitlement: false })] })
      const callback = location(yield* request(authorizeUrl(url)))
      assert.strictEqual(callback.searchParams.get("error"), "access_denied")
      assert.match(callback.searchParams.get("error_description")!, /missing_codex_entitlement/)
    }))

  it.scoped("an unknown client or a redirect URI off the allow-list is an error page, never a redirect", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      for (
        const overrides of [
          { client_id: "app_unknown" },
          { client_id: undefined },
          { redirect_uri: "http://127.0.0.1:8080/auth/callback" },
          { redirect_uri: "http://evil.example:1455/auth/callback" },
          { redirect_uri: "https://127.0.0.1:1455/auth/callback" },
          { redirect_uri: "http://127.0.0.1:1455/other" }
        ]
      ) {
        const answer = yield* request(authorizeUrl(url, overrides))
        assert.strictEqual(answer.status, 400, JSON.stringify(overrides))
        assert.isNull(answer.headers.get("location"))
        assert.match(answer.text, /invalid_client|invalid_request/)
      }
    }))

  it.scoped("bad PKCE, response type or state redirect with an RFC 6749 error", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const cases: Array<[Record<string, string | undefined>, string]> = [
        [{ code_challenge_method: "plain" }, "invalid_request"],
        [{ code_challenge: undefined }, "invalid_request"],
        [{ code_challenge: "short" }, "invalid_request"],
        [{ response_type: "token" }, "unsupported_response_type"],
        [{ state: undefined }, "invalid_request"]
      ]
      for (const [overrides, error] of cases) {
        const answer = yield* request(authorizeUrl(url, overrides))
        assert.strictEqual(answer.status, 302, JSON.stringify(overrides))
        assert.strictEqual(location(answer).searchParams.get("error"), error)
        assert.isNull(location(answer).searchParams.get("code"))
      }
    }))

  it.scoped("allowed_workspace_id selects a workspace the user belongs to", () =>
    Effect.gen(function*() {
      const user = Emulator.user({ accountId: "acct-personal", workspaceIds: ["acct-team"] })
      const { url } = yield* serve({ autoApprove: true, users: [user] })
      const code = location(yield* request(authorizeUrl(url, { allowed_workspace_id: "acct-other,acct-team" })))
        .searchParams.get("code")!
      const tokens = (yield* exchange(url, code)).json
      const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString())
      assert.strictEqual(claims["https://api.openai.com/auth"].chatgpt_account_id, "acct-team")
    }))
})

describe("token: authorization code", () => {
  const codeFrom = (url: string) =>
    Effect.map(request(authorizeUrl(url)), (answer) => location(answer).searchParams.get("code")!)

  it.scoped("answers id, access and refresh tokens", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const answer = yield* exchange(url, yield* codeFrom(url))
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.json.id_token.split(".").length, 3)
      assert.strictEqual(answer.json.access_token.split(".").length, 3)
      assert.match(answer.json.refresh_token, /^rt_/)
      assert.strictEqual(answer.json.token_type, "Bearer")
    }))

  it.scoped("a wrong verifier is invalid_grant", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const answer = yield* exchange(url, yield* codeFrom(url), { code_verifier: "x".repeat(43) })
      assertOAuthError(answer, 400, "invalid_grant")
      assert.match(answer.json.error_description, /PKCE/)
    }))

  it.scoped("a reused code is invalid_grant and revokes what its first exchange issued", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const code = yield* codeFrom(url)
      const first = yield* exchange(url, code)
      assert.strictEqual(first.status, 200)
      assertOAuthError(yield* exchange(url, code), 400, "invalid_grant")
      const after = yield* refresh(url, first.json.refresh_token)
      assert.strictEqual(after.status, 401)
      assert.strictEqual(after.json.error.code, "refresh_token_invalidated")
    }))

  it.scoped("a wrong redirect URI is invalid_grant", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const answer = yield* exchange(url, yield* codeFrom(url), {
        redirect_uri: "http://127.0.0.1:1457/auth/callback"
      })
      assertOAuthError(answer, 400, "invalid_grant")
      assert.match(answer.json.error_description, /redirect_uri/)
    }))

  it.scoped("an unknown client is invalid_client (401); a missing one invalid_request", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      assertOAuthError(yield* exchange(url, yield* codeFrom(url), { client_id: "app_other" }), 401, "invalid_client")
      const missing = yield* request(`${url}/oauth/token`, {
        form: { grant_type: "authorization_code", code: "x", redirect_uri: redirectUri, code_verifier: verifier }
      })
      assertOAuthError(missing, 400, "invalid_request")
    }))

  it.scoped("an unknown code is invalid_grant; missing fields are invalid_request", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      assertOAuthError(yield* exchange(url, "ac_nope"), 400, "invalid_grant")
      for (const name of ["code", "redirect_uri", "code_verifier"]) {
        const form: Record<string, string> = {
          grant_type: "authorization_code",
          client_id: clientId,
          code: "ac_nope",
          redirect_uri: redirectUri,
          code_verifier: verifier
        }
        delete form[name]
        const answer = yield* request(`${url}/oauth/token`, { form })
        assertOAuthError(answer, 400, "invalid_request")
        assert.include(answer.json.error_description, name)
      }
    }))

  it.scoped("malformed bodies are invalid_request; unknown grants unsupported_grant_type", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const token = `${url}/oauth/token`
      assertOAuthError(
        yield* request(token, { body: "{not json", contentType: "application/json" }),
        400,
        "invalid_request"
      )
      assertOAuthError(
        yield* request(token, { body: "[1,2]", contentType: "application/json" }),
        400,
        "invalid_request"
      )
      assertOAuthError(
        yield* request(token, { body: "grant_type=x", contentType: "text/plain" }),
        400,
        "invalid_request"
      )
      assertOAuthError(
        yield* request(token, {
          body: "grant_type=refresh_token&grant_type=authorization_code",
          contentType: "application/x-www-form-urlencoded"
        }),
        400,
        "invalid_request"
      )
      assertOAuthError(yield* request(token, { form: { client_id: clientId } }), 400, "invalid_request")
      assertOAuthError(
        yield* request(token, { form: { grant_type: "password", client_id: clientId } }),
        400,
        "unsupported_grant_type"
      )
      assertOAuthError(
        yield* request(token, { json: { grant_type: 42, client_id: clientId } }),
        400,
        "invalid_request"
      )
    }))

  it.scoped("the API-key token exchange accepts an id token of this issuer only", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const tokens = yield* login(url)
      const form = (subject: string) => ({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        client_id: clientId,
        requested_token: "openai-api-key",
        subject_token: subject,
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token"
      })
      const ok = yield* request(`${url}/oauth/token`, { form: form(tokens.id_token) })
      assert.strictEqual(ok.status, 200)
      assert.match(ok.json.access_token, /^sk-emu-/)
      const [header, payload] = tokens.id_token.split(".")
      assertOAuthError(
        yield* request(`${url}/oauth/token`, { form: form(`${header}.${payload}.forged`) }),
        400,
        "invalid_grant"
      )
      assertOAuthError(
        yield* request(`${url}/oauth/token`, { form: { ...form(tokens.id_token), requested_token: "other" } }),
        400,
        "invalid_request"
      )
    }))
})

describe("token: refresh", () => {
  it.scoped("rotates: each refresh token works once and yields a new one", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const tokens = yield* login(url)
      const first = yield* refresh(url, tokens.refresh_token)
      assert.strictEqual(first.status, 200)
      assert.notStrictEqual(first.json.refresh_token, tokens.refresh_token)
      assert.isString(first.json.access_token)
      assert.isString(first.json.id_token)
      const second = yield* refresh(url, first.json.refresh_token)
      assert.strictEqual(second.status, 200)
      const log = (yield* admin.requests).filter((entry) => entry.grantType === "refresh_token")
      assert.deepStrictEqual(log.map((entry) => entry.refreshToken), [tokens.refresh_token, first.json.refresh_token])
      assert.deepStrictEqual(log.map((entry) => entry.status), [200, 200])
      assert.deepStrictEqual(log[0]!.bodyKeys, ["client_id", "grant_type", "refresh_reason", "refresh_token"])
      assert.strictEqual(log[0]!.tokenFamily, log[1]!.tokenFamily)
    }))

  it.scoped("a used refresh token fails with refresh_token_reused and revokes the family", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const tokens = yield* login(url)
      const rotated = yield* refresh(url, tokens.refresh_token)
      const reused = yield* refresh(url, tokens.refresh_token)
      assert.strictEqual(reused.status, 401)
      assert.deepStrictEqual(reused.json, {
        error: {
          message: reused.json.error.message,
          type: "invalid_request_error",
          param: null,
          code: "refresh_token_reused"
        }
      })
      // The family is gone: even the newest token is now invalidated.
      const newest = yield* refresh(url, rotated.json.refresh_token)
      assert.strictEqual(newest.status, 401)
      assert.strictEqual(newest.json.error.code, "refresh_token_invalidated")
      const codes = (yield* admin.requests).filter((e) => e.grantType === "refresh_token").map((e) => e.errorCode)
      assert.deepStrictEqual(codes, [undefined, "refresh_token_reused", "refresh_token_invalidated"])
    }))

  it.scoped("concurrent refreshes with one token: exactly one wins", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const tokens = yield* login(url)
      const answers = yield* Effect.all(Array.from({ length: 4 }, () => refresh(url, tokens.refresh_token)), {
        concurrency: "unbounded"
      })
      const statuses = answers.map((a) => a.status).sort()
      assert.deepStrictEqual(statuses, [200, 401, 401, 401])
    }))

  it.scoped("unknown refresh tokens, unknown clients and missing tokens fail", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({ autoApprove: true })
      const unknown = yield* refresh(url, "rt_unknown")
      assert.strictEqual(unknown.status, 401)
      assert.strictEqual(unknown.json.error.code, "refresh_token_invalidated")
      const tokens = yield* login(url)
      assertOAuthError(
        yield* request(`${url}/oauth/token`, {
          json: { client_id: "app_other", grant_type: "refresh_token", refresh_token: tokens.refresh_token }
        }),
        401,
        "invalid_client"
      )
      assertOAuthError(
        yield* request(`${url}/oauth/token`, { json: { client_id: clientId, grant_type: "refresh_token" } }),
        400,
        "invalid_request"
      )
      // None of the failures consumed the token.
      assert.strictEqual((yield* refresh(url, tokens.refresh_token)).status, 200)
    }))

  it.scoped("families revoked through the admin API fail with refresh_token_invalidated", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const a = yield* login(url)
      const b = yield* login(url)
      assert.strictEqual(yield* admin.revoke({ refreshToken: a.refresh_token }), 1)
      assert.strictEqual((yield* refresh(url, a.refresh_token)).json.error.code, "refresh_token_invalidated")
      assert.strictEqual((yield* refresh(url, b.refresh_token)).status, 200)
      assert.strictEqual(yield* admin.revoke({ email: Emulator.defaultUser.email }), 1)
      const revokeUnknown = yield* Effect.either(admin.revoke({ refreshToken: "rt_nope" }))
      assert.strictEqual(revokeUnknown._tag, "Left")
    }))
})

describe("revoke", () => {
  it.scoped("revoking a refresh token (JSON, as Codex sends it) kills its family; unknown tokens still answer 200", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const tokens = yield* login(url)
      const answer = yield* request(`${url}/oauth/revoke`, {
        json: { token: tokens.refresh_token, token_type_hint: "refresh_token", client_id: clientId }
      })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual((yield* refresh(url, tokens.refresh_token)).json.error.code, "refresh_token_invalidated")
      const access = yield* request(`${url}/oauth/revoke`, {
        json: { token: tokens.access_token, token_type_hint: "access_token" }
      })
      assert.strictEqual(access.status, 200)
      assertOAuthError(yield* request(`${url}/oauth/revoke`, { json: { client_id: clientId } }), 400, "invalid_request")
      assertOAuthError(
        yield* request(`${url}/oauth/revoke`, { json: { token: "x", client_id: "app_other" } }),
        401,
        "invalid_client"
      )
      const entries = (yield* admin.requests).filter((e) => e.path === "/oauth/revoke")
      assert.deepStrictEqual(entries[0]!.bodyKeys, ["token", "token_type_hint", "client_id"])
    }))
})

describe("device code", () => {
  const start = (url: string) => request(`${url}/api/accounts/deviceauth/usercode`, { json: { client_id: clientId } })
  const poll = (url: string, started: { json: any }) =>
    request(`${url}/api/accounts/deviceauth/token`, {
      json: { device_auth_id: started.json.device_auth_id, user_code: started.json.user_code }
    })

  it.scoped("usercode → pending (403) → approved through the admin API → code exchange", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ deviceInterval: "0" })
      const started = yield* start(url)
      assert.strictEqual(started.status, 200)
      assert.strictEqual(started.json.interval, "0")
      assert.match(started.json.user_code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/)
      assert.strictEqual((yield* poll(url, started)).status, 403)
      const pending = yield* admin.awaitPendingDeviceCode()
      assert.strictEqual(pending.userCode, started.json.user_code)
      yield* admin.approveDeviceCode(started.json.user_code.toLowerCase().replace("-", ""))
      const approved = yield* poll(url, started)
      assert.strictEqual(approved.status, 200)
      const { authorization_code, code_challenge, code_verifier } = approved.json
      assert.match(code_verifier, /^[A-Za-z0-9_-]{86}$/)
      const digest = yield* Effect.promise(() =>
        crypto.subtle.digest("SHA-256", new TextEncoder().encode(code_verifier))
      )
      assert.strictEqual(Buffer.from(digest).toString("base64url"), code_challenge)
      // Codex exchanges with the issuer's device callback as redirect URI.
      const tokens = yield* exchange(url, authorization_code, {
        code_verifier,
        redirect_uri: `${url}/deviceauth/callback`
      })
      assert.strictEqual(tokens.status, 200, tokens.text)
      // Completed: a further poll is an error, not "pending".
      assertOAuthError(yield* poll(url, started), 400, "invalid_grant")
    }))

  it.scoped("a denied code fails the poll with access_denied", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve()
      const started = yield* start(url)
      yield* admin.denyDeviceCode(started.json.user_code)
      assertOAuthError(yield* poll(url, started), 400, "access_denied")
      const codes = yield* admin.deviceCodes
      assert.strictEqual(codes[0]!.status, "denied")
    }))

  it.scoped("the verification page at /codex/device approves a typed code", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const started = yield* start(url)
      const page = yield* request(`${url}/codex/device`)
      assert.strictEqual(page.status, 200)
      assert.match(page.text, />Allow<\/button>/)
      assert.match(page.text, />Deny<\/button>/)
      const wrong = yield* request(`${url}/codex/device`, { form: { user_code: "ZZZZ-ZZZZ", decision: "allow" } })
      assert.strictEqual(wrong.status, 400)
      const allow = yield* request(`${url}/codex/device`, {
        form: { user_code: ` ${started.json.user_code.toLowerCase()} `, decision: "allow" }
      })
      assert.strictEqual(allow.status, 200)
      assert.strictEqual((yield* poll(url, started)).status, 200)
    }))

  it.scoped("a form post to either page with a parameter twice gets the invalid_request page, and changes nothing", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve()
      const started = yield* start(url)
      const code = started.json.user_code
      const page = yield* request(authorizeUrl(url))
      const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)![1]!
      const contentType = "application/x-www-form-urlencoded"
      const device = yield* request(`${url}/codex/device`, {
        body: `user_code=${code}&decision=allow&decision=deny`,
        contentType
      })
      const consent = yield* request(`${url}/oauth/authorize/consent`, {
        body: `request_id=${requestId}&request_id=${requestId}&decision=allow`,
        contentType
      })
      for (const answer of [device, consent]) {
        assert.strictEqual(answer.status, 400)
        assert.match(answer.headers.get("content-type")!, /text\/html/)
        assert.match(answer.text, /invalid_request/)
        assert.match(answer.text, /parameter &quot;(decision|request_id)&quot; is included more than once/)
      }
      const logged = (yield* admin.requests).filter((e) =>
        e.method === "POST" && e.path !== "/api/accounts/deviceauth/usercode"
      )
      assert.deepStrictEqual(logged.map((e) => [e.path, e.status, e.errorCode]), [
        ["/codex/device", 400, "invalid_request"],
        ["/oauth/authorize/consent", 400, "invalid_request"]
      ])
      // Neither post decided anything: the code is still pending and the sign-in request can still be allowed.
      assert.strictEqual((yield* admin.deviceCodes)[0]!.status, "pending")
      const allow = yield* request(`${url}/oauth/authorize/consent`, {
        form: { request_id: requestId, decision: "allow" }
      })
      assert.strictEqual(allow.status, 302)
    }))

  it.scoped("auto-approve approves at once; disabling device code makes usercode 404", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const started = yield* start(url)
      assert.strictEqual((yield* poll(url, started)).status, 200)
      yield* admin.updateSettings({ deviceCodeEnabled: false })
      assert.strictEqual((yield* start(url)).status, 404)
    }))

  it.scoped("bad device requests", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      assertOAuthError(
        yield* request(`${url}/api/accounts/deviceauth/usercode`, { json: { client_id: "app_other" } }),
        401,
        "invalid_client"
      )
      assertOAuthError(
        yield* request(`${url}/api/accounts/deviceauth/token`, { json: { device_auth_id: "x" } }),
        400,
        "invalid_request"
      )
      const unknown = yield* request(`${url}/api/accounts/deviceauth/token`, {
        json: { device_auth_id: "deviceauth_x", user_code: "AAAA-AAAA" }
      })
      assert.strictEqual(unknown.status, 404)
    }))
})

describe("fault injection", () => {
  it.scoped("each kind shapes the next N matching requests, then the endpoint answers normally", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const usercode = () => request(`${url}/api/accounts/deviceauth/usercode`, { json: { client_id: clientId } })

      yield* admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "status", status: 503, count: 2 })
      assert.strictEqual((yield* usercode()).status, 503)
      assert.strictEqual((yield* usercode()).status, 503)
      assert.strictEqual((yield* usercode()).status, 200)

      yield* admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "rate_limit", retryAfterSeconds: 7 })
      const limited = yield* usercode()
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.headers.get("retry-after"), "7")

      yield* admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "malformed_json" })
      const malformed = yield* usercode()
      assert.strictEqual(malformed.status, 200)
      assert.match(malformed.headers.get("content-type")!, /application\/json/)
      assert.isUndefined(malformed.json)

      yield* admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "html_body", status: 502 })
      const htmlBody = yield* usercode()
      assert.strictEqual(htmlBody.status, 502)
      assert.match(htmlBody.headers.get("content-type")!, /text\/html/)
      assert.match(htmlBody.text, /<html>/)

      yield* admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "truncated_body" })
      const truncated = yield* usercode()
      assert.strictEqual(truncated.status, 200)
      assert.isUndefined(truncated.json)
      assert.isTrue(truncated.text.startsWith("{\"device_auth_id\""))

      yield* admin.addFault({
        path: "/api/accounts/deviceauth/usercode",
        kind: "error_code",
        code: "temporarily_unavailable",
        status: 400
      })
      assertOAuthError(yield* usercode(), 400, "temporarily_unavailable")

      // The emulator's clock is the test's TestClock: the delayed answer arrives once the clock moves.
      yield* admin.addFault({ path: "/api/accounts/deviceauth/usercode", kind: "latency", millis: 60_000 })
      const delayed = yield* Effect.fork(usercode())
      // The fault is taken when the request arrives, before the delay.
      yield* Effect.repeat(admin.faults, { until: (faults) => faults.length === 0 })
      assert.isTrue(Option.isNone(yield* Fiber.poll(delayed)))
      yield* TestClock.adjust(Duration.minutes(1))
      assert.strictEqual((yield* Fiber.join(delayed)).status, 200)

      const faults = (yield* admin.requests).map((e) => e.fault ?? null)
      assert.deepStrictEqual(faults, [
        "status",
        "status",
        null,
        "rate_limit",
        "malformed_json",
        "html_body",
        "truncated_body",
        "error_code",
        "latency"
      ])
      assert.deepStrictEqual(yield* admin.faults, [])
    }))

  it.scoped("a fault can target one grant type; openai-style error codes; a truncated refresh still rotates", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve({ autoApprove: true })
      const tokens = yield* login(url)
      yield* admin.addFault({
        path: "/oauth/token",
        grantType: "refresh_token",
        kind: "error_code",
        style: "openai",
        code: "refresh_token_expired"
      })
      // An authorization-code grant passes untouched.
      yield* login(url)
      const expired = yield* refresh(url, tokens.refresh_token)
      assert.strictEqual(expired.status, 401)
      assert.strictEqual(expired.json.error.code, "refresh_token_expired")
      // The injected failure did not consume the token; a truncated answer does (the server committed).
      yield* admin.addFault({ path: "/oauth/token", grantType: "refresh_token", kind: "truncated_body" })
      const truncated = yield* refresh(url, tokens.refresh_token)
      assert.strictEqual(truncated.status, 200)
      assert.isUndefined(truncated.json)
      assert.strictEqual((yield* refresh(url, tokens.refresh_token)).json.error.code, "refresh_token_reused")
    }))

  it.scoped("clearFaults drops pending faults; malformed fault specs are rejected", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve()
      yield* admin.addFault({ path: "/oauth/revoke", kind: "status", status: 500, count: 5 })
      assert.strictEqual((yield* admin.faults)[0]!.count, 5)
      yield* admin.clearFaults
      assert.strictEqual((yield* request(`${url}/oauth/revoke`, { json: { token: "x" } })).status, 200)
      const bad = yield* request(`${url}/__emulator/faults`, { json: { path: "/oauth/token", kind: "explode" } })
      assert.strictEqual(bad.status, 400)
    }))
})

describe("admin API", () => {
  it.scoped("mints token sets, changes settings at runtime, resets", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve()
      const minted = yield* admin.mintTokens({ accessTokenTtlSeconds: 120 })
      const claims = JSON.parse(Buffer.from(minted.access_token.split(".")[1]!, "base64url").toString())
      assert.strictEqual(claims.iss, url)
      assert.strictEqual(claims.exp - claims.iat, 120)
      assert.strictEqual((yield* refresh(url, minted.refresh_token)).status, 200)

      const settings = yield* admin.updateSettings({ accessTokenTtlSeconds: 30, autoApprove: true })
      assert.strictEqual(settings.accessTokenTtlSeconds, 30)
      const tokens = yield* login(url)
      const fresh = JSON.parse(Buffer.from(tokens.access_token.split(".")[1]!, "base64url").toString())
      assert.strictEqual(fresh.exp - fresh.iat, 30)

      assert.isAbove((yield* admin.requests).length, 0)
      yield* admin.clearRequests
      assert.deepStrictEqual(yield* admin.requests, [])
      yield* admin.reset
      assert.strictEqual((yield* admin.settings).autoApprove, false)
      assert.strictEqual((yield* refresh(url, tokens.refresh_token)).status, 401)

      const unknownUser = yield* Effect.either(admin.mintTokens({ email: "nobody@example.com" }))
      assert.strictEqual(unknownUser._tag, "Left")
      if (unknownUser._tag === "Left") {
        assert.strictEqual(unknownUser.left.status, 404)
        assert.match(unknownUser.left.message, /no test user/)
      }
      const noCode = yield* Effect.either(admin.approveDeviceCode("AAAA-AAAA"))
      assert.strictEqual(noCode._tag, "Left")
    }))

  it.scoped("unknown paths answer 404 and are logged; admin requests are not", () =>
    Effect.gen(function*() {
      const { admin, url } = yield* serve()
      const answer = yield* request(`${url}/backend-api/no-such-route`)
      assert.strictEqual(answer.status, 404)
      const log = yield* admin.requests
      assert.deepStrictEqual(log.map((e) => [e.path, e.status]), [["/backend-api/no-such-route", 404]])
    }))

  it.scoped("an unreachable emulator is a typed admin error", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const { admin } = yield* Effect.scoped(serve())
      // The second emulator's scope is closed: its admin client now points at nothing.
      const result = yield* Effect.either(admin.settings)
      assert.strictEqual(result._tag, "Left")
      if (result._tag === "Left") assert.strictEqual(result.left._tag, "EmulatorAdminRequestError")
      assert.notStrictEqual(admin.baseUrl, url)
    }))
})

describe("serve", () => {
  it.scoped("a port in use is a typed error naming the port", () =>
    Effect.gen(function*() {
      const first = yield* serve()
      const result = yield* Effect.either(serve({ port: first.port }))
      assert.strictEqual(result._tag, "Left")
      if (result._tag === "Left") {
        assert.strictEqual(result.left._tag, "EmulatorServeError")
        assert.include(result.left.message, String(first.port))
        assert.include(result.left.message, "already in use")
      }
    }))
})
