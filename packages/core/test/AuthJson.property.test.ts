import * as AuthJson from "@codex-auth/core/AuthJson"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import fc from "fast-check"
import { idTokenClaims, makeJwt } from "./fixtures/jwt.ts"

const path = "/prop/auth.json"

/** Parses through both entry points; anything but a document or AuthFileInvalid (a throw, a defect) fails. */
const parseBoth = (text: string): Either.Either<AuthJson.AuthDocument, AuthJson.AuthFileInvalid> => {
  const either = AuthJson.parseEither(text, { path })
  const exit = Effect.runSyncExit(AuthJson.parse(text, { path }))
  if (Exit.isFailure(exit)) {
    assert.isTrue(Either.isLeft(either))
    const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
    assert.instanceOf(failure, AuthJson.AuthFileInvalid, "the only failure is AuthFileInvalid, never a defect")
  } else {
    assert.isTrue(Either.isRight(either))
  }
  if (Either.isLeft(either)) {
    assert.instanceOf(either.left, AuthJson.AuthFileInvalid)
    assert.include(either.left.message, path)
  }
  return either
}

const jwt = fc.constantFrom(makeJwt(idTokenClaims()), makeJwt({}), makeJwt({ email: 1 }, { signature: "" }))
const maybe = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined })
const value = fc.jsonValue({ maxDepth: 3 })
const stringish = fc.oneof(fc.string(), jwt, value)

/** Objects shaped like auth.json (known keys with plausible and implausible values, plus unknown keys). */
const authLike = fc.record({
  auth_mode: maybe(fc.oneof(fc.constantFrom("chatgpt", "apikey", "chatgptAuthTokens"), value)),
  OPENAI_API_KEY: maybe(fc.oneof(fc.string(), fc.constant(null), value)),
  tokens: maybe(fc.oneof(
    fc.record({
      id_token: maybe(stringish),
      access_token: maybe(fc.oneof(fc.string(), jwt)),
      refresh_token: maybe(fc.oneof(fc.string(), value)),
      oauth_provenance: maybe(fc.oneof(
        fc.record({ issuer: maybe(fc.oneof(fc.webUrl(), value)), client_id: maybe(fc.string()) }),
        value
      )),
      login_owner_id: maybe(fc.oneof(fc.string(), value)),
      account_id: maybe(fc.oneof(fc.string(), fc.constant(null), value)),
      extra: maybe(value)
    }),
    value
  )),
  last_refresh: maybe(fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), value)),
  unknown_top: maybe(value)
}, { requiredKeys: [] })

describe("AuthJson properties", () => {
  it("any JSON value yields a document or AuthFileInvalid, never a throw", () => {
    fc.assert(
      fc.property(value, (json) => {
        parseBoth(JSON.stringify(json))
        parseBoth(JSON.stringify(json, null, 2))
      }),
      { numRuns: 500 }
    )
  })

  it("any auth.json-like object yields a document or AuthFileInvalid, and a document is a fixed point", () => {
    let documents = 0
    fc.assert(
      fc.property(authLike, (object) => {
        const result = parseBoth(JSON.stringify(object))
        if (Either.isRight(result)) {
          documents++
          const written = AuthJson.stringify(result.right)
          const reread = Either.getOrThrow(AuthJson.parseEither(written, { path }))
          assert.strictEqual(AuthJson.stringify(reread), written)
          assert.deepStrictEqual(JSON.parse(AuthJson.stringifyCompact(reread)), JSON.parse(written))
        }
      }),
      { numRuns: 1000 }
    )
    // The generator must actually reach valid documents, or the fixed-point half proves nothing.
    assert.isAbove(documents, 50)
  })

  it("arbitrary text yields a document or AuthFileInvalid, never a throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("[".repeat(10_000), "{\"a\":")),
        (text) => {
          parseBoth(text)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("an error message never contains the tokens of the file", () => {
    const secret = "rt_SECRET_refresh_token_text"
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), (cut) => {
        const text = JSON.stringify({ OPENAI_API_KEY: null, tokens: { id_token: "x.y", refresh_token: secret } })
        const result = parseBoth(text.slice(0, cut))
        if (Either.isLeft(result)) assert.notInclude(result.left.message, "SECRET")
      })
    )
  })
})
