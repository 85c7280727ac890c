import * as Jwt from "@codex-auth/core/Jwt"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { base64Url, idTokenClaims, makeJwt } from "./fixtures/jwt.ts"

const claimsOf = (claims: unknown) => Either.getOrThrow(Jwt.decodeIdTokenEither(makeJwt(claims)))

const malformed = (token: string): Jwt.JwtMalformed => {
  const result = Jwt.decodeIdTokenEither(token)
  if (Either.isRight(result)) assert.fail("expected the token to be rejected")
  const error = result.left
  assert.strictEqual(error._tag, "JwtMalformed")
  // Neither the token nor any of its non-trivial segments may appear in what a user or a log sees.
  for (const text of [token, ...token.split(".").filter((segment) => segment.length > 3)]) {
    assert.notInclude(error.message, text)
    assert.notInclude(String(error), text)
    assert.notInclude(JSON.stringify(error), text)
  }
  return error
}

describe("Jwt", () => {
  it.effect("decodes every claim of §9 from an id token", () =>
    Effect.gen(function*() {
      const info = yield* Jwt.decodeIdToken(makeJwt(idTokenClaims({}, { chatgpt_account_is_fedramp: true })))
      assert.deepStrictEqual(info.email, Option.some("user@example.com"))
      assert.deepStrictEqual(info.chatgptAccountId, Option.some("acct-1111"))
      assert.deepStrictEqual(info.chatgptPlanType, Option.some({ plan: "plus", raw: "plus" }))
      assert.deepStrictEqual(info.chatgptUserId, Option.some("user-1111"))
      assert.deepStrictEqual(info.organizationId, Option.some("org-1111"))
      assert.deepStrictEqual(info.projectId, Option.some("proj-1111"))
      assert.deepStrictEqual(info.completedPlatformOnboarding, Option.some(true))
      assert.deepStrictEqual(info.isOrgOwner, Option.some(false))
      assert.deepStrictEqual(info.chatgptAccountIsFedramp, Option.some(true))
      assert.deepStrictEqual(info.exp, Option.some(1_800_000_000))
      assert.deepStrictEqual(Jwt.expiresAtMillis(info), Option.some(1_800_000_000_000))
    }))

  it.effect("accepts a Redacted token and decodes an access token the same way", () =>
    Effect.gen(function*() {
      const token = Redacted.make(makeJwt({ exp: 42, "https://api.openai.com/auth": { chatgpt_plan_type: "pro" } }))
      const info = yield* Jwt.decodeAccessToken(token)
      assert.deepStrictEqual(info.exp, Option.some(42))
      assert.deepStrictEqual(info.chatgptPlanType, Option.some({ plan: "pro", raw: "pro" }))
      assert.isTrue(Option.isNone(info.email))
    }))

  it("falls back to the profile claim for the email, and prefers the top-level one", () => {
    const profileOnly = claimsOf({ "https://api.openai.com/profile": { email: "profile@example.com" } })
    assert.deepStrictEqual(profileOnly.email, Option.some("profile@example.com"))
    const both = claimsOf({ email: "top@example.com", "https://api.openai.com/profile": { email: "p@example.com" } })
    assert.deepStrictEqual(both.email, Option.some("top@example.com"))
    const wrongTopType = claimsOf({ email: 7, "https://api.openai.com/profile": { email: "p@example.com" } })
    assert.deepStrictEqual(wrongTopType.email, Option.some("p@example.com"))
  })

  it("falls back to user_id when chatgpt_user_id is absent", () => {
    const fallback = claimsOf({ "https://api.openai.com/auth": { user_id: "user-legacy" } })
    assert.deepStrictEqual(fallback.chatgptUserId, Option.some("user-legacy"))
    const preferred = claimsOf({ "https://api.openai.com/auth": { user_id: "legacy", chatgpt_user_id: "current" } })
    assert.deepStrictEqual(preferred.chatgptUserId, Option.some("current"))
  })

  it("maps every known plan and keeps the raw text of unknown ones", () => {
    for (const plan of Jwt.knownPlans) {
      const info = claimsOf({ "https://api.openai.com/auth": { chatgpt_plan_type: plan } })
      assert.deepStrictEqual(info.chatgptPlanType, Option.some({ plan, raw: plan }))
    }
    for (const raw of ["galaxy", "Pro", ""]) {
      const info = claimsOf({ "https://api.openai.com/auth": { chatgpt_plan_type: raw } })
      assert.deepStrictEqual(info.chatgptPlanType, Option.some({ plan: "unknown", raw }))
    }
  })

  it("treats claims of the wrong type as absent and ignores unknown claims", () => {
    const info = claimsOf({
      email: ["not", "a", "string"],
      exp: "1800000000",
      unknown_claim: { deeply: [1, 2, 3] },
      "https://api.openai.com/auth": {
        chatgpt_account_id: 12,
        chatgpt_plan_type: { tier: "pro" },
        chatgpt_user_id: null,
        user_id: false,
        organization_id: [],
        project_id: 3.5,
        completed_platform_onboarding: "yes",
        is_org_owner: 1,
        chatgpt_account_is_fedramp: "true",
        another_unknown: "x"
      }
    })
    for (const [name, value] of Object.entries(info)) {
      assert.isTrue(Option.isNone(value as Option.Option<unknown>), `${name} should be absent`)
    }
    const notAnObject = claimsOf({ "https://api.openai.com/auth": "acct-1111", exp: Number.MAX_VALUE })
    assert.isTrue(Option.isNone(notAnObject.chatgptAccountId))
    assert.deepStrictEqual(notAnObject.exp, Option.some(Number.MAX_VALUE))
  })

  it("accepts padded base64url segments and an empty (unsecured) signature", () => {
    const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64")
    const payload = Buffer.from(JSON.stringify({ email: "a@b.c" })).toString("base64")
    assert.isTrue(header.endsWith("=") || payload.endsWith("="), "the fixture must actually carry padding")
    const info = Either.getOrThrow(Jwt.decodeIdTokenEither(`${header}.${payload}.`))
    assert.deepStrictEqual(info.email, Option.some("a@b.c"))
  })

  it("rejects a token that does not have exactly three parts, naming the count", () => {
    const valid = makeJwt({ email: "a@b.c" })
    const [header, payload] = valid.split(".")
    const two = malformed(`${header}.${payload}`)
    assert.strictEqual(two.part, "token")
    assert.include(two.message, "2 dot-separated parts")
    const four = malformed(`${valid}.${base64Url("extra")}`)
    assert.strictEqual(four.part, "token")
    assert.include(four.message, "4 dot-separated parts")
    const one = malformed("not-a-jwt-at-all-just-some-opaque-text")
    assert.include(one.message, "1 dot-separated part ")
    assert.include(one.message, "id token")
  })

  it("rejects a payload that is not base64url", () => {
    const [header, , signature] = makeJwt({}).split(".")
    const error = malformed(`${header}.eyJ!!!bad$$payload.${signature}`)
    assert.strictEqual(error.part, "payload")
    assert.include(error.message, "base64url")
    // Standard-base64 characters are not base64url.
    const standard = Buffer.from(JSON.stringify({ email: "??>>??" })).toString("base64")
    assert.match(standard, /[+/]/)
    assert.strictEqual(malformed(`${header}.${standard}.${signature}`).part, "payload")
  })

  it("rejects a payload that is not JSON, not an object, not UTF-8 or empty", () => {
    const [header, , signature] = makeJwt({}).split(".")
    const notJson = malformed(`${header}.${base64Url("{\"email\": secret-looking-text")}.${signature}`)
    assert.strictEqual(notJson.part, "payload")
    assert.include(notJson.message, "not valid JSON")
    assert.notInclude(notJson.message, "secret-looking-text")
    const array = malformed(`${header}.${base64Url("[1,2]")}.${signature}`)
    assert.include(array.message, "not a JSON object")
    const latin1 = malformed(`${header}.${base64Url(new Uint8Array([0x7b, 0xff, 0x7d]))}.${signature}`)
    assert.include(latin1.message, "UTF-8")
    assert.include(malformed(`${header}..${signature}`).message, "empty")
  })

  it("rejects a bad header and a bad signature, naming the part", () => {
    const [header, payload] = makeJwt({}).split(".")
    const badHeader = malformed(`${base64Url("not json")}.${payload}.c2ln`)
    assert.strictEqual(badHeader.part, "header")
    assert.include(badHeader.message, "The header of the id token")
    const badSignature = malformed(`${header}.${payload}.sig+with/slash=`)
    assert.strictEqual(badSignature.part, "signature")
  })

  it.effect("fails the Effect variant with the typed error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Jwt.decodeAccessToken("a.b"))
      assert.strictEqual(error._tag, "JwtMalformed")
      assert.include(error.message, "access token")
      assert.include(error.message, "sign in again")
    }))

  it("needsSetup is true only for an org owner who has not completed onboarding", () => {
    const setup = (auth: Record<string, unknown>) => Jwt.needsSetup(claimsOf({ "https://api.openai.com/auth": auth }))
    assert.isTrue(setup({ completed_platform_onboarding: false, is_org_owner: true }))
    assert.isTrue(setup({ is_org_owner: true }))
    assert.isFalse(setup({ completed_platform_onboarding: true, is_org_owner: true }))
    assert.isFalse(setup({ completed_platform_onboarding: false, is_org_owner: false }))
    assert.isFalse(setup({}))
  })
})
