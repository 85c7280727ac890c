// API-key sign-in: Codex's masking (measured on the Codex CLI 0.169 binary), stdin parsing, the exact bytes an API-key
// login writes, the Authorization it yields, forced_login_method both ways with Codex's messages, and CODEX_API_KEY.
import * as ApiKeyAuth from "@codex-auth/accounts/ApiKeyAuth"
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { makeTest as stubOAuthClient, OAuthClient } from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Headers from "@effect/platform/Headers"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as authFiles from "../../core/test/fixtures/authFiles.ts"

const home = "/home/user/.codex"
const authFile = `${home}/auth.json`
const key = "sk-proj-abcdefghijklmnopABCDE"

describe("ApiKeyAuth.mask", () => {
  // Each pair is what `codex login status` printed after `codex login --with-api-key` of that key.
  const measured: ReadonlyArray<readonly [string, string]> = [
    ["sk-proj-abcdefghijklmnopABCDE", "sk-proj-***ABCDE"],
    ["sk-abcdefghij1234567890", "sk-abcde***67890"],
    ["sk-12345678901", "sk-12345***78901"],
    ["sk-1234567890", "***"],
    ["abc", "***"]
  ]
  for (const [input, shown] of measured) {
    it(`${input} → ${shown}`, () => assert.strictEqual(ApiKeyAuth.mask(input), shown))
  }

  it("never shows more than 13 characters of the key", () => {
    for (let length = 0; length < 80; length++) {
      const secret = "k".repeat(length)
      const shown = ApiKeyAuth.mask(secret).replace("***", "")
      assert.isAtMost(shown.length, 13)
      if (length > 13) assert.notInclude(ApiKeyAuth.mask(secret), secret)
    }
  })
})

describe("ApiKeyAuth.parseInput", () => {
  it("drops the whitespace around the key, as Codex trims stdin", () => {
    const parsed = ApiKeyAuth.parseInput(`  ${key} \n\n`)
    assert.isTrue(Either.isRight(parsed))
    assert.strictEqual(Redacted.value(Either.getOrThrow(parsed)), key)
  })

  it("whitespace only is ApiKeyMissing with Codex's words and a next step", () => {
    const parsed = ApiKeyAuth.parseInput(" \n\t")
    assert.isTrue(Either.isLeft(parsed))
    const error = Either.getLeft(parsed).pipe(Option.getOrThrow)
    assert.strictEqual(error._tag, "ApiKeyMissing")
    assert.match(error.message, /^No API key provided via stdin\./)
    assert.include(error.message, "--with-api-key")
  })
})

describe("ApiKeyAuth.statusLine", () => {
  it("API key, ChatGPT and nothing, as `codex login status` prints them", () =>
    Effect.gen(function*() {
      const apiKeyDoc = AuthJson.fromApiKey(Redacted.make(key))
      assert.strictEqual(ApiKeyAuth.statusLine(Option.some(apiKeyDoc)), "API key configured - sk-proj-***ABCDE")
      const chatgpt = yield* AuthJson.parse(authFiles.current, { path: authFile })
      assert.strictEqual(ApiKeyAuth.statusLine(Option.some(chatgpt)), "Logged in using ChatGPT")
      assert.strictEqual(ApiKeyAuth.statusLine(Option.none()), "Not logged in")
      // Older files without auth_mode: a non-null OPENAI_API_KEY means API-key mode.
      const legacy = yield* AuthJson.parse(`{"OPENAI_API_KEY": "${key}"}`, { path: authFile })
      assert.strictEqual(ApiKeyAuth.statusLine(Option.some(legacy)), "API key configured - sk-proj-***ABCDE")
    }).pipe(Effect.runSync))
})

const revokedTokens: Array<string> = []
const oauthLayer = Layer.succeed(
  OAuthClient,
  stubOAuthClient({
    refresh: () => Effect.die("no refresh expected"),
    revoke: (input) =>
      Effect.sync(() => {
        revokedTokens.push(Redacted.value("refreshToken" in input ? input.refreshToken : input.accessToken))
      })
  })
)

const harness = (initial: string | undefined, options: Session.Options = {}) =>
  Effect.gen(function*() {
    const files = yield* SecretFile.makeMemory({ directories: [home] })
    if (initial !== undefined) yield* Effect.orDie(files.writeAtomic(authFile, initial, { mode: 0o600 }))
    const context = Layer.mergeAll(
      FileCredentialStore.layer.pipe(
        Layer.provide(CodexHome.layer(home)),
        Layer.provide(Layer.succeed(SecretFile.SecretFile, files))
      ),
      oauthLayer,
      ProviderProfile.layer()
    )
    const session = yield* Session.make(options).pipe(Effect.provide(context))
    const fileText = Effect.map(Effect.orDie(files.read(authFile)), Option.getOrUndefined)
    const mode = Effect.map(files.snapshot, (all) => all.get(authFile)?.mode)
    return { session, fileText, mode }
  })

const withSession = <A, E>(
  session: Session.Session.Service,
  effect: Effect.Effect<A, E, Session.Session>
): Effect.Effect<A, E> => Effect.provideService(effect, Session.Session, session)

describe("API-key login through the session", () => {
  it.scoped("writes exactly what `codex login --with-api-key` writes (0600, no trailing newline)", () =>
    Effect.gen(function*() {
      const h = yield* harness(undefined)
      const parsed = Either.getOrThrow(ApiKeyAuth.parseInput(`${key}\n`))
      const credentials = yield* withSession(h.session, ApiKeyAuth.login(parsed))
      assert.strictEqual(credentials._tag, "ApiKey")
      // Byte for byte the file the Codex CLI 0.169 wrote for this key.
      assert.strictEqual(yield* h.fileText, `{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${key}"\n}`)
      assert.strictEqual(yield* h.mode, 0o600)
    }))

  it.scoped("getHeaders in API-key mode: Bearer <key>, no ChatGPT-Account-ID; status says apikey", () =>
    Effect.gen(function*() {
      const h = yield* harness(`{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${key}"\n}`)
      const headers = yield* h.session.getHeaders
      assert.strictEqual(Headers.get(headers, "authorization").pipe(Option.getOrThrow), `Bearer ${key}`)
      assert.isFalse(Headers.has(headers, "chatgpt-account-id"))
      assert.strictEqual(Headers.get(headers, "originator").pipe(Option.getOrThrow), "codex_cli_rs")
      const status = yield* h.session.status
      assert.deepStrictEqual(status.mode, Option.some("apikey"))
    }))

  it.scoped("replacing a ChatGPT login with a key revokes the old refresh token", () =>
    Effect.gen(function*() {
      revokedTokens.length = 0
      const h = yield* harness(authFiles.current)
      yield* withSession(h.session, ApiKeyAuth.login(Redacted.make(key)))
      assert.deepStrictEqual(revokedTokens, [authFiles.refreshToken])
      assert.include(yield* h.fileText, `"auth_mode": "apikey"`)
    }))
})

describe("forced_login_method, both ways, with Codex's messages", () => {
  it.scoped("chatgpt forced: an API-key login is refused and nothing is written", () =>
    Effect.gen(function*() {
      const h = yield* harness(undefined, { forcedLoginMethod: "chatgpt" })
      const error = yield* Effect.flip(withSession(h.session, ApiKeyAuth.login(Redacted.make(key))))
      assert.strictEqual(error._tag, "LoginMethodRestricted")
      assert.strictEqual(error.message, "API key login is disabled. Use ChatGPT login instead.")
      assert.isUndefined(yield* h.fileText)
    }))

  it.scoped("api forced: a ChatGPT login is refused and nothing is written", () =>
    Effect.gen(function*() {
      const h = yield* harness(undefined, { forcedLoginMethod: "api" })
      const document = yield* AuthJson.parse(authFiles.current, { path: authFile })
      const tokenSet = Option.getOrThrow(TokenSet.fromAuthDocument(document))
      const error = yield* Effect.flip(
        h.session.saveLogin({ _tag: "ChatGpt", tokenSet, openaiApiKey: Option.none() })
      )
      assert.strictEqual(error.message, "ChatGPT login is disabled. Use API key login instead.")
      assert.isUndefined(yield* h.fileText)
    }))

  it.scoped("chatgpt forced: a stored API key is logged out when loaded", () =>
    Effect.gen(function*() {
      const h = yield* harness(`{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${key}"\n}`, {
        forcedLoginMethod: "chatgpt"
      })
      const error = yield* Effect.flip(h.session.getHeaders)
      assert.match(error.message, /^ChatGPT login is required, but an API key is currently being used\. Logging out\./)
      assert.notInclude(error.message, key)
      assert.isUndefined(yield* h.fileText)
    }))

  it.scoped("api forced: stored ChatGPT tokens are logged out when loaded", () =>
    Effect.gen(function*() {
      const h = yield* harness(authFiles.current, { forcedLoginMethod: "api" })
      const error = yield* Effect.flip(h.session.getToken)
      assert.match(error.message, /^API key login is required, but ChatGPT is currently being used\. Logging out\./)
      assert.isUndefined(yield* h.fileText)
    }))

  it.scoped("api forced: an API-key login is accepted", () =>
    Effect.gen(function*() {
      const h = yield* harness(undefined, { forcedLoginMethod: "api" })
      yield* withSession(h.session, ApiKeyAuth.login(Redacted.make(key)))
      assert.strictEqual(Redacted.value(yield* h.session.getToken), key)
    }))
})

describe("CODEX_API_KEY (codex exec lets it win over auth.json)", () => {
  const withEnv = (env: ReadonlyArray<readonly [string, string]>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(env)))
  const agent = { originator: "codex_cli_rs", userAgent: "codex_cli_rs/0.169.0" }

  it.scoped("set: its key is the bearer, over a stored ChatGPT login", () =>
    Effect.gen(function*() {
      const h = yield* harness(authFiles.current)
      const session = yield* ApiKeyAuth.withEnvironmentKey(h.session, agent).pipe(
        withEnv([["CODEX_API_KEY", " sk-env-codex-222222 "], ["OPENAI_API_KEY", "sk-env-openai-111111"]])
      )
      const headers = yield* session.getHeaders
      assert.strictEqual(Headers.get(headers, "authorization").pipe(Option.getOrThrow), "Bearer sk-env-codex-222222")
      assert.isFalse(Headers.has(headers, "chatgpt-account-id"))
      assert.strictEqual(Redacted.value(yield* session.recoverUnauthorized), "sk-env-codex-222222")
    }))

  it.scoped("unset or blank: the stored credentials; OPENAI_API_KEY alone is not a credential", () =>
    Effect.gen(function*() {
      const h = yield* harness(`{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${key}"\n}`)
      for (const env of [[["CODEX_API_KEY", "  "]], [["OPENAI_API_KEY", "sk-env-openai-111111"]]] as const) {
        const session = yield* ApiKeyAuth.withEnvironmentKey(h.session, agent).pipe(withEnv(env))
        assert.strictEqual(Redacted.value(yield* session.getToken), key)
      }
    }))
})
