// Redact.secrets: no run of ≥ 12 characters of a held secret survives, whatever surrounds it, and text that shares
// no such run is left alone. FUZZ_RUNS raises the budget.
import * as OAuthError from "@codex-auth/core/OAuthError"
import * as Redact from "@codex-auth/core/Redact"
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"

const numRuns = Number(process.env["FUZZ_RUNS"] ?? 300)

const base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const tokenChar = fc.constantFrom(...base64Url.split(""))
/** Token-like secrets (base64url, JWT dots), 12 to 120 characters. */
const secret = fc.array(fc.oneof({ weight: 30, arbitrary: tokenChar }, { weight: 1, arbitrary: fc.constant(".") }), {
  minLength: 12,
  maxLength: 120
}).map((chars) => chars.join(""))
/** Text around an echo: anything, including token characters and JSON punctuation. */
const noise = fc.oneof(fc.string({ maxLength: 40 }), fc.array(tokenChar, { maxLength: 20 }).map((c) => c.join("")))

/** Every slice of `secret` of at least `minimum` characters that occurs in `text`. */
const leaks = (text: string, held: ReadonlyArray<string>, minimum = Redact.minimumRun): Array<string> => {
  const found: Array<string> = []
  for (const s of held) {
    for (let start = 0; start + minimum <= s.length; start++) {
      const slice = s.slice(start, start + minimum)
      if (text.includes(slice)) found.push(slice)
    }
  }
  return found
}

describe("Redact.secrets", () => {
  it("no 12-character slice of any secret survives, for echoes of whole, trimmed and sliced secrets", () => {
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.tuple(noise, fc.nat(), fc.nat(), fc.nat({ max: 3 })),
          { minLength: 1, maxLength: 5 }
        ),
        (held, pieces) => {
          // Each piece echoes a slice of one secret (the whole, minus a few characters at either end, or a middle).
          const text = pieces.map(([around, which, from, trim]) => {
            const s = held[which % held.length]!
            const start = from % Math.max(1, s.length - Redact.minimumRun + 1)
            const end = Math.max(start + Redact.minimumRun, s.length - trim)
            return around + s.slice(start, end) + around
          }).join(" ")
          const out = Redact.secrets(text, held)
          assert.deepStrictEqual(leaks(out, held), [])
          assert.include(out, Redact.placeholder)
        }
      ),
      { numRuns }
    )
  })

  it("text sharing no 12-character run with the secrets is returned unchanged", () => {
    fc.assert(
      fc.property(fc.array(secret, { maxLength: 3 }), fc.string({ maxLength: 200 }), (held, text) => {
        fc.pre(leaks(text, held).length === 0 && held.every((s) => !text.includes(s)))
        assert.strictEqual(Redact.secrets(text, held), text)
      }),
      { numRuns }
    )
  })

  it("only the shared runs go: the text before and after an echo stays", () => {
    fc.assert(
      fc.property(secret, fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (s, before, after) => {
        const prefix = `${before}|`
        const suffix = `|${after}`
        fc.pre(leaks(prefix + suffix, [s]).length === 0)
        const out = Redact.secrets(prefix + s.slice(0, -3) + suffix, [s])
        assert.isTrue(out.startsWith(before), out)
        assert.isTrue(out.endsWith(after), out)
        assert.deepStrictEqual(leaks(out, [s]), [])
      }),
      { numRuns }
    )
  })

  it("short secrets are redacted where they occur whole; an 11-character slice of a long one is kept", () => {
    assert.strictEqual(Redact.secrets("user code ABCD-EFGH here", ["ABCD-EFGH"]), "user code [redacted] here")
    const token = "rt_0123456789abcdefghij"
    assert.strictEqual(Redact.secrets(`x ${token.slice(0, 11)} y`, [token]), `x ${token.slice(0, 11)} y`)
    assert.strictEqual(Redact.secrets(`x ${token.slice(0, 12)} y`, [token]), "x [redacted] y")
  })

  it("OAuthError.parseErrorDetail redacts a description echoing the refresh token minus 3 characters", () => {
    // No digits: the look-alike heuristics of scrub would not catch it; only the held-secret runs do.
    const refreshToken = "rt_ZqWxEcRvTbYnUmIoPlKjHgFdSaQwErTy"
    const body = JSON.stringify({
      error: "invalid_grant",
      error_description: `refresh token ${refreshToken.slice(0, -3)} is not valid`
    })
    const detail = OAuthError.parseErrorDetail(body, [refreshToken])
    assert.strictEqual(detail, "refresh token [redacted] is not valid")
  })
})
