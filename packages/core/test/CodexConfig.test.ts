// config.toml's §10 policy as Codex 0.169 reads it (observed with the real binary: test/interop/config.test.ts).
import * as CodexConfig from "@codex-auth/core/CodexConfig"
import * as SecretFile from "@codex-auth/core/SecretFile"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

const path = "/home/u/.codex/config.toml"

const policy = (text: string | undefined, overrides: ReadonlyArray<string> = []) => {
  const parsed = CodexConfig.parsePolicy(text, path, overrides)
  if (!parsed.ok) throw new Error(`expected a policy, got ${JSON.stringify(parsed.error)}`)
  return parsed.value
}

const problem = (text: string | undefined, overrides: ReadonlyArray<string> = []) => {
  const parsed = CodexConfig.parsePolicy(text, path, overrides)
  if (parsed.ok) throw new Error(`expected a problem, got ${JSON.stringify(parsed.value)}`)
  return parsed.error
}

describe("CodexConfig.parsePolicy", () => {
  it("no file, or a file without forced values: no policy", () => {
    assert.deepStrictEqual(policy(undefined), CodexConfig.empty)
    assert.deepStrictEqual(policy(`model = "o3"\n[profiles.x]\nforced_login_method = "api"\n`), CodexConfig.empty)
  })

  it("one id, a list, trimmed; blank ids and an empty list are no restriction (as Codex)", () => {
    assert.deepStrictEqual(policy(`forced_chatgpt_workspace_id = " ws-B "`).forcedWorkspaceIds, ["ws-B"])
    assert.deepStrictEqual(
      policy(`forced_chatgpt_workspace_id = ["ws-B", "", "ws-C"]`).forcedWorkspaceIds,
      ["ws-B", "ws-C"]
    )
    assert.strictEqual(policy(`forced_chatgpt_workspace_id = "  "`).forcedWorkspaceIds, undefined)
    assert.strictEqual(policy(`forced_chatgpt_workspace_id = []`).forcedWorkspaceIds, undefined)
    assert.strictEqual(policy(`forced_chatgpt_workspace_id = []`).source, undefined)
  })

  it("forced_login_method, and the source names the file", () => {
    const value = policy(`forced_login_method = "api"`)
    assert.strictEqual(value.forcedLoginMethod, "api")
    assert.strictEqual(value.source, path)
  })

  it("a TOML syntax error: the file's line and column", () => {
    const error = problem(`model = "x"\nforced_chatgpt_workspace_id = "ws-B\n`)
    assert.strictEqual(error.origin, "file")
    assert.strictEqual(error.path, path)
    assert.strictEqual(error.line, 2)
    assert.isNumber(error.column)
  })

  it("a forced value of the wrong type: the line and column of its value (Codex: 2:31)", () => {
    const error = problem(`model = "x"\nforced_chatgpt_workspace_id = 5\n`)
    assert.deepStrictEqual([error.line, error.column], [2, 31])
    assert.match(error.reason, /string or a list of strings/)
    const method = problem(`forced_login_method = "foo"`)
    assert.deepStrictEqual([method.line, method.column], [1, 23])
    assert.match(method.reason, /"chatgpt" or "api", not "foo"/)
  })

  it("-c overrides replace the file's value; TOML values or bare strings", () => {
    const text = `forced_chatgpt_workspace_id = "ws-B"`
    assert.deepStrictEqual(policy(text, ["forced_chatgpt_workspace_id=ws-A"]).forcedWorkspaceIds, ["ws-A"])
    assert.deepStrictEqual(
      policy(text, [`forced_chatgpt_workspace_id=["ws-A","ws-Z"]`]).forcedWorkspaceIds,
      ["ws-A", "ws-Z"]
    )
    assert.strictEqual(policy(text, ["forced_chatgpt_workspace_id=ws-A"]).source, "-c overrides")
    assert.strictEqual(policy(undefined, [`forced_login_method="chatgpt"`]).forcedLoginMethod, "chatgpt")
  })

  it("a -c override without '=' or of the wrong type is an override problem", () => {
    assert.deepStrictEqual(problem(undefined, ["forced_login_method"]).reason, "missing '='")
    const wrong = problem(`forced_login_method = "api"`, ["forced_login_method=7"])
    assert.strictEqual(wrong.origin, "override")
    assert.strictEqual(wrong.path, "forced_login_method=7")
  })
})

describe("CodexConfig.combine", () => {
  const config = policy(`forced_chatgpt_workspace_id = ["ws-B", "ws-C"]\nforced_login_method = "chatgpt"`)

  it("the program can only narrow the config: workspaces both allow", () => {
    const joined = CodexConfig.combine({ forcedWorkspaceIds: ["ws-C", "ws-D"] }, config)
    assert.isTrue(joined.ok)
    if (joined.ok) assert.deepStrictEqual(joined.value.forcedWorkspaceIds, ["ws-C"])
    const alone = CodexConfig.combine({}, config)
    if (alone.ok) assert.deepStrictEqual(alone.value.forcedWorkspaceIds, ["ws-B", "ws-C"])
    const programOnly = CodexConfig.combine({ forcedWorkspaceIds: ["ws-A"] }, CodexConfig.empty)
    if (programOnly.ok) assert.deepStrictEqual(programOnly.value.forcedWorkspaceIds, ["ws-A"])
  })

  it("no workspace in both, or two login methods: a conflict", () => {
    const none = CodexConfig.combine({ forcedWorkspaceIds: ["ws-A"] }, config)
    assert.isFalse(none.ok)
    if (!none.ok) assert.strictEqual(none.error.setting, "forced_chatgpt_workspace_id")
    const method = CodexConfig.combine({ forcedLoginMethod: "api" }, config)
    assert.isFalse(method.ok)
    if (!method.ok) assert.strictEqual(method.error.setting, "forced_login_method")
  })
})

describe("CodexConfig.load", () => {
  it.effect("reads config.toml through the SecretFile port; a bad file is CodexConfigInvalid with file:line", () =>
    Effect.gen(function*() {
      const files = yield* SecretFile.SecretFile
      assert.deepStrictEqual(yield* CodexConfig.load("/codex"), CodexConfig.empty)
      yield* files.writeAtomic("/codex/config.toml", `forced_login_method = "api"\n`, { mode: 0o600 })
      assert.strictEqual((yield* CodexConfig.load("/codex")).forcedLoginMethod, "api")
      yield* files.writeAtomic("/codex/config.toml", `\n\nforced_login_method = "api\n`, { mode: 0o600 })
      const error = yield* Effect.flip(CodexConfig.load("/codex"))
      assert.strictEqual(error._tag, "CodexConfigInvalid")
      assert.match(error.message, /^Error loading configuration: \/codex\/config\.toml:3:\d+: /)
      assert.match(error.message, /Fix that line of config\.toml/)
    }).pipe(Effect.provide(SecretFile.layerMemory({ directories: ["/codex"] }))))
})
