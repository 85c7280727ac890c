// The broker's rules against the rotation-enforcing emulator over HTTP (a reused refresh token revokes its family),
// through the real Node wiring (`@codex-auth/broker/node`: the file store in a temp CODEX_HOME, flock, undici). Time
// is the TestClock's: the grace window is crossed with `TestClock.adjust`, never by waiting.
import * as BrokerNode from "@codex-auth/broker/node"
import type * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulator, startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"

const authJson = (minted: Emulator.MintedTokens, issuer: string, lastRefresh: string) =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: clientId },
        account_id: minted.account_id
      },
      last_refresh: lastRefresh
    },
    null,
    2
  )

interface Answer {
  readonly status: number
  readonly contentType: string | null
  readonly text: string
  readonly json: any
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  Effect.promise(async (): Promise<Answer> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body)
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, contentType: response.headers.get("content-type"), text, json }
  })

/** Codex 0.169's refresh body (PROTOCOL.md §5). */
const refreshBody = (refreshToken: string) => ({
  client_id: clientId,
  grant_type: "refresh_token",
  refresh_reason: "proactive_expiry",
  refresh_token: refreshToken
})

const grants = (emulator: StartedEmulator) =>
  Effect.map(
    emulator.admin.requests,
    (log) => log.filter((entry) => entry.path === "/oauth/token" && entry.grantType === "refresh_token")
  )

/** An emulator, a CODEX_HOME holding a minted login, and the broker over it. */
const setup = (
  options: { readonly accessTokenTtlSeconds: number; readonly graceMillis?: number; readonly live?: boolean }
) =>
  Effect.gen(function*() {
    // The TestClock starts at the epoch: start it now, so the minted tokens' `exp` means what it says.
    if (options.live !== true) yield* TestClock.setTime(Date.now())
    const emulator = yield* startEmulator()
    const codexHome = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "broker-home-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: options.accessTokenTtlSeconds })
    const file = Path.join(codexHome, "auth.json")
    Fs.writeFileSync(file, authJson(minted, emulator.url, new Date(Date.now() - 60_000).toISOString()), { mode: 0o600 })
    const broker = yield* BrokerNode.serve({ codexHome, issuer: emulator.url, graceMillis: options.graceMillis })
    yield* emulator.admin.clearRequests
    const stored = () => JSON.parse(Fs.readFileSync(file, "utf8"))
    return { emulator, codexHome, file, minted, broker, token: `${broker.url}/oauth/token`, stored }
  })

describe("the broker's rules", () => {
  it.scoped("the current token, 6 requests at once: 1 grant, every caller gets its answer, shaped as the issuer's", () =>
    Effect.gen(function*() {
      const { broker, emulator, minted, stored, token } = yield* setup({ accessTokenTtlSeconds: -60 })
      const answers = yield* Effect.all(
        Array.from({ length: 6 }, () => post(token, refreshBody(minted.refresh_token))),
        { concurrency: "unbounded" }
      )
      const log = yield* grants(emulator)
      assert.strictEqual(log.length, 1)
      assert.strictEqual(log[0]!.status, 200)
      assert.strictEqual(log[0]!.refreshToken, minted.refresh_token)
      for (const answer of answers) {
        assert.strictEqual(answer.status, 200, answer.text)
        assert.strictEqual(answer.contentType, "application/json")
        assert.deepStrictEqual(Object.keys(answer.json), [
          "id_token",
          "access_token",
          "refresh_token",
          "token_type",
          "expires_in"
        ])
        assert.strictEqual(answer.json.token_type, "Bearer")
        assert.isTrue(answer.json.expires_in > 3000)
      }
      assert.strictEqual(new Set(answers.map((a) => a.json.refresh_token)).size, 1)
      assert.notStrictEqual(answers[0]!.json.refresh_token, minted.refresh_token)
      // The session saved what it got before answering: the store holds the answer.
      assert.strictEqual(stored().tokens.refresh_token, answers[0]!.json.refresh_token)
      assert.strictEqual(stored().tokens.access_token, answers[0]!.json.access_token)
      const stats = yield* broker.stats
      assert.deepStrictEqual(stats, { requests: 6, current: 1, grace: 5, refused: 0, failed: 0 })
    }))

  it.scoped("a token superseded a moment ago: the current tokens, no grant; past the grace window: refused", () =>
    Effect.gen(function*() {
      const { emulator, minted, token } = yield* setup({ accessTokenTtlSeconds: -60, graceMillis: 30_000 })
      const first = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(first.status, 200)
      yield* TestClock.adjust("29 seconds")
      const late = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(late.status, 200)
      assert.strictEqual(late.json.refresh_token, first.json.refresh_token)
      assert.strictEqual(late.json.access_token, first.json.access_token)
      yield* TestClock.adjust("2 seconds")
      const tooLate = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(tooLate.status, 401)
      assert.strictEqual(tooLate.json.error.code, "refresh_token_invalidated")
      assert.isUndefined(tooLate.json.refresh_token)
      assert.strictEqual((yield* grants(emulator)).length, 1)
    }))

  it.scoped("a token another process rotated (auth.json rewritten behind the broker): the current tokens, no grant", () =>
    Effect.gen(function*() {
      const { emulator, file, minted, token } = yield* setup({ accessTokenTtlSeconds: -60 })
      // Another process refreshes and saves, as `codex-auth token` or Codex itself would.
      const rotated = yield* post(`${emulator.url}/oauth/token`, refreshBody(minted.refresh_token))
      assert.strictEqual(rotated.status, 200)
      Fs.writeFileSync(
        file,
        authJson({ ...minted, ...rotated.json, account_id: minted.account_id }, emulator.url, new Date().toISOString())
      )
      const answer = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(answer.status, 200, answer.text)
      assert.strictEqual(answer.json.refresh_token, rotated.json.refresh_token)
      assert.strictEqual(answer.json.access_token, rotated.json.access_token)
      // Only the other process's grant: the broker never sent the superseded token (which would revoke the family).
      assert.strictEqual((yield* grants(emulator)).length, 1)
    }))

  it.scoped("the current token with a fresh access token (Codex got a 401): one real grant", () =>
    Effect.gen(function*() {
      const { emulator, minted, stored, token } = yield* setup({ accessTokenTtlSeconds: 3600 })
      const answer = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(answer.status, 200, answer.text)
      assert.notStrictEqual(answer.json.refresh_token, minted.refresh_token)
      assert.strictEqual(stored().tokens.refresh_token, answer.json.refresh_token)
      assert.strictEqual((yield* grants(emulator)).length, 1)
    }))

  it.scoped("an unknown token: the issuer's own answer, status and body; nothing reaches the issuer", () =>
    Effect.gen(function*() {
      const { emulator, token } = yield* setup({ accessTokenTtlSeconds: -60 })
      const issuer = yield* post(`${emulator.url}/oauth/token`, refreshBody("rt_unknown_to_everyone"))
      yield* emulator.admin.clearRequests
      const answer = yield* post(token, refreshBody("rt_unknown_to_everyone"))
      assert.strictEqual(answer.status, issuer.status)
      assert.strictEqual(answer.contentType, issuer.contentType)
      assert.strictEqual(answer.text, issuer.text)
      assert.strictEqual((yield* emulator.admin.requests).length, 0)
    }))

  it.scoped("no login stored: the same refusal, never tokens", () =>
    Effect.gen(function*() {
      const { emulator, file, minted, token } = yield* setup({ accessTokenTtlSeconds: -60 })
      Fs.rmSync(file)
      const answer = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(answer.status, 401)
      assert.strictEqual(answer.json.error.code, "refresh_token_invalidated")
      assert.strictEqual((yield* emulator.admin.requests).length, 0)
    }))

  it.scoped("the issuer refuses the grant (family revoked): its refusal passed on, auth.json byte for byte unchanged", () =>
    Effect.gen(function*() {
      const { emulator, file, minted, token } = yield* setup({ accessTokenTtlSeconds: -60 })
      yield* emulator.admin.revoke({ refreshToken: minted.refresh_token })
      const before = Fs.readFileSync(file, "utf8")
      const answer = yield* post(token, refreshBody(minted.refresh_token))
      assert.strictEqual(answer.status, 401)
      assert.strictEqual(answer.json.error.code, "refresh_token_invalidated")
      assert.isUndefined(answer.json.access_token)
      assert.strictEqual(Fs.readFileSync(file, "utf8"), before)
    }))

  it.live("the issuer fails (500 on every try): a 5xx Codex treats as transient, auth.json byte for byte unchanged", () =>
    Effect.scoped(Effect.gen(function*() {
      const { emulator, file, minted, token } = yield* setup({ accessTokenTtlSeconds: -60, live: true })
      yield* emulator.admin.addFault({ kind: "status", status: 500, path: "/oauth/token", count: 10 })
      const before = Fs.readFileSync(file, "utf8")
      const answer = yield* post(token, refreshBody(minted.refresh_token))
      assert.isTrue(answer.status >= 500, answer.text)
      assert.strictEqual(answer.json.error.type, "server_error")
      assert.strictEqual(Fs.readFileSync(file, "utf8"), before)
      assert.isFalse(answer.text.includes(minted.refresh_token))
    })))

  it.scoped("revoke is passed through to the issuer recorded with the tokens", () =>
    Effect.gen(function*() {
      const { emulator, minted, broker } = yield* setup({ accessTokenTtlSeconds: 3600 })
      const answer = yield* post(`${broker.url}/oauth/revoke`, {
        token: minted.refresh_token,
        token_type_hint: "refresh_token",
        client_id: clientId
      })
      assert.strictEqual(answer.status, 200, answer.text)
      const log = yield* emulator.admin.requests
      assert.deepStrictEqual(log.map((entry) => [entry.path, entry.status]), [["/oauth/revoke", 200]])
      const after = yield* post(`${emulator.url}/oauth/token`, refreshBody(minted.refresh_token))
      assert.strictEqual(after.json.error.code, "refresh_token_invalidated")
    }))

  it.scoped("malformed requests get the issuer's invalid_request; web pages and other paths are refused", () =>
    Effect.gen(function*() {
      const { broker, emulator, minted, token } = yield* setup({ accessTokenTtlSeconds: -60 })
      const notJson = yield* post(token, "grant_type=refresh_token")
      assert.strictEqual(notJson.status, 400)
      assert.strictEqual(notJson.json.error, "invalid_request")
      const otherGrant = yield* post(token, { ...refreshBody(minted.refresh_token), grant_type: "authorization_code" })
      assert.strictEqual(otherGrant.status, 400)
      const noToken = yield* post(token, { client_id: clientId, grant_type: "refresh_token" })
      assert.strictEqual(noToken.status, 400)
      const otherClient = yield* post(token, { ...refreshBody(minted.refresh_token), client_id: "app_other" })
      assert.strictEqual(otherClient.json.error, "invalid_grant")
      const fromPage = yield* post(token, refreshBody(minted.refresh_token), { origin: "https://example.com" })
      assert.strictEqual(fromPage.status, 403)
      const tooBig = yield* post(token, { ...refreshBody(minted.refresh_token), pad: "x".repeat(70_000) })
      assert.strictEqual(tooBig.status, 413)
      const elsewhere = yield* post(`${broker.url}/backend-api/codex/responses`, {})
      assert.strictEqual(elsewhere.status, 404)
      const get = yield* Effect.promise(() => fetch(token))
      assert.strictEqual(get.status, 404)
      assert.strictEqual((yield* grants(emulator)).length, 0)
    }))
})
