// config.toml's §10 policy through the Node session (Effect API) and the Promise facade, on real files: what
// `codex exec` refuses and logs out, `getToken` refuses and removes; what `codex login status` calls "Not logged
// in" (leaving auth.json), `status` refuses without touching the file; a malformed file names its line.
import * as Session from "@codex-auth/core/Session"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as NodeSession from "@codex-auth/node/NodeSession"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { accessToken, current, secrets } from "../../core/test/fixtures/authFiles.ts"

/** A CODEX_HOME holding the §8 example (workspace acct-1111) and, when given, a config.toml. */
const home = (config?: string) => {
  const directory = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-config-")))
  Fs.writeFileSync(Path.join(directory, "auth.json"), current, { mode: 0o600 })
  if (config !== undefined) Fs.writeFileSync(Path.join(directory, "config.toml"), config)
  return directory
}
const authText = (directory: string) =>
  Fs.existsSync(Path.join(directory, "auth.json")) ? Fs.readFileSync(Path.join(directory, "auth.json"), "utf8") : null

const withSession = <A, E>(
  directory: string,
  body: (session: Session.Session.Service) => Effect.Effect<A, E>,
  options: NodeSession.Options = {}
) =>
  Effect.flatMap(Session.Session, body).pipe(
    Effect.provide(NodeSession.layer(options)),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", directory]])))
  )

const assertNoSecret = (text: string) => {
  for (const secret of secrets) assert.notInclude(text, secret)
}

describe("config.toml policy, Effect API (NodeSession.layer)", () => {
  it.effect("forced workspace of another account: status refuses and keeps auth.json, getToken removes it", () =>
    Effect.gen(function*() {
      const directory = home(`forced_chatgpt_workspace_id = "ws-B"\n`)
      const configPath = Path.join(directory, "config.toml")
      const status = yield* withSession(directory, (session) => Effect.flip(session.status))
      assert.strictEqual(status._tag, "WorkspaceRestricted")
      assert.include(status.message, configPath)
      assert.include(status.message, "ws-B")
      assert.strictEqual(authText(directory), current)

      const token = yield* withSession(directory, (session) => Effect.flip(session.getToken))
      assert.strictEqual(token._tag, "WorkspaceRestricted")
      assert.include(token.message, "forced_chatgpt_workspace_id in " + configPath)
      assert.include(token.message, "The stored credentials were removed.")
      assertNoSecret(token.message)
      assert.strictEqual(authText(directory), null)
    }))

  it.effect("the allowed workspace is served; forced_login_method = api refuses a ChatGPT login", () =>
    Effect.gen(function*() {
      const allowed = home(`forced_chatgpt_workspace_id = ["ws-B", "acct-1111"]\n`)
      const token = yield* withSession(allowed, (session) => session.getToken)
      assert.strictEqual(Redacted.value(token), accessToken)

      const api = home(`forced_login_method = "api"\n`)
      const error = yield* withSession(api, (session) => Effect.flip(session.getToken))
      assert.strictEqual(error._tag, "LoginMethodRestricted")
      assert.match(error.message, /^API key login is required, but ChatGPT is currently being used\. Logging out\./)
      assert.include(error.message, Path.join(api, "config.toml"))
      assert.strictEqual(authText(api), null)
    }))

  it.effect("the program's restriction joins config.toml's: both must hold", () =>
    Effect.gen(function*() {
      const directory = home(`forced_chatgpt_workspace_id = ["ws-B", "acct-1111"]\n`)
      const conflict = yield* Effect.flip(
        withSession(directory, (session) => session.status, { forcedWorkspaceIds: ["ws-Z"] })
      )
      assert.strictEqual(conflict._tag, "PolicyConflict")
      assert.match(conflict.message, /no sign-in could satisfy both/)
      const narrowed = yield* withSession(directory, (session) => Effect.flip(session.status), {
        forcedWorkspaceIds: ["ws-B"]
      })
      assert.strictEqual(narrowed._tag, "WorkspaceRestricted")
      assert.strictEqual(authText(directory), current)
    }))

  it.effect("a malformed config.toml: CodexConfigInvalid naming the file and line; auth.json untouched", () =>
    Effect.gen(function*() {
      const directory = home(`model = "o3"\nforced_login_method = "chatgpt\n`)
      const error = yield* Effect.flip(withSession(directory, (session) => session.getToken))
      assert.strictEqual(error._tag, "CodexConfigInvalid")
      assert.include(error.message, `${Path.join(directory, "config.toml")}:2:`)
      assert.strictEqual(authText(directory), current)
    }))

  it.effect("-c overrides (configOverrides) replace the file's value", () =>
    Effect.gen(function*() {
      const directory = home(`forced_chatgpt_workspace_id = "ws-B"\n`)
      const token = yield* withSession(directory, (session) => session.getToken, {
        configOverrides: ["forced_chatgpt_workspace_id=acct-1111"]
      })
      assert.strictEqual(Redacted.value(token), accessToken)
    }))
})

describe("config.toml policy, Promise facade", () => {
  it("status rejects with WorkspaceRestricted (auth.json kept), getToken rejects and logs out", async () => {
    const directory = home(`forced_chatgpt_workspace_id = "ws-B"\n`)
    const auth = await CodexAuth.open({ codexHome: directory })
    try {
      const status = await auth.status().then(() => undefined, (error: Error & { _tag: string }) => error)
      assert.strictEqual(status?._tag, "WorkspaceRestricted")
      assert.include(status?.message, Path.join(directory, "config.toml"))
      assert.strictEqual(authText(directory), current)
      const token = await auth.getToken().then(() => undefined, (error: Error & { _tag: string }) => error)
      assert.strictEqual(token?._tag, "WorkspaceRestricted")
      assertNoSecret(token!.message)
      assert.strictEqual(authText(directory), null)
    } finally {
      await auth.close()
    }
  })

  it("without a restriction the fast path still serves the token; a malformed file rejects open", async () => {
    const free = home(`model = "o3"\n`)
    const auth = await CodexAuth.open({ codexHome: free })
    try {
      assert.strictEqual(await auth.getToken(), accessToken)
    } finally {
      await auth.close()
    }
    const broken = home(`forced_chatgpt_workspace_id = [\n`)
    const error = await CodexAuth.open({ codexHome: broken }).then(() => undefined, (e: Error & { _tag: string }) => e)
    assert.strictEqual(error?._tag, "CodexConfigInvalid")
    assert.include(error?.message, Path.join(broken, "config.toml"))
    assert.strictEqual(authText(broken), current)
  })
})
