import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as OAuthError from "../src/OAuthError.ts"

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
const refreshToken = "rt_Q7vKz3XbW9mLp2NcR8sT4yHj6FdA1eUo5iGk0MnBqZ"

describe("OAuthError.parseErrorDetail", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["error_description wins", `{"error":"invalid_grant","error_description":"Code expired"}`, "Code expired"],
    ["error.message", `{"error":{"message":"Token revoked","code":"token_revoked"}}`, "Token revoked"],
    ["error string", `{"error":"invalid_client"}`, "invalid_client"],
    ["error.code", `{"error":{"code":"refresh_token_reused"}}`, "refresh_token_reused"],
    ["empty description falls through", `{"error_description":"","error":"access_denied"}`, "access_denied"],
    ["raw body when JSON has none", `{"message":"nope"}`, `{"message":"nope"}`],
    ["raw text body", "Service Unavailable", "Service Unavailable"],
    ["whitespace collapsed", "bad\n\n  gateway ", "bad gateway"],
    ["empty body", "", ""]
  ]
  for (const [name, body, expected] of cases) {
    it(name, () => assert.strictEqual(OAuthError.parseErrorDetail(body), expected))
  }

  it("truncates long bodies", () => {
    const detail = OAuthError.parseErrorDetail("word ".repeat(200))
    assert.strictEqual(detail.length, 301)
    assert.isTrue(detail.endsWith("…"))
  })

  it("never echoes token-like text", () => {
    const body = JSON.stringify({ error_description: `refresh_token_reused for ${refreshToken} (id ${jwt})` })
    const detail = OAuthError.parseErrorDetail(body)
    assert.strictEqual(detail, "refresh_token_reused for [redacted] (id [redacted])")
    assert.notInclude(OAuthError.parseErrorDetail(`upstream said ${jwt}`), "eyJ")
    assert.strictEqual(OAuthError.parseErrorDetail("0123456789abcdef0123456789abcdef01"), "[redacted]")
  })

  it("removes the known secrets even when they look harmless", () => {
    assert.strictEqual(OAuthError.parseErrorDetail("code abc is bad", ["abc"]), "code [redacted] is bad")
  })

  it("keeps ordinary words, URLs and error codes", () => {
    const text = "refresh_token_invalidated at https://auth.openai.com/oauth/token, see docs"
    assert.strictEqual(OAuthError.scrub(text), text)
  })
})

describe("OAuthError.classifyRefreshFailure", () => {
  const cases: ReadonlyArray<readonly [number, string, string]> = [
    [400, `{"error":"refresh_token_expired"}`, "expired"],
    [400, `{"error":"refresh_token_reused"}`, "reused"],
    [400, `{"error":"refresh_token_invalidated"}`, "revoked"],
    [400, `{"error":{"code":"Refresh_Token_Expired"}}`, "expired"],
    [400, `{"code":"refresh_token_reused"}`, "reused"],
    [401, `{"error":"refresh_token_invalidated"}`, "revoked"],
    [401, `{"error":"something_else"}`, "unauthorized"],
    [401, "", "unauthorized"],
    [400, `{"error":"invalid_grant"}`, "transient"],
    [400, "not json", "transient"],
    [500, `{"error":"refresh_token_expired"}`, "transient"],
    [502, "", "transient"],
    [429, `{"error":"rate_limited"}`, "transient"]
  ]
  for (const [status, body, expected] of cases) {
    it(`${status} ${body || "(empty)"} → ${expected}`, () => {
      const error = OAuthError.classifyRefreshFailure(status, body)
      assert.strictEqual(error.status, status)
      if (expected === "transient") {
        assert.strictEqual(error._tag, "RefreshTransientError")
        assert.isFalse(OAuthError.isPermanentRefreshFailure(error))
      } else {
        assert.strictEqual(error._tag, "RefreshTokenRejected")
        assert.isTrue(OAuthError.isPermanentRefreshFailure(error))
        assert.strictEqual(error._tag === "RefreshTokenRejected" ? error.reason : undefined, expected)
      }
    })
  }

  it("refreshErrorCode reads error, error.code, then code", () => {
    assert.deepStrictEqual(OAuthError.refreshErrorCode(`{"error":"A","code":"b"}`), Option.some("a"))
    assert.deepStrictEqual(OAuthError.refreshErrorCode(`{"error":{"code":"B"},"code":"c"}`), Option.some("b"))
    assert.deepStrictEqual(OAuthError.refreshErrorCode(`{"code":"C"}`), Option.some("c"))
    assert.deepStrictEqual(OAuthError.refreshErrorCode(`{"error":{"message":"m"}}`), Option.none())
    assert.deepStrictEqual(OAuthError.refreshErrorCode(`[1]`), Option.none())
  })

  it("uses the upstream messages", () => {
    const message = (body: string) => OAuthError.classifyRefreshFailure(400, body).message
    assert.strictEqual(
      message(`{"error":"refresh_token_expired"}`),
      "Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again."
    )
    assert.strictEqual(
      message(`{"error":"refresh_token_reused"}`),
      "Your access token could not be refreshed because your refresh token was already used. Please log out and sign in again."
    )
    assert.strictEqual(
      message(`{"error":"refresh_token_invalidated"}`),
      "Your access token could not be refreshed because your refresh token was revoked. Please log out and sign in again."
    )
    assert.strictEqual(
      OAuthError.classifyRefreshFailure(401, "").message,
      "Your access token could not be refreshed. Please log out and sign in again."
    )
  })
})

describe("OAuthError messages", () => {
  it("say what failed and what to do next", () => {
    const cases: ReadonlyArray<readonly [{ readonly message: string }, ReadonlyArray<string>]> = [
      [new OAuthError.DeviceCodeRequestFailed({ status: 503, detail: "" }), [
        "device code request failed with status 503.",
        "browser login"
      ]],
      [new OAuthError.DeviceCodePollFailed({ status: 401, detail: "denied" }), [
        "device code poll failed with status 401: denied.",
        "Start the device code login again"
      ]],
      [new OAuthError.DeviceCodeExpired({ lifetimeMinutes: 15 }), ["15 minutes", "Start the login again"]],
      [new OAuthError.DeviceCodeNotEnabled({ issuer: "https://auth.openai.com" }), [
        "not enabled",
        "ChatGPT security settings",
        "workspace admin"
      ]],
      [new OAuthError.NetworkError({ operation: "refresh", kind: "timeout", detail: "no answer within 30s" }), [
        "token refresh timed out: no answer within 30s.",
        "try again"
      ]],
      [new OAuthError.MalformedResponse({ operation: "exchangeCode", reason: "id_token is missing" }), [
        "authorization code exchange was malformed (id_token is missing)"
      ]],
      [new OAuthError.RefreshTransientError({ detail: "could not reach the issuer", kind: "unsent" }), [
        "Failed to refresh the access token: could not reach the issuer.",
        "never reached the issuer",
        "try again"
      ]],
      [new OAuthError.RefreshTransientError({ detail: "no answer within 15s" }), [
        "may already have replaced the refresh token",
        "nothing was retried",
        "sign in again with `codex-auth login`"
      ]],
      [new OAuthError.RefreshTransientError({ status: 400, detail: "invalid_request", kind: "refused" }), [
        "(status 400): invalid_request.",
        "sign in again with `codex-auth login`"
      ]],
      [new OAuthError.MalformedResponse({ operation: "refresh", reason: "access_token is missing" }), [
        "Nothing was stored from it",
        "sign in again with `codex-auth login`"
      ]],
      [new OAuthError.RevokeFailed({ status: 500, detail: "boom" }), ["with status 500: boom", "removed regardless"]]
    ]
    for (const [error, fragments] of cases) {
      for (const fragment of fragments) assert.include(error.message, fragment)
    }
  })
})
