// One list, one identity: the classes `CodexAuth` exports (Effect-free stand-ins, so that its startup path does not
// load Effect) are the classes of `FacadeErrors`, name for name, and `instanceof` agrees both ways by the Schema
// identifier — for an error of either copy of the engine (a class built here the way the bundle's is), never for a
// same-tag error of another library.
import type * as Identity from "@codex-auth/facade/FacadeErrorIdentity"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as FacadeErrors from "@codex-auth/node/FacadeErrors"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"

type Named = { readonly identifier: string; readonly _tag: string } & (new(fields?: object) => Error)

const classesOf = (module: object): Map<string, Named> =>
  new Map(
    Object.entries(module).filter((entry): entry is [string, Named] =>
      typeof entry[1] === "function" && entry[1].prototype instanceof Error
    )
  )

// A class of `FacadeErrors` without its stand-in fails to compile here, by name.
const listed: { readonly [K in Identity.ErrorNames<typeof FacadeErrors>]: unknown } = CodexAuth

class OtherCopyLoginRequired extends Schema.TaggedError<OtherCopyLoginRequired>("@codex-auth/core/LoginRequired")(
  "LoginRequired",
  { reason: Schema.Literal("no-credentials", "api-key-only"), location: Schema.String }
) {}

class OtherCopyAccountNotFound
  extends Schema.TaggedError<OtherCopyAccountNotFound>("@codex-auth/accounts/AccountNotFound")("AccountNotFound", {
    id: Schema.String
  })
{}

class ForeignLoginRequired extends Schema.TaggedError<ForeignLoginRequired>("some-other-lib/LoginRequired")(
  "LoginRequired",
  {}
) {}

describe("the error classes CodexAuth exports", () => {
  it("are FacadeErrors' classes name for name, with the same identifier and _tag", () => {
    const real = classesOf(FacadeErrors)
    const standIns = classesOf(CodexAuth)
    assert.isAbove(real.size, 40)
    assert.deepStrictEqual([...standIns.keys()].sort(), [...real.keys()].sort())
    assert.strictEqual(Object.keys(listed).length, Object.keys(CodexAuth).length)
    for (const [name, cls] of real) {
      const standIn = standIns.get(name)!
      assert.strictEqual(standIn.identifier, cls.identifier, name)
      assert.strictEqual(standIn._tag, cls._tag, name)
      assert.notStrictEqual(standIn, cls, `${name}: Effect-free, not the Schema class`)
    }
  })

  it("match both ways by identifier: the engine's errors (any copy), and each other's instances", () => {
    const error = new FacadeErrors.CodexHomeNotFound({ path: "/nowhere", reason: "missing" })
    assert.instanceOf(error, CodexAuth.CodexHomeNotFound)
    assert.notInstanceOf(error, CodexAuth.LoginRequired)
    const copy = new OtherCopyLoginRequired({ reason: "no-credentials", location: "/tmp/auth.json" })
    assert.instanceOf(copy, CodexAuth.LoginRequired)
    assert.instanceOf(copy, CodexAuth.LoginNotStarted, "the planner's refusal is the same class")
    assert.instanceOf(copy, FacadeErrors.LoginRequired)
    const made = new CodexAuth.CodexAuthClosed({ operation: "getToken" })
    assert.instanceOf(made, CodexAuth.CodexAuthClosed)
    assert.instanceOf(made, FacadeErrors.CodexAuthClosed, "a stand-in's instance is one of the real class")
    assert.notInstanceOf(made, FacadeErrors.CodexAuthUnexpected)
    assert.instanceOf(new FacadeErrors.NoAccountAvailable({ accounts: [] }), CodexAuth.NoAccountAvailable)
    assert.instanceOf(new OtherCopyAccountNotFound({ id: "a" }), FacadeErrors.AccountNotFound, "the pool's, too")
    assert.instanceOf(new OtherCopyAccountNotFound({ id: "a" }), CodexAuth.AccountNotFound)
  })

  it("refuse a same-tag error of another library, a bare object and a plain Error", () => {
    assert.notInstanceOf(new ForeignLoginRequired(), CodexAuth.LoginRequired)
    assert.notInstanceOf(Object.assign(new Error("x"), { _tag: "LoginRequired" }), CodexAuth.LoginRequired)
    assert.notInstanceOf({ _tag: "LoginRequired" } as never, CodexAuth.LoginRequired)
    assert.notInstanceOf(new Error("plain"), CodexAuth.LoginFailed)
  })

  it("construct an Error with the _tag, the fields and a short message; isCodexAuthError knows it", () => {
    const made = new CodexAuth.CodexAuthClosed({ operation: "getToken" })
    assert.strictEqual(made._tag, "CodexAuthClosed")
    assert.strictEqual(made.operation, "getToken")
    assert.strictEqual(made.message, "codex-auth: CodexAuthClosed")
    assert.strictEqual(new CodexAuth.LoginNotStarted({ reason: "ci" })._tag, "LoginRequired")
    assert.isTrue(CodexAuth.isCodexAuthError(made))
    assert.isFalse(CodexAuth.isCodexAuthError(new Error("plain")))
  })
})
