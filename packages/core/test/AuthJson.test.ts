import * as AuthJson from "@codex-auth/core/AuthJson"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"
import * as files from "./fixtures/authFiles.ts"
import { makeJwt } from "./fixtures/jwt.ts"

const path = "/home/someone/.codex/auth.json"

const parse = (text: string): AuthJson.AuthDocument => Either.getOrThrow(AuthJson.parseEither(text, { path }))

const rejected = (text: string): AuthJson.AuthFileInvalid => {
  const result = AuthJson.parseEither(text, { path })
  if (Either.isRight(result)) assert.fail("expected the file to be rejected")
  const error = result.left
  assert.strictEqual(error._tag, "AuthFileInvalid")
  assert.strictEqual(error.path, path)
  assert.include(error.message, path)
  assert.include(error.message, "codex-auth login")
  for (const secret of files.secrets) {
    assert.notInclude(error.message, secret)
    assert.notInclude(JSON.stringify(error), secret)
  }
  return error
}

const tokensOf = (document: AuthJson.AuthDocument): AuthJson.AuthTokens =>
  Option.getOrThrowWith(document.tokens, () => new Error("the document has no tokens"))

describe("AuthJson", () => {
  it.effect("reads the §8 example as Codex 0.169 writes it", () =>
    Effect.gen(function*() {
      const document = yield* AuthJson.parse(files.current, { path })
      assert.deepStrictEqual(document.authMode, Option.some("chatgpt"))
      assert.isTrue(Option.isNone(document.openaiApiKey))
      assert.deepStrictEqual(document.lastRefresh, Option.some(files.lastRefresh))
      assert.deepStrictEqual(AuthJson.lastRefreshMillis(document), Option.some(Date.UTC(2026, 10, 21, 22, 18, 32, 564)))
      const tokens = tokensOf(document)
      assert.strictEqual(Redacted.value(tokens.idToken), files.idToken)
      assert.strictEqual(Redacted.value(tokens.accessToken), files.accessToken)
      assert.strictEqual(Redacted.value(tokens.refreshToken), files.refreshToken)
      assert.deepStrictEqual(tokens.idTokenInfo.email, Option.some("user@example.com"))
      assert.deepStrictEqual(tokens.accountId, Option.some("acct-1111"))
      assert.deepStrictEqual(tokens.loginOwnerId, Option.some(files.loginOwnerId))
      assert.deepStrictEqual(
        tokens.oauthProvenance,
        Option.some({ issuer: "https://auth.openai.com", clientId: "app_EMoamEEZ73f0CkXaXp7hrann", unknownFields: [] })
      )
      assert.strictEqual(AuthJson.resolvedMode(document), "chatgpt")
    }))

  it("round-trips the §8 example byte for byte, with no trailing newline (Codex writes none)", () => {
    assert.isFalse(files.current.endsWith("\n"))
    assert.strictEqual(AuthJson.stringify(parse(files.current)), files.current)
    // A newline added by an editor is accepted, and the rewrite is Codex's form again.
    assert.strictEqual(AuthJson.stringify(parse(files.current + "\n")), files.current)
  })

  it("keeps every secret Redacted in the parsed document", () => {
    const document = parse(files.withoutAuthModeWithApiKey)
    const shown = [String(document), JSON.stringify(document), inspect(document, { depth: 10 })]
    for (const text of shown) {
      for (const secret of [files.idToken, files.accessToken, files.refreshToken, files.apiKey]) {
        assert.notInclude(text, secret)
      }
    }
    assert.strictEqual(Redacted.value(Option.getOrThrow(document.openaiApiKey)), files.apiKey)
  })

  it("reads a file without auth_mode, oauth_provenance or login_owner_id and keeps it that way", () => {
    const document = parse(files.withoutAuthMode)
    assert.isTrue(Option.isNone(document.authMode))
    assert.strictEqual(AuthJson.resolvedMode(document), "chatgpt")
    assert.isTrue(Option.isNone(tokensOf(document).oauthProvenance))
    assert.isTrue(Option.isNone(tokensOf(document).loginOwnerId))
    assert.strictEqual(AuthJson.stringify(document), files.withoutAuthMode)
  })

  it("reads a file without account_id; Codex writes the field as null, and so does the rewrite", () => {
    const document = parse(files.withoutAccountId)
    assert.isTrue(Option.isNone(tokensOf(document).accountId))
    assert.deepStrictEqual(tokensOf(document).idTokenInfo.chatgptAccountId, Option.some("acct-1111"))
    assert.strictEqual(
      AuthJson.stringify(document),
      files.withoutAccountId.replace(
        `"refresh_token": "${files.refreshToken}"\n`,
        `"refresh_token": "${files.refreshToken}",\n    "account_id": null\n`
      )
    )
  })

  it("reads the other historical shapes and round-trips them", () => {
    for (const text of [files.withoutProvenance, files.withoutAuthModeWithApiKey, files.apiKeyOnly]) {
      assert.strictEqual(AuthJson.stringify(parse(text)), text)
    }
    const withKey = parse(files.withoutAuthModeWithApiKey)
    assert.strictEqual(AuthJson.resolvedMode(withKey), "apikey")
    assert.isTrue(Option.isSome(withKey.tokens))
  })

  it("reads an API-key login, compact or pretty, and writes what `codex login --with-api-key` writes", () => {
    const compact = `{"auth_mode":"apikey","OPENAI_API_KEY":"${files.apiKey}"}`
    const document = parse(compact)
    assert.strictEqual(AuthJson.resolvedMode(document), "apikey")
    assert.isTrue(Option.isNone(document.tokens))
    assert.strictEqual(AuthJson.stringify(document), files.apiKeyOnly)
    assert.strictEqual(AuthJson.stringifyCompact(document), compact)
    assert.strictEqual(AuthJson.stringify(AuthJson.fromApiKey(Redacted.make(files.apiKey))), files.apiKeyOnly)
    const legacy = parse(`{"OPENAI_API_KEY": "${files.apiKey}"}`)
    assert.strictEqual(AuthJson.resolvedMode(legacy), "apikey")
  })

  it("writes OPENAI_API_KEY as null when the file had none, and drops null tokens / last_refresh", () => {
    const document = parse(`{"auth_mode": "chatgpt", "tokens": null, "last_refresh": null}`)
    assert.strictEqual(AuthJson.stringify(document), `{\n  "auth_mode": "chatgpt",\n  "OPENAI_API_KEY": null\n}`)
  })

  describe("agent_identity (an access-token login)", () => {
    // Shaped like an Agent Identity JWT; the reader stores it without decoding.
    const agentToken = makeJwt({ iss: "https://chatgpt.com/codex-backend/agent-identity", account_id: "acct-agent" })
    const codexWritten =
      `{\n  "auth_mode": "agentIdentity",\n  "OPENAI_API_KEY": null,\n  "agent_identity": "${agentToken}"\n}`

    it("reads Codex's agentIdentity document into a Redacted field and writes it back byte for byte", () => {
      const document = parse(codexWritten)
      assert.deepStrictEqual(document.authMode, Option.some("agentIdentity"))
      assert.strictEqual(AuthJson.resolvedMode(document), "agentIdentity")
      assert.strictEqual(Redacted.value(Option.getOrThrow(document.agentIdentity)), agentToken)
      assert.deepStrictEqual(document.unknownFields, [])
      assert.strictEqual(AuthJson.stringify(document), codexWritten)
      assert.strictEqual(
        AuthJson.stringifyCompact(document),
        `{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"${agentToken}"}`
      )
      for (const text of [String(document), JSON.stringify(document), inspect(document, { depth: 10 })]) {
        assert.notInclude(text, agentToken)
        assert.notInclude(text, agentToken.split(".")[1]!)
      }
    })

    it("writes it in Codex's place (after OPENAI_API_KEY), before unknown fields, and drops a null", () => {
      const moved = parse(`{"x_extra": 1, "agent_identity": "${agentToken}", "auth_mode": "agentIdentity"}`)
      assert.strictEqual(
        AuthJson.stringify(moved),
        `{\n  "auth_mode": "agentIdentity",\n  "OPENAI_API_KEY": null,\n  "agent_identity": "${agentToken}",\n` +
          `  "x_extra": 1\n}`
      )
      const nulled = parse(`{"auth_mode": "chatgpt", "agent_identity": null}`)
      assert.isTrue(Option.isNone(nulled.agentIdentity))
      assert.strictEqual(AuthJson.stringify(nulled), `{\n  "auth_mode": "chatgpt",\n  "OPENAI_API_KEY": null\n}`)
    })

    it("rejects a non-string agent_identity, or two of them, naming the field and never the token", () => {
      assert.strictEqual(
        rejected(`{"agent_identity": {"token": "${agentToken}"}}`).reason,
        `"agent_identity" must be a string or null, but it is an object`
      )
      const twice = rejected(`{"agent_identity": "${agentToken}", "agent_identity": "${agentToken}"}`)
      assert.strictEqual(twice.reason, `"agent_identity" appears more than once`)
      assert.notInclude(twice.message, agentToken)
    })

    it("a file without agent_identity has none, and writing a ChatGPT or API-key document adds none", () => {
      assert.isTrue(Option.isNone(parse(files.current).agentIdentity))
      assert.notInclude(AuthJson.stringify(AuthJson.fromApiKey(Redacted.make(files.apiKey))), "agent_identity")
    })
  })

  it("refuses an auth_mode Codex does not know, naming the file, as Codex refuses it", () => {
    for (const mode of ["banana", "ChatGPT", "api_key"]) {
      const error = rejected(files.current.replace(`"auth_mode": "chatgpt"`, `"auth_mode": "${mode}"`))
      assert.include(error.reason, `"auth_mode" is "${mode}"`)
      assert.include(error.message, "Run `codex-auth login` again")
    }
  })

  it("keeps chatgptAuthTokens as written", () => {
    for (const mode of ["chatgptAuthTokens"]) {
      const text = files.current.replace(`"auth_mode": "chatgpt"`, `"auth_mode": "${mode}"`)
      const document = parse(text)
      assert.deepStrictEqual(document.authMode, Option.some(mode))
      assert.strictEqual(AuthJson.resolvedMode(document), mode)
      assert.strictEqual(AuthJson.stringify(document), text)
    }
  })

  it("keeps unknown fields at every level, in order, after the known keys, with numbers exactly as written", () => {
    const document = parse(files.withUnknownFields)
    assert.deepStrictEqual(document.unknownFields.map(([key]) => key), ["zeta_first", "alpha_last"])
    assert.deepStrictEqual(tokensOf(document).unknownFields.map(([key]) => key), ["x_token_extra", "a_token_extra"])
    const rewritten = AuthJson.stringify(document)
    assert.strictEqual(rewritten, files.withUnknownFieldsRewritten)
    // Once in Codex's order, the file is a fixed point.
    assert.strictEqual(AuthJson.stringify(parse(rewritten)), rewritten)
    assert.include(rewritten, "12345678901234567890")
  })

  it("keeps duplicate unknown keys inside unknown values", () => {
    const text = files.apiKeyOnly.replace(/\n}$/, `,\n  "extra": {\n    "a": 1,\n    "a": 2\n  }\n}`)
    assert.strictEqual(AuthJson.stringify(parse(text)), text)
  })

  it("rejects malformed JSON with a position, never quoting the file", () => {
    const truncated = files.current.slice(0, files.current.indexOf(files.refreshToken) + 10)
    const error = rejected(truncated)
    assert.include(error.reason, "unterminated string")
    assert.notInclude(error.message, files.refreshToken.slice(0, 10))
    assert.include(rejected(`{"auth_mode": "chatgpt",}`).reason, "line 1 column 25")
    assert.include(rejected(`{\n  "auth_mode": chatgpt\n}`).reason, "line 2 column 16")
    assert.include(rejected(`${files.apiKeyOnly} {}`).reason, "unexpected text after the document")
    assert.include(rejected(`{"OPENAI_API_KEY": "a\tb"}`).reason, "control character")
    assert.include(rejected(`{"OPENAI_API_KEY": "\\x"}`).reason, "bad escape")
    assert.include(rejected(`{"n": 01}`).reason, "',' or '}' was expected at line 1 column 8")
    assert.include(rejected(`\ufeff${files.apiKeyOnly}`).reason, "byte order mark")
  })

  it("reads and writes back 100,000-deep nesting in an unknown field, as Codex accepts it", () => {
    const depth = 100_000
    for (const [open, close] of [["[", "]"], [`{"a": `, "}"]] as const) {
      const inner = open === "[" ? "" : "1"
      const text = files.apiKeyOnly.replace(/\}$/, `, "deep": ${open.repeat(depth)}${inner}${close.repeat(depth)}}`)
      const document = parse(text)
      assert.deepStrictEqual(document.unknownFields.map(([key]) => key), ["deep"])
      const written = AuthJson.stringify(document)
      // Written back whole (compactly below depth 64), and a fixed point from then on.
      assert.isBelow(written.length, text.length * 2)
      assert.strictEqual(written.split(open[0]!).length - 1, depth + (open === "[" ? 0 : 1))
      assert.strictEqual(AuthJson.stringify(parse(written)), written)
    }
  })

  it("rejects an empty file", () => {
    assert.include(rejected("").reason, "empty")
    assert.include(rejected("  \n\t").reason, "empty")
  })

  it("rejects a file whose id_token is not a JWT", () => {
    const notJwt = files.current.replace(files.idToken, "opaque-id-token-text")
    assert.include(rejected(notJwt).reason, `"tokens.id_token" is not a valid JWT`)
    const [header, , signature] = files.idToken.split(".")
    const badPayload = files.current.replace(files.idToken, `${header}.!!notbase64!!.${signature}`)
    const error = rejected(badPayload)
    assert.include(error.reason, "payload")
    assert.notInclude(error.message, header!)
  })

  it("rejects wrong types and missing token fields with the exact field", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [`[]`, "the top level must be a JSON object, but it is an array"],
      [`"auth.json"`, "the top level must be a JSON object, but it is a string"],
      [`{"auth_mode": true}`, `"auth_mode" must be a string or null, but it is a boolean`],
      [`{"OPENAI_API_KEY": 5}`, `"OPENAI_API_KEY" must be a string or null, but it is a number`],
      [`{"tokens": []}`, `"tokens" must be an object or null, but it is an array`],
      [`{"tokens": "x"}`, `"tokens" must be an object or null, but it is a string`],
      [`{"last_refresh": 5}`, `"last_refresh" must be a string or null, but it is a number`],
      [`{"last_refresh": "yesterday"}`, `"last_refresh" must be an RFC 3339 timestamp`],
      [`{"auth_mode": "apikey", "auth_mode": "chatgpt"}`, `"auth_mode" appears more than once`]
    ]
    for (const [text, reason] of cases) assert.strictEqual(rejected(text).reason, reason, text)

    const tokens = (fields: string) => `{"tokens": {${fields}}}`
    const id = `"id_token": "${files.idToken}"`
    const access = `"access_token": "${files.accessToken}"`
    const refresh = `"refresh_token": "${files.refreshToken}"`
    const tokenCases: ReadonlyArray<readonly [string, string]> = [
      [tokens(`${access}, ${refresh}`), `"tokens.id_token" is missing`],
      [tokens(`${id}, ${refresh}`), `"tokens.access_token" is missing`],
      [tokens(`${id}, ${access}`), `"tokens.refresh_token" is missing`],
      [tokens(`"id_token": 1, ${access}, ${refresh}`), `"tokens.id_token" must be a string, but it is a number`],
      [tokens(`${id}, "access_token": null, ${refresh}`), `"tokens.access_token" must be a string, but it is null`],
      [tokens(`${id}, ${access}, ${refresh}, "account_id": {}`), `"tokens.account_id" must be a string or null`],
      [tokens(`${id}, ${access}, ${refresh}, "login_owner_id": 3`), `"tokens.login_owner_id" must be a string or null`],
      [tokens(`${id}, ${access}, ${refresh}, "oauth_provenance": "x"`), `"tokens.oauth_provenance" must be an object`],
      [
        tokens(`${id}, ${access}, ${refresh}, "oauth_provenance": {"issuer": "https://auth.openai.com"}`),
        `"tokens.oauth_provenance.client_id" is missing`
      ],
      [tokens(`${id}, ${id}, ${access}, ${refresh}`), `"tokens.id_token" appears more than once`]
    ]
    for (const [text, reason] of tokenCases) assert.include(rejected(text).reason, reason, text)
  })

  it("accepts an unsigned id token with an empty signature, and a minimal one with no claims", () => {
    const unsigned = makeJwt({}, { signature: "" })
    const document = parse(files.withoutAccountId.replace(files.idToken, unsigned))
    assert.isTrue(Option.isNone(tokensOf(document).idTokenInfo.email))
  })

  it.effect("the Effect variant fails with AuthFileInvalid", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(AuthJson.parse("{", { path: "/tmp/x/auth.json" }))
      assert.strictEqual(error._tag, "AuthFileInvalid")
      assert.include(error.message, "/tmp/x/auth.json")
      assert.include(error.message, "fix or remove the file")
    }))

  describe("timestamps", () => {
    it("reads RFC 3339 with any precision and offset", () => {
      const base = Date.UTC(2026, 10, 21, 22, 18, 32)
      assert.deepStrictEqual(AuthJson.parseTimestamp("2026-11-21T22:18:32Z"), Option.some(base))
      assert.deepStrictEqual(AuthJson.parseTimestamp("2026-11-21T22:18:32.5Z"), Option.some(base + 500))
      assert.deepStrictEqual(AuthJson.parseTimestamp("2026-11-21T22:18:32.564613152Z"), Option.some(base + 564))
      assert.deepStrictEqual(AuthJson.parseTimestamp("2026-11-22T00:18:32+02:00"), Option.some(base))
      assert.deepStrictEqual(AuthJson.parseTimestamp("2026-11-21T20:48:32-01:30"), Option.some(base))
      for (const bad of ["2026-11-21", "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T22:18:32", "x"]) {
        assert.isTrue(Option.isNone(AuthJson.parseTimestamp(bad)), bad)
      }
    })

    it("writes UTC with millisecond precision, without a zero fraction (as chrono prints it)", () => {
      assert.strictEqual(AuthJson.formatTimestamp(Date.UTC(2026, 10, 21, 22, 18, 32, 564)), "2026-11-21T22:18:32.564Z")
      assert.strictEqual(AuthJson.formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), "2026-01-02T03:04:05.006Z")
      assert.strictEqual(AuthJson.formatTimestamp(Date.UTC(2026, 10, 21, 22, 18, 32)), "2026-11-21T22:18:32Z")
      const now = Date.UTC(2027, 5, 30, 23, 59, 59, 999)
      assert.deepStrictEqual(AuthJson.parseTimestamp(AuthJson.formatTimestamp(now)), Option.some(now))
    })
  })
})
