import * as Planner from "@codex-auth/core/Planner"
import type { LoginMethod, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import { desktop } from "@codex-auth/core/RuntimeFacts"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import fc from "fast-check"

const optional = <A>(arbitrary: fc.Arbitrary<A>): fc.Arbitrary<A | undefined> =>
  fc.option(arbitrary, { nil: undefined })

const method: fc.Arbitrary<LoginMethod> = fc.constantFrom("browser", "device", "paste", "custom")

const facts: fc.Arbitrary<RuntimeFacts.Facts> = fc.record({
  os: fc.constantFrom("linux", "darwin", "win32", "other"),
  wsl: fc.boolean(),
  container: fc.boolean(),
  ssh: fc.boolean(),
  display: fc.boolean(),
  stdinTty: fc.boolean(),
  stdoutTty: fc.boolean(),
  ci: fc.boolean(),
  overrides: fc.record({
    method: optional(method),
    interactive: optional(fc.boolean()),
    browser: optional(fc.boolean())
  })
})

const options: fc.Arbitrary<Planner.PlanOptions> = fc.record({
  method: optional(method),
  grace: optional(fc.integer({ min: 0, max: 600_000 }).map(Duration.millis))
})

const tagOf: Record<LoginMethod, string> = { browser: "Browser", device: "Device", paste: "Paste", custom: "Custom" }

describe("Planner", () => {
  it("refuses exactly when nobody can complete a login (a forced custom handler needs nobody)", () =>
    fc.assert(fc.property(facts, options, (facts, options) => {
      const forced = options.method ?? facts.overrides.method
      const interactive = facts.overrides.interactive ?? (facts.stdinTty && facts.stdoutTty && !facts.ci)
      const plan = Planner.plan(facts, options)
      assert.strictEqual(Either.isLeft(plan), forced !== "custom" && !interactive)
      if (Either.isLeft(plan)) {
        assert.strictEqual(plan.left._tag, "LoginRequired")
        assert.strictEqual(
          plan.left.reason,
          facts.ci && facts.overrides.interactive === undefined ? "ci" : "non-interactive"
        )
        assert.include(plan.left.message, "codex-auth login")
      }
    })))

  it("a forced method is the plan (the option beats the facts' override)", () =>
    fc.assert(fc.property(facts, options, (facts, options) => {
      const forced = options.method ?? facts.overrides.method
      const plan = Planner.plan(facts, options)
      if (forced !== undefined && Either.isRight(plan)) assert.strictEqual(plan.right._tag, tagOf[forced])
    })))

  it("unforced: SSH, containers, headless Linux and `browser: false` get the device code; WSL browser-then-device; else browser", () =>
    fc.assert(fc.property(facts, options, (facts, options) => {
      const unforced = { ...facts, overrides: { ...facts.overrides, method: undefined } }
      const plan = Planner.plan(unforced, { grace: options.grace })
      if (Either.isLeft(plan)) return
      const browser = facts.overrides.browser ??
        (!facts.ssh && !facts.container && (facts.wsl || facts.os !== "linux" || facts.display))
      const expected = !browser ? "Device" : facts.wsl ? "BrowserThenDevice" : "Browser"
      assert.strictEqual(plan.right._tag, expected)
      if (plan.right._tag === "BrowserThenDevice") {
        assert.isTrue(Duration.equals(plan.right.grace, options.grace ?? Duration.seconds(30)))
      }
      if (plan.right._tag === "Browser" || plan.right._tag === "BrowserThenDevice") {
        assert.strictEqual(plan.right.paste, facts.stdinTty)
        assert.notStrictEqual(facts.overrides.browser, false)
      }
    })))

  it("is pure: the same facts give the same plan", () =>
    fc.assert(fc.property(facts, options, (facts, options) => {
      const first = Planner.plan(facts, options)
      const second = Planner.plan(structuredClone(facts), options)
      assert.deepStrictEqual(Either.map(first, (plan) => plan._tag), Either.map(second, (plan) => plan._tag))
    })))

  it("examples", () => {
    const tag = (facts: RuntimeFacts.Facts, options: Planner.PlanOptions = {}) =>
      Either.match(Planner.plan(facts, options), { onLeft: (error) => error._tag, onRight: (plan) => plan._tag })
    assert.strictEqual(tag(desktop), "Browser")
    assert.strictEqual(tag({ ...desktop, os: "darwin", display: false }), "Browser")
    assert.strictEqual(tag({ ...desktop, ssh: true }), "Device")
    assert.strictEqual(tag({ ...desktop, container: true }), "Device")
    assert.strictEqual(tag({ ...desktop, display: false }), "Device")
    assert.strictEqual(tag({ ...desktop, wsl: true, display: false }), "BrowserThenDevice")
    assert.strictEqual(tag({ ...desktop, ci: true }), "LoginRequired")
    assert.strictEqual(tag({ ...desktop, stdinTty: false }), "LoginRequired")
    assert.strictEqual(tag({ ...desktop, ci: true }, { method: "custom" }), "Custom")
    assert.strictEqual(tag({ ...desktop, ci: true, overrides: { interactive: true } }), "Browser")
    assert.strictEqual(tag({ ...desktop, ssh: true }, { method: "browser" }), "Browser")
    assert.strictEqual(tag({ ...desktop, overrides: { browser: false } }), "Device")
  })
})
