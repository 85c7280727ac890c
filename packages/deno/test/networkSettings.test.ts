// Issue 13 on Deno: a bad CA bundle (missing, a directory, garbage, oversized, /dev/zero) or an HTTPS_PROXY that is not
// a URL never breaks what needs no network. DenoHttpClient.layerConfig builds; its first request fails, before anything is
// sent, with the typed error; DenoSession.layer + getToken and the facade's status() / getToken() answer from a fresh
// token; an expired one fails with the typed error naming the variable and auth.json stays byte for byte. Real files
// and the emulator on Deno.serve.
import * as HttpClientConfig from "@codex-auth/core/HttpClientConfig"
import * as Session from "@codex-auth/core/Session"
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as assert from "../../../test/shared/assert.ts"
import { CodexAuth } from "../mod.ts"
import * as DenoHttpClient from "../src/DenoHttpClient.ts"
import * as DenoSession from "../src/DenoSession.ts"
import { type StartedEmulator, startEmulator, tempHome } from "./support/emulator.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const proxyValue = "proxy-secret-hunter2"
const names = ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]

interface Setting {
  readonly name: string
  readonly env: Record<string, string>
  readonly variable: string
  readonly tag: "CaCertificateInvalid" | "HttpClientSettingInvalid"
}

const makeSettings = async (dir: string): Promise<ReadonlyArray<Setting>> => {
  await Deno.writeTextFile(`${dir}/garbage.pem`, "this is not a certificate\n")
  const oversized = await Deno.open(`${dir}/oversized.pem`, { write: true, create: true })
  await oversized.truncate(17 * 1024 * 1024)
  oversized.close()
  await Deno.mkdir(`${dir}/a-directory.pem`)
  const ca = "CaCertificateInvalid" as const
  return [
    {
      name: "missing bundle",
      env: { CODEX_CA_CERTIFICATE: `${dir}/none.pem` },
      variable: "CODEX_CA_CERTIFICATE",
      tag: ca
    },
    {
      name: "directory",
      env: { CODEX_CA_CERTIFICATE: `${dir}/a-directory.pem` },
      variable: "CODEX_CA_CERTIFICATE",
      tag: ca
    },
    { name: "garbage bundle", env: { SSL_CERT_FILE: `${dir}/garbage.pem` }, variable: "SSL_CERT_FILE", tag: ca },
    { name: "oversized bundle", env: { SSL_CERT_FILE: `${dir}/oversized.pem` }, variable: "SSL_CERT_FILE", tag: ca },
    { name: "/dev/zero bundle", env: { CODEX_CA_CERTIFICATE: "/dev/zero" }, variable: "CODEX_CA_CERTIFICATE", tag: ca },
    {
      name: "garbage proxy",
      env: { HTTPS_PROXY: proxyValue },
      variable: "HTTPS_PROXY",
      tag: "HttpClientSettingInvalid"
    }
  ]
}

/** Runs `body` with the process environment holding `env` (and none of §12's other variables), then restores it. */
const withEnv = async <A>(env: Record<string, string>, body: () => Promise<A>): Promise<A> => {
  const saved = new Map([...names, "CODEX_HOME", ...Object.keys(env)].map((name) => [name, Deno.env.get(name)]))
  for (const name of names) Deno.env.delete(name)
  for (const [name, value] of Object.entries(env)) Deno.env.set(name, value)
  try {
    return await body()
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name)
      else Deno.env.set(name, value)
    }
  }
}

const writeHome = async (emulator: StartedEmulator, kind: "fresh" | "expired") => {
  const home = await tempHome()
  const minted = await emulator.run(
    emulator.admin.mintTokens(kind === "expired" ? { accessTokenTtlSeconds: -60 } : {})
  )
  const text = JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        account_id: minted.account_id
      },
      last_refresh: new Date(Date.now() - (kind === "expired" ? 30 * 24 * 3600_000 : 60_000)).toISOString()
    },
    null,
    2
  )
  await Deno.writeTextFile(`${home}/auth.json`, text, { mode: 0o600 })
  return { home, text, accessToken: minted.access_token }
}

const sessionGetToken = (issuer: string) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const session = yield* Session.Session
      const status = yield* session.status
      return { loggedIn: status.loggedIn, token: Redacted.value(yield* session.getToken) }
    }).pipe(
      Effect.provide(DenoSession.layer({ profile: { issuer } })),
      Effect.catchAll((error) => Effect.succeed({ error: { tag: error._tag, message: error.message } })),
      Effect.scoped
    )
  )

Deno.test({
  name: "DenoHttpClient.layerConfig builds with a bad bundle or proxy; its first request fails typed, sending nothing",
  ...options,
  fn: async () => {
    const dir = await tempHome()
    let hits = 0
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
      hits++
      return new Response("ok")
    })
    try {
      for (const setting of await makeSettings(dir)) {
        const error = await Effect.runPromise(
          Effect.gen(function*() {
            const context = yield* Layer.build(DenoHttpClient.layerConfig)
            const client = Effect.provide(HttpClient.HttpClient, context)
            // Twice: the outcome is resolved once and kept.
            yield* Effect.flip(Effect.flatMap(client, (c) => c.get(`http://127.0.0.1:${server.addr.port}/`)))
            return yield* Effect.flip(Effect.flatMap(client, (c) => c.get(`http://127.0.0.1:${server.addr.port}/`)))
          }).pipe(
            Effect.scoped,
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(setting.env))))
          )
        )
        const failure = HttpClientConfig.configurationFailure(error)
        assert.isTrue(Option.isSome(failure), `${setting.name}: ${error.message}`)
        if (Option.isNone(failure)) continue
        assert.equal(failure.value._tag, setting.tag, setting.name)
        assert.include(failure.value.message, setting.variable, setting.name)
        assert.notInclude(failure.value.message, proxyValue, setting.name)
      }
      assert.equal(hits, 0, "nothing was sent")
      // The same layer with good settings does reach the server (the test can fail).
      const body = await Effect.runPromise(
        Effect.flatMap(
          HttpClient.HttpClient,
          (c) => Effect.flatMap(c.get(`http://127.0.0.1:${server.addr.port}/`), (r) => r.text)
        ).pipe(
          Effect.provide(DenoHttpClient.layerConfig),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
      )
      assert.equal(body, "ok")
      assert.equal(hits, 1)
    } finally {
      await server.shutdown()
      await Deno.remove(dir, { recursive: true })
    }
  }
})

Deno.test({
  name: "DenoSession + getToken and the facade answer a fresh token; an expired one fails typed, auth.json untouched",
  ...options,
  fn: async () => {
    const emulator = await startEmulator()
    const dir = await tempHome()
    try {
      for (const setting of await makeSettings(dir)) {
        const fresh = await writeHome(emulator, "fresh")
        const expired = await writeHome(emulator, "expired")
        await withEnv({ ...setting.env, CODEX_HOME: fresh.home }, async () => {
          const viaSession = await sessionGetToken(emulator.url)
          assert.deepEqual(viaSession, { loggedIn: true, token: fresh.accessToken }, setting.name)
          const auth = await CodexAuth.open({ codexHome: fresh.home, issuer: emulator.url })
          try {
            assert.isTrue((await auth.status()).loggedIn, setting.name)
            assert.equal(await auth.getToken(), fresh.accessToken, setting.name)
          } finally {
            await auth.close()
          }
        })
        const grantsBefore = (await emulator.run(emulator.admin.requests)).length
        await withEnv({ ...setting.env, CODEX_HOME: expired.home }, async () => {
          const viaSession = await sessionGetToken(emulator.url)
          assert.equal("error" in viaSession ? viaSession.error.tag : "served", setting.tag, setting.name)
          const auth = await CodexAuth.open({ codexHome: expired.home, issuer: emulator.url })
          try {
            assert.isTrue((await auth.status()).loggedIn, setting.name)
            const error = await auth.getToken().then(() => undefined, (error: unknown) => error)
            assert.equal((error as { _tag?: string } | undefined)?._tag, setting.tag, setting.name)
            assert.include(String((error as Error).message), setting.variable, setting.name)
            assert.notInclude(String((error as Error).message), proxyValue, setting.name)
          } finally {
            await auth.close()
          }
        })
        assert.equal((await emulator.run(emulator.admin.requests)).length, grantsBefore, `${setting.name}: no request`)
        assert.equal(await Deno.readTextFile(`${expired.home}/auth.json`), expired.text, setting.name)
        assert.equal(await Deno.readTextFile(`${fresh.home}/auth.json`), fresh.text, setting.name)
        await Deno.remove(fresh.home, { recursive: true })
        await Deno.remove(expired.home, { recursive: true })
      }
    } finally {
      await emulator.close()
      await Deno.remove(dir, { recursive: true })
    }
  }
})
