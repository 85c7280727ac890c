// The read model's decisions as plain functions (issue 12): the session and the startup paths both call these, so
// each is tested once here, on plain values.
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as ReadModel from "../src/ReadModel.ts"
import * as StoredAuth from "../src/StoredAuth.ts"

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (payload: Record<string, unknown>): string => `${b64({ alg: "none" })}.${b64(payload)}.sig`
const auth = (claims: Record<string, unknown>) => ({ "https://api.openai.com/auth": claims })

const document = (value: unknown): StoredAuth.Document => {
  const parsed = StoredAuth.parse(JSON.stringify(value))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.value
}

const store = { kind: "file", location: "/home/u/.codex/auth.json" } as const

describe("ReadModel", () => {
  it("environment: names are read once, blank means unset, CA and proxy by precedence", () => {
    const settings = ReadModel.environment({
      CODEX_HOME: " ",
      CODEX_AUTH_ISSUER: " http://127.0.0.1:4010 ",
      SSL_CERT_FILE: " /etc/ssl/bundle.pem ",
      CODEX_CA_CERTIFICATE: "",
      https_proxy: "http://proxy:3128",
      TERM: "xterm"
    })
    assert.isUndefined(settings.codexHome)
    assert.strictEqual(settings.issuer, "http://127.0.0.1:4010")
    assert.deepStrictEqual(settings.caBundle, { variable: "SSL_CERT_FILE", path: "/etc/ssl/bundle.pem" })
    assert.strictEqual(settings.httpsProxy, "http://proxy:3128")
    assert.strictEqual(settings.terminal, "xterm")
    assert.isFalse(settings.noFastPath)
    assert.strictEqual(ReadModel.terminal((name) => (name === "TERM_PROGRAM" ? "iTerm.app" : "xterm")), "iTerm.app")
  })

  it("status: a ChatGPT login shows its claims; API key only its mode; none is logged out", () => {
    const access = jwt({ exp: 2_000_000_000, ...auth({ chatgpt_plan_type: "plus" }) })
    const chatGpt = ReadModel.status(
      document({
        OPENAI_API_KEY: null,
        tokens: {
          id_token: jwt({
            email: "a@example.com",
            ...auth({ chatgpt_account_id: "acct", chatgpt_account_is_fedramp: true })
          }),
          access_token: access,
          refresh_token: "rt"
        },
        last_refresh: "2026-11-21T22:18:32.564613152Z"
      }),
      store
    )
    assert.deepStrictEqual(chatGpt, {
      loggedIn: true,
      mode: "chatgpt",
      email: "a@example.com",
      plan: "plus",
      accountId: "acct",
      fedramp: true,
      accessTokenExpiresAt: 2_000_000_000_000,
      lastRefresh: Date.parse("2026-11-21T22:18:32.564Z"),
      store: "file",
      location: store.location
    })
    const apiKey = ReadModel.status(document({ auth_mode: "apikey", OPENAI_API_KEY: "sk-1" }), store)
    assert.isTrue(apiKey.loggedIn)
    assert.strictEqual(apiKey.mode, "apikey")
    assert.isUndefined(apiKey.email)
    const none = ReadModel.status(undefined, store)
    assert.isFalse(none.loggedIn)
    assert.isUndefined(none.mode)

    // The session's and the facade's shapes are derived field by field, in the same order.
    const optioned = ReadModel.mapStatus<Record<string, unknown>>(chatGpt, Option.fromNullable)
    assert.deepStrictEqual(Object.keys(optioned), Object.keys(chatGpt))
    assert.deepStrictEqual(optioned["email"], Option.some("a@example.com"))
    assert.strictEqual(optioned["location"], store.location)
    const nullable = ReadModel.nullable(apiKey)
    assert.isNull(nullable.email)
    assert.isNull(nullable.accessTokenExpiresAt)
    assert.deepStrictEqual(ReadModel.nullable(chatGpt).accessTokenExpiresAt, new Date(2_000_000_000_000))
  })

  it("headers: ChatGPT carries the account and FedRAMP; an API key neither", () => {
    const credentials = StoredAuth.credentials(document({
      OPENAI_API_KEY: null,
      tokens: {
        id_token: jwt({ ...auth({ chatgpt_account_id: "acct", chatgpt_account_is_fedramp: true }) }),
        access_token: "at",
        refresh_token: "rt"
      }
    }))!
    const client = { originator: "codex_cli_rs", userAgent: "ua" }
    assert.deepStrictEqual(ReadModel.headers(credentials, client), {
      authorization: "Bearer at",
      "chatgpt-account-id": "acct",
      originator: "codex_cli_rs",
      "user-agent": "ua",
      "x-openai-fedramp": "true"
    })
    const apiKey = StoredAuth.credentials(document({ auth_mode: "apikey", OPENAI_API_KEY: "sk-1" }))!
    assert.deepStrictEqual(ReadModel.headers(apiKey, client), {
      authorization: "Bearer sk-1",
      originator: "codex_cli_rs",
      "user-agent": "ua"
    })
    assert.strictEqual(ReadModel.bearerOfHeaders(ReadModel.headers(apiKey, client)), "sk-1")
  })

  it("freshness and adopt-newer", () => {
    assert.isTrue(ReadModel.needsRefresh(10 * 60_000, undefined, 6 * 60_000), "within 5 minutes of exp")
    assert.isFalse(ReadModel.needsRefresh(12 * 60_000, undefined, 6 * 60_000))
    assert.strictEqual(ReadModel.expiresAtOf(jwt({ exp: 42 })), 42_000)
    assert.isUndefined(ReadModel.expiresAtOf("opaque"))
    assert.isTrue(ReadModel.adoptsNewer("old", "new"), "another process refreshed: adopt")
    assert.isFalse(ReadModel.adoptsNewer("same", "same"), "the same bearer: refresh")
    assert.isFalse(ReadModel.adoptsNewer(undefined, "new"), "nothing served: refresh")
  })

  it("CODEX_HOME: an explicit directory, else the variable, else ~/.codex; blank means the default", () => {
    const join = (...segments: ReadonlyArray<string>) => segments.join("/")
    const choose = (explicit: string | undefined, variable: string | undefined) =>
      ReadModel.codexHome({ explicit, variable, homeDirectory: "/home/u", join })
    assert.deepStrictEqual(choose("/x", "/y"), { _tag: "Given", path: "/x", source: "option" })
    assert.deepStrictEqual(choose(undefined, "/y"), { _tag: "Given", path: "/y", source: "variable" })
    assert.deepStrictEqual(choose(undefined, " "), { _tag: "Default", path: "/home/u/.codex" })
    assert.deepStrictEqual(choose("", "/y"), { _tag: "Default", path: "/home/u/.codex" })
  })

  it("only the file store is read by a startup path", () => {
    assert.isTrue(ReadModel.fileStoreByDefault(undefined))
    assert.isFalse(ReadModel.fileStoreByDefault("postgres"))
  })
})
