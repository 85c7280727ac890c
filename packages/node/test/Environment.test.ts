// One environment (issue 12): every entry point picks the issuer from CODEX_AUTH_ISSUER the same way. The tokens in
// auth.json carry no oauth_provenance, so the refresh goes to the profile's issuer: the emulator when the entry point
// honours CODEX_AUTH_ISSUER, auth.openai.com (unreachable in the test namespace) when it does not.
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as Environment from "@codex-auth/core/Environment"
import { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import * as ReadModel from "@codex-auth/core/ReadModel"
import { RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import { SecretFile } from "@codex-auth/core/SecretFile"
import { Session } from "@codex-auth/core/Session"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as CodexAuthPool from "@codex-auth/node/CodexAuthPool"
import * as NodeAccountPool from "@codex-auth/node/NodeAccountPool"
import * as NodeLayer from "@codex-auth/node/NodeLayer"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as HttpClient from "@effect/platform/HttpClient"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const execFile = promisify(ChildProcess.execFile)
const cli = fileURLToPath(new URL("../dist/bin/codex-auth.js", import.meta.url))

describe("one environment: CODEX_AUTH_ISSUER", () => {
  let emulator: StartedEmulatorPromise
  let tmp: string
  const saved = process.env[Environment.names.issuer]
  beforeAll(async () => {
    emulator = await startEmulatorPromise()
    tmp = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-environment-")))
  })
  afterEach(() => {
    if (saved === undefined) delete process.env[Environment.names.issuer]
    else process.env[Environment.names.issuer] = saved
  })
  afterAll(async () => {
    await emulator.close()
    Fs.rmSync(tmp, { recursive: true, force: true })
  })

  /** A CODEX_HOME holding expired emulator tokens without provenance; returns the stale access token. */
  const expiredHome = async (): Promise<{ readonly home: string; readonly stale: string }> => {
    const home = Fs.mkdtempSync(Path.join(tmp, "home-"))
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    Fs.writeFileSync(
      Path.join(home, "auth.json"),
      JSON.stringify({
        auth_mode: "chatgpt",
        OPENAI_API_KEY: null,
        tokens: { id_token: minted.id_token, access_token: minted.access_token, refresh_token: minted.refresh_token },
        last_refresh: new Date().toISOString()
      }),
      { mode: 0o600 }
    )
    return { home, stale: minted.access_token }
  }

  const refreshGrants = async (): Promise<number> =>
    (await emulator.admin.requests()).filter((r) => r.path === "/oauth/token").length

  it("the Effect API (NodeSession.layer), the facade, the pool and the CLI all refresh at CODEX_AUTH_ISSUER", async () => {
    // The Effect API, through a ConfigProvider (what NodeSession.layer used to ignore).
    const effectApi = await expiredHome()
    const before = await refreshGrants()
    const viaEffect = await Effect.runPromise(
      Effect.map(Effect.flatMap(Session, (session) => session.getToken), Redacted.value).pipe(
        Effect.provide(
          NodeSession.layer().pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
              new Map([[Environment.names.codexHome, effectApi.home], [Environment.names.issuer, emulator.url]])
            )))
          )
        )
      )
    )
    assert.notStrictEqual(viaEffect, effectApi.stale)
    assert.strictEqual(await refreshGrants() - before, 1, "the Effect API refreshed at the emulator")

    process.env[Environment.names.issuer] = emulator.url

    // The Promise facade (its startup path hands over to the full facade for the refresh).
    const facade = await expiredHome()
    const auth = await CodexAuth.open({ codexHome: facade.home })
    try {
      assert.notStrictEqual(await auth.getToken(), facade.stale)
    } finally {
      await auth.close()
    }

    // The pool, both the Effect layer and the Promise one.
    const pooled = await expiredHome()
    const viaPool = await Effect.runPromise(
      Effect.flatMap(AccountPool.AccountPool, (pool) => pool.getToken({ account: "one" })).pipe(
        Effect.provide(NodeAccountPool.layer({
          config: { strategy: "round-robin", accounts: [{ name: "one", codexHome: pooled.home }] }
        }))
      )
    )
    assert.notStrictEqual(Redacted.value(viaPool.token), pooled.stale)
    const promisePooled = await expiredHome()
    const pool = await CodexAuthPool.open({ accounts: [{ name: "one", codexHome: promisePooled.home }] })
    try {
      assert.notStrictEqual((await pool.getToken()).token, promisePooled.stale)
    } finally {
      await pool.close()
    }

    // The CLI (the fast path cannot serve a stale token: the full CLI refreshes).
    const viaCli = await expiredHome()
    // Asynchronously: the emulator answers from this process.
    const run = await execFile(process.execPath, [cli, "token", "--codex-home", viaCli.home], {
      env: { ...process.env, [Environment.names.issuer]: emulator.url },
      encoding: "utf8"
    })
    assert.notStrictEqual(run.stdout.trim(), viaCli.stale)
    assert.match(run.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]*$/)
    assert.strictEqual(await refreshGrants() - before, 5, "every entry point refreshed at the emulator")
  })

  it("NodeLayer.layer bundles every port, CODEX_HOME read from the same environment", async () => {
    const home = Fs.mkdtempSync(Path.join(tmp, "layer-"))
    const services = await Effect.runPromise(
      Effect.all([
        CodexHome.CodexHome,
        SecretFile,
        LoopbackListener,
        BrowserOpener,
        RuntimeFacts,
        HttpClient.HttpClient
      ])
        .pipe(
          Effect.provide(NodeLayer.layer.pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
              new Map([[Environment.names.codexHome, home]])
            )))
          ))
        )
    )
    assert.strictEqual(services[0].authFile, Path.join(home, "auth.json"))
    assert.strictEqual(services.length, 6)
  })

  it("the plain reading and the Config reading agree", async () => {
    const env = {
      [Environment.names.issuer]: `  ${emulator.url}  `,
      [Environment.names.refreshTokenUrlOverride]: " ",
      [Environment.names.revokeTokenUrlOverride]: `${emulator.url}/revoke `
    }
    const plain = ReadModel.environment(env)
    const viaConfig = await Effect.runPromise(
      Effect.all([Environment.issuer, Environment.refreshTokenUrlOverride, Environment.revokeTokenUrlOverride]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    )
    assert.deepStrictEqual(viaConfig.map((value) => value._tag === "Some" ? value.value : undefined), [
      plain.issuer,
      plain.refreshTokenUrlOverride,
      plain.revokeTokenUrlOverride
    ])
    assert.strictEqual(plain.issuer, emulator.url)
    assert.isUndefined(plain.refreshTokenUrlOverride)
    assert.strictEqual(plain.revokeTokenUrlOverride, `${emulator.url}/revoke`)
  })
})
