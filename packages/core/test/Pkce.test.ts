import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Pkce from "../src/Pkce.ts"

const base64UrlNoPad = /^[A-Za-z0-9_-]+$/

describe("Pkce", () => {
  it.effect("RFC 7636 appendix B vector", () =>
    Effect.gen(function*() {
      const challenge = yield* Pkce.challengeOf(Redacted.make("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
      assert.strictEqual(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }))

  it("base64url without padding matches RFC 7636 appendix B bytes", () => {
    const bytes = new Uint8Array([
      116,
      24,
      223,
      180,
      151,
      153,
      224,
      37,
      79,
      250,
      96,
      125,
      216,
      173,
      187,
      186,
      22,
      212,
      37,
      77,
      105,
      214,
      191,
      240,
      91,
      88,
      5,
      88,
      83,
      132,
      141,
      121
    ])
    assert.strictEqual(Pkce.base64UrlNoPad(bytes), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
  })

  it.effect("verifier: 86 base64url chars; challenge: 43, derived from the verifier", () =>
    Effect.gen(function*() {
      const codes = yield* Pkce.generate
      const verifier = Redacted.value(codes.codeVerifier)
      assert.strictEqual(verifier.length, 86)
      assert.match(verifier, base64UrlNoPad)
      assert.strictEqual(codes.codeChallenge.length, 43)
      assert.match(codes.codeChallenge, base64UrlNoPad)
      assert.strictEqual(codes.codeChallenge, yield* Pkce.challengeOf(codes.codeVerifier))
      assert.notInclude(String(codes.codeVerifier), verifier)
    }))

  it.effect("state: 43 base64url chars", () =>
    Effect.gen(function*() {
      const state = yield* Pkce.generateState
      assert.strictEqual(state.length, 43)
      assert.match(state, base64UrlNoPad)
    }))

  it.effect("values are unique and use the whole alphabet", () =>
    Effect.gen(function*() {
      const verifiers = new Set<string>()
      const states = new Set<string>()
      for (let i = 0; i < 200; i++) {
        verifiers.add(Redacted.value((yield* Pkce.generate).codeVerifier))
        states.add(yield* Pkce.generateState)
      }
      assert.strictEqual(verifiers.size, 200)
      assert.strictEqual(states.size, 200)
      const seen = new Set([...verifiers].join(""))
      // 17,200 random characters over a 64-letter alphabet: every letter shows up
      assert.strictEqual(seen.size, 64)
    }))

  it("constantTimeEquals", () => {
    assert.isTrue(Pkce.constantTimeEquals("abc", "abc"))
    assert.isTrue(Pkce.constantTimeEquals("", ""))
    assert.isFalse(Pkce.constantTimeEquals("abc", "abd"))
    assert.isFalse(Pkce.constantTimeEquals("abc", "ab"))
    assert.isFalse(Pkce.constantTimeEquals("ab", "abc"))
    assert.isFalse(Pkce.constantTimeEquals("", "a"))
    assert.isFalse(Pkce.constantTimeEquals("a\u0000", "a"))
  })
})
