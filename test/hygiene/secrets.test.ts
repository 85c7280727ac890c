// Secret hygiene: the full journeys — browser login (code + PKCE + API-key exchange), device login, save, warm
// getToken/getHeaders, refresh (with rotation), a rejected refresh, a bad code exchange, a wrong pasted URL, logout
// with revoke — run with every log level enabled, capturing every log line, every error message and every presenter
// event; then the CLI's commands with `--log-level debug --verbose`, capturing stderr (and stdout where it is not
// the requested secret). Nothing captured may contain any token, authorization code, state or API key seen during
// the run.
import * as BrowserFlow from "@codex-auth/core/BrowserFlow"
import * as BrowserOpener from "@codex-auth/core/BrowserOpener"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as DeviceFlow from "@codex-auth/core/DeviceFlow"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as PasteFlow from "@codex-auth/core/PasteFlow"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeLoopbackListener from "@codex-auth/node/NodeLoopbackListener"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const cliBin = Path.resolve("packages/node/bin/codex-auth.js")
const cliBuilt = Fs.existsSync(Path.resolve("packages/node/dist/bin/codex-auth.js"))

const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const address = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(address.port)))
  })
})

/** Everything a user or a log could see, and every secret that went by. */
class Evidence {
  readonly texts: Array<{ readonly where: string; readonly text: string }> = []
  readonly secrets = new Map<string, string>()
  spans = 0
  see(where: string, text: string) {
    this.texts.push({ where, text })
  }
  secret(name: string, value: string | Redacted.Redacted<string> | undefined | null) {
    const text = value === undefined || value === null ? "" : Redacted.isRedacted(value) ? Redacted.value(value) : value
    // Short values could occur by chance ("null", a plan name); every real secret is long.
    if (text.length >= 16) this.secrets.set(text, name)
  }
  /** A failure's message, its rendering and its JSON (what a careless caller would print). */
  failure(where: string, exit: Exit.Exit<unknown, unknown>) {
    assert.isTrue(Exit.isFailure(exit), `${where} was expected to fail`)
    if (Exit.isSuccess(exit)) return
    this.see(`${where} (pretty cause)`, Cause.pretty(exit.cause))
    for (const error of Cause.failures(exit.cause)) {
      const e = error as { readonly message?: unknown }
      this.see(`${where} (message)`, String(e.message))
      this.see(`${where} (String)`, String(error))
      this.see(`${where} (JSON)`, JSON.stringify(error))
    }
  }
  check() {
    assert.isAbove(this.secrets.size, 5, "the journeys saw secrets")
    const leaks: Array<string> = []
    for (const { text, where } of this.texts) {
      for (const [secret, name] of this.secrets) {
        if (text.includes(secret)) leaks.push(`${name} in ${where}: ${text.slice(0, 300)}`)
      }
    }
    assert.deepStrictEqual(leaks, [])
  }
}

interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const cli = (args: ReadonlyArray<string>, codexHome: string, issuer: string): Effect.Effect<CliResult> =>
  Effect.async<CliResult>((resume) => {
    const child = spawn(
      process.execPath,
      [cliBin, "--log-level", "debug", ...args, "--verbose", "--codex-home", codexHome, "--issuer", issuer],
      { env: { ...process.env, CODEX_HOME: codexHome, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("close", (status) => {
      clearTimeout(timer)
      resume(Effect.succeed({ status, stdout, stderr }))
    })
  })

let spanIds = 0

/** A tracer that keeps every span's name, attributes, events and exit as text (what an exporter would ship). */
const recordingTracer = (evidence: Evidence): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const spanId = `span-${++spanIds}`
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId,
        traceId: "trace-hygiene",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          evidence.see(`span ${name}`, JSON.stringify(Object.fromEntries(attributes), (_k, v) => String(v)))
          if (Exit.isFailure(exit)) evidence.see(`span ${name} exit`, Cause.pretty(exit.cause))
          evidence.spans++
        },
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: (eventName, _time, eventAttributes) => {
          evidence.see(`span ${name} event ${eventName}`, JSON.stringify(eventAttributes ?? {}))
        },
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })

const captureLogs = (evidence: Evidence) =>
  Layer.mergeAll(
    Layer.setTracer(recordingTracer(evidence)),
    Logger.replace(
      Logger.defaultLogger,
      Logger.map(Logger.logfmtLogger, (line) => evidence.see("log", line))
    ),
    Logger.minimumLogLevel(LogLevel.All)
  )

describe("secret hygiene", () => {
  it.scopedLive(
    "login, refresh and logout journeys at debug level: no secret in any log, error or event",
    () =>
      Effect.gen(function*() {
        const evidence = new Evidence()
        const port = yield* freePort
        const emulator = yield* startEmulator({ redirectPorts: [port], autoApprove: true, deviceInterval: "0" })
        const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-hygiene-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(codexHome, { recursive: true, force: true })))
        const profile = ProviderProfile.make({ issuer: emulator.url, loopbackPorts: [port] })
        const profileLayer = ProviderProfile.layer(profile)
        const oauth = OAuthClient.layer.pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, profileLayer)))

        // The browser: asks the emulator for the redirect (so the code and state are seen), then delivers it.
        const opener = (url: string) =>
          Effect.promise(async () => {
            evidence.secret("state", new URL(url).searchParams.get("state"))
            const location = (await fetch(url, { redirect: "manual" })).headers.get("location") ?? ""
            const callback = new URL(location)
            evidence.secret("authorization code", callback.searchParams.get("code"))
            await fetch(callback).then((response) => response.text())
          })
        let pasteAnswer = ""
        const presenter = LoginPresenter.make({
          // The authorize URL is shown to the user by design (it carries the state); nothing else in an event may.
          present: (event) =>
            Effect.sync(() =>
              evidence.see(
                `event ${event._tag}`,
                JSON.stringify(event, (key, value) => key === "authorizeUrl" ? "<authorize URL>" : value)
              )
            ),
          promptCallbackUrl: () => Effect.succeed(pasteAnswer)
        })
        const loginLayer = Layer.mergeAll(
          oauth,
          profileLayer,
          Layer.succeed(LoginPresenter.LoginPresenter, presenter),
          NodeLoopbackListener.layer,
          BrowserOpener.layerCallback(opener)
        )
        const storeLayer = FileCredentialStore.layer.pipe(
          Layer.provide(CodexHome.layer(codexHome)),
          Layer.provide(NodeSecretFile.layer)
        )
        const sessionLayer = Session.layer({ refreshRetries: 0 }).pipe(
          Layer.provide(Layer.mergeAll(storeLayer, oauth, profileLayer))
        )
        const readStoredTokens = () => {
          const stored = JSON.parse(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"))
          evidence.secret("stored access token", stored.tokens?.access_token)
          evidence.secret("stored refresh token", stored.tokens?.refresh_token)
          evidence.secret("stored id token", stored.tokens?.id_token)
          evidence.secret("stored API key", stored.OPENAI_API_KEY)
          return stored
        }

        const journeys = Effect.gen(function*() {
          // browser login → save
          const browser = yield* BrowserFlow.run({ timeout: "1 minute" })
          evidence.secret("access token", browser.tokens.accessToken)
          evidence.secret("refresh token", browser.tokens.refreshToken)
          evidence.secret("id token", browser.tokens.idToken)
          Option.map(browser.apiKey, (key) => evidence.secret("API key", key))
          const session = yield* Session.Session
          yield* session.saveLogin({ _tag: "ChatGpt", tokenSet: browser.tokens, openaiApiKey: browser.apiKey })
          readStoredTokens()

          // warm path, headers, status
          evidence.see("status", JSON.stringify(yield* session.status))
          yield* session.getToken
          yield* session.getHeaders

          // refresh twice (rotation), then a 401 recovery
          yield* session.refresh
          readStoredTokens()
          yield* session.refresh
          readStoredTokens()
          yield* session.recoverUnauthorized
          readStoredTokens()

          // a rejected refresh (reused), and a transient one: typed errors whose text must be clean
          yield* emulator.admin.addFault({
            kind: "error_code",
            path: "/oauth/token",
            grantType: "refresh_token",
            code: "refresh_token_reused",
            status: 400
          })
          evidence.failure("rejected refresh", yield* Effect.exit(session.refresh))
          yield* emulator.admin.clearFaults

          // a bad code exchange, quoting the code and verifier we sent
          const client = yield* OAuthClient.OAuthClient
          const badCode = "ac_bogus_code_0123456789abcdefXYZ"
          const badVerifier = "cv_bogus_verifier_0123456789abcdefXYZ_more_characters"
          evidence.secret("bad code", badCode)
          evidence.secret("bad verifier", badVerifier)
          evidence.failure(
            "bad code exchange",
            yield* Effect.exit(client.exchangeCode({
              code: Redacted.make(badCode),
              codeVerifier: Redacted.make(badVerifier),
              redirectUri: `http://127.0.0.1:${port}/auth/callback`
            }))
          )

          // a pasted URL with someone else's state and code
          const foreignState = "st_foreign_state_0123456789abcdefXYZ"
          const foreignCode = "ac_foreign_code_0123456789abcdefXYZ"
          evidence.secret("foreign state", foreignState)
          evidence.secret("foreign code", foreignCode)
          pasteAnswer = `http://127.0.0.1:${port}/auth/callback?code=${foreignCode}&state=${foreignState}`
          evidence.failure("paste with a foreign state", yield* Effect.exit(PasteFlow.run({ timeout: "1 minute" })))

          // device login → save (replacing the browser login: its refresh token is revoked)
          const device = yield* DeviceFlow.run({ timeout: "1 minute" })
          evidence.secret("device access token", device.tokens.accessToken)
          evidence.secret("device refresh token", device.tokens.refreshToken)
          evidence.secret("device id token", device.tokens.idToken)
          yield* session.saveLogin({ _tag: "ChatGpt", tokenSet: device.tokens, openaiApiKey: Option.none() })
          readStoredTokens()
          yield* session.getToken

          // logout revokes and removes
          evidence.see("logout", JSON.stringify(yield* session.logout))
          evidence.failure("getToken after logout", yield* Effect.exit(session.getToken))
        })

        yield* journeys.pipe(
          Effect.provide(Layer.mergeAll(loginLayer, sessionLayer)),
          Effect.provide(captureLogs(evidence))
        )
        // The emulator saw the device code's secret half: add it, and every token it minted that we know of.
        for (const entry of yield* emulator.admin.requests) evidence.secret("refresh token sent", entry.refreshToken)
        // The library logs nothing today; its spans (Effect.fn) carry attributes and exits: both were captured.
        assert.isAbove(evidence.spans, 10, "spans were recorded")
        evidence.check()
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "the CLI at --log-level debug --verbose: no secret on stderr, nor on stdout beyond what was asked",
    () =>
      Effect.gen(function*() {
        if (!cliBuilt) return assert.fail("build first: npx tsc -b (packages/node/dist/bin/codex-auth.js)")
        const evidence = new Evidence()
        const emulator = yield* startEmulator()
        const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-hygiene-cli-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(codexHome, { recursive: true, force: true })))
        const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        evidence.secret("minted access token", minted.access_token)
        evidence.secret("minted refresh token", minted.refresh_token)
        evidence.secret("minted id token", minted.id_token)
        const authFile = Path.join(codexHome, "auth.json")
        Fs.writeFileSync(
          authFile,
          JSON.stringify(
            {
              auth_mode: "chatgpt",
              OPENAI_API_KEY: "sk-proj-hygiene-0123456789abcdefghijklmnop",
              tokens: {
                id_token: minted.id_token,
                access_token: minted.access_token,
                refresh_token: minted.refresh_token,
                oauth_provenance: { issuer: emulator.url, client_id: ProviderProfile.defaultClientId },
                account_id: minted.account_id
              },
              last_refresh: "2026-11-21T22:18:32.564613152Z"
            },
            null,
            2
          ),
          { mode: 0o600 }
        )
        evidence.secret("API key", "sk-proj-hygiene-0123456789abcdefghijklmnop")
        const stored = () => {
          if (!Fs.existsSync(authFile)) return
          const json = JSON.parse(Fs.readFileSync(authFile, "utf8"))
          evidence.secret("stored access token", json.tokens?.access_token)
          evidence.secret("stored refresh token", json.tokens?.refresh_token)
          evidence.secret("stored id token", json.tokens?.id_token)
        }

        // Asynchronous: the emulator answers from this very process.
        const run = (args: ReadonlyArray<string>, stdoutIsSecret = false) =>
          Effect.map(cli(args, codexHome, emulator.url), (result) => {
            stored()
            const label = `codex-auth ${args.join(" ")}`
            evidence.see(`${label} stderr`, result.stderr)
            if (!stdoutIsSecret) evidence.see(`${label} stdout`, result.stdout)
            else {
              // What was asked for (the current access token) may be on stdout; nothing else may be.
              const current = Fs.existsSync(authFile)
                ? JSON.parse(Fs.readFileSync(authFile, "utf8")).tokens?.access_token
                : ""
              const rest = current ? result.stdout.split(current).join("") : result.stdout
              evidence.see(`${label} stdout (without the requested access token)`, rest)
            }
            return result
          })

        yield* run(["status"])
        const token = yield* run(["token"], true) // expired: refreshes
        assert.strictEqual(token.status, 0, token.stderr)
        yield* run(["token", "--json"], true)
        yield* run(["headers"], true)
        yield* run(["refresh"])
        yield* run(["status", "--json"])
        yield* emulator.admin.addFault({
          kind: "error_code",
          path: "/oauth/token",
          grantType: "refresh_token",
          code: "refresh_token_reused",
          status: 400,
          count: 5
        })
        const rejected = yield* run(["refresh"])
        assert.notStrictEqual(rejected.status, 0, "a rejected refresh fails")
        yield* emulator.admin.clearFaults
        yield* run(["logout"])
        yield* run(["token"], true)
        for (const entry of yield* emulator.admin.requests) evidence.secret("refresh token sent", entry.refreshToken)
        evidence.check()
      }),
    { timeout: 180_000 }
  )
})
