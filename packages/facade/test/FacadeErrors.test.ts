// One identity across copies of the engine: the facades run from a bundle with its own copy of these classes, and an
// embedder matches with the ones `FacadeErrors` exports from dist. A class of another copy is built here the way the
// bundle's is (same Schema identifier), and one of another library with the same `_tag` is not matched.
import * as FacadeErrors from "@codex-auth/facade/FacadeErrors"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

class OtherCopyLoginRequired extends Schema.TaggedError<OtherCopyLoginRequired>("@codex-auth/core/LoginRequired")(
  "LoginRequired",
  { reason: Schema.Literal("no-credentials", "api-key-only"), location: Schema.String }
) {}

class ForeignLoginRequired extends Schema.TaggedError<ForeignLoginRequired>("some-other-lib/LoginRequired")(
  "LoginRequired",
  {}
) {}

describe("FacadeErrors: instanceof across copies", () => {
  it("matches an error of the same class from another copy, by its Schema identifier", () => {
    const error = new OtherCopyLoginRequired({ reason: "no-credentials", location: "/tmp/auth.json" })
    assert.isTrue(error instanceof FacadeErrors.LoginRequired)
    assert.isFalse(error instanceof FacadeErrors.CodexHomeNotFound)
    assert.isFalse(error instanceof FacadeErrors.LoginFailed)
  })

  it("keeps ordinary instances, and refuses a same-tag error of another library and non-errors", () => {
    const own = new FacadeErrors.CodexHomeNotFound({ path: "/nowhere", reason: "missing" })
    assert.isTrue(own instanceof FacadeErrors.CodexHomeNotFound)
    assert.isFalse(own instanceof FacadeErrors.LoginRequired)
    assert.isFalse(new ForeignLoginRequired() instanceof FacadeErrors.LoginRequired)
    assert.isFalse({ _tag: "LoginRequired" } instanceof FacadeErrors.LoginRequired)
    assert.isFalse((null as unknown) instanceof FacadeErrors.LoginRequired)
  })
})
