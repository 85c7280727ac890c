// The app-server bridge as a library, against a scripted app-server (the protocol of APP-SERVER.md) and a real
// session over the file store (in-memory files) with a counting OAuth client. Time under TestClock: the deadline,
// the repeat window and the proactive re-sign-in before exp.
import * as AppServerBridge from "@codex-auth/app-server/AppServerBridge"
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { OAuthClient } from "@codex-auth/core/OAuthClient"
import type * as OAuthClientModule from "@codex-auth/core/OAuthClient"
import { RefreshTokenRejected } from "@codex-auth/core/OAuthError"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Buffer } from "node:buffer"

const home = "/home/user/.codex"
const authFile = `${home}/auth.json`
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (claims: unknown) => `${b64({ alg: "none" })}.${b64(claims)}.c2ln`
const auth = { chatgpt_account_id: "acct-1", chatgpt_plan_type: "pro" }
const accessToken = (label: string, expSeconds: number) =>
  jwt({ exp: expSeconds, label, "https://api.openai.com/auth": auth })
const idToken = jwt({ email: "user@example.com", "https://api.openai.com/auth": { ...auth, chatgpt_user_id: "u-1" } })
const hourMillis = 60 * 60 * 1000
const firstAccess = accessToken("first", hourMillis / 1000)

const authText = (access: string, refresh: string) =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: { id_token: idToken, access_token: access, refresh_token: refresh, account_id: "acct-1" },
      last_refresh: "1970-01-01T00:00:00Z"
    },
    null,
    2
  )

type Respond = (call: number, now: number) => Effect.Effect<OAuthClientModule.RefreshResponse, RefreshTokenRejected>

const rotated: Respond = (call, now) =>
  Effect.succeed({
    idToken: Option.some(Redacted.make(idToken)),
    accessToken: Option.some(Redacted.make(accessToken(`new-${call}`, (now + hourMillis) / 1000))),
    refreshToken: Option.some(Redacted.make(`rt-${call + 1}`))
  })

const labelOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).label

/** A session over an in-memory auth.json, counting the refresh grants its OAuth client makes. */
const makeSession = (respond: Respond = rotated) =>
  Effect.gen(function*() {
    const files = yield* SecretFile.makeMemory({ directories: [home] })
    yield* Effect.orDie(files.writeAtomic(authFile, authText(firstAccess, "rt-1"), { mode: 0o600 }))
    const grants: Array<number> = []
    const oauth = Layer.succeed(
      OAuthClient,
      {
        refresh: () =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            grants.push(now)
            return respond(grants.length, now)
          }),
        revoke: () => Effect.void
      } as unknown as OAuthClient["Type"]
    )
    const context = Layer.mergeAll(
      FileCredentialStore.layer.pipe(
        Layer.provideMerge(CodexHome.layer(home)),
        Layer.provide(Layer.succeed(SecretFile.SecretFile, files))
      ),
      oauth,
      ProviderProfile.layer()
    )
    const session = yield* Session.make({ refreshRetries: 0 }).pipe(Effect.provide(context))
    const storedText = Effect.map(Effect.orDie(files.read(authFile)), Option.getOrUndefined)
    const storedAccess = Effect.map(storedText, (text) => {
      if (text === undefined) return undefined
      const document = Effect.runSync(Effect.orDie(AuthJson.parse(text, { path: authFile })))
      return Redacted.value(Option.getOrThrow(TokenSet.fromAuthDocument(document)).accessToken)
    })
    return { session, grants, storedText, storedAccess }
  })

/**
 * A scripted app-server: answers initialize and account/login/start (then account/login/completed), records every
 * line it gets, and sends refresh requests on demand, keeping the answers by id.
 */
const makeServer = () => {
  const received: Array<any> = []
  const answers = new Map<number, any>()
  const toHost: Array<string> = []
  let nextServerId = 0
  let bearer: string | undefined
  let bridge: AppServerBridge.AppServerBridge | undefined
  const send = (message: unknown) => bridge!.fromServer(JSON.stringify(message))
  const toServer = (line: string): Effect.Effect<void> =>
    Effect.gen(function*() {
      let message: any
      try {
        message = JSON.parse(line)
      } catch {
        return received.push({ unparsed: line })
      }
      received.push(message)
      if (message.method === "initialize") {
        yield* send({ id: message.id, result: { userAgent: "fake/0.169.0", codexHome: home } })
      } else if (message.method === "account/login/start") {
        if (!message.params.accessToken.includes(".")) {
          return yield* send({
            id: message.id,
            error: { code: -32603, message: "failed to set external auth: invalid ID token format" }
          })
        }
        bearer = message.params.accessToken
        yield* send({ id: message.id, result: { type: "chatgptAuthTokens" } })
        yield* send({
          method: "account/login/completed",
          params: { loginId: null, success: true, error: null, onboardingEntrypoint: null }
        })
      } else if (message.method === "account/logout") {
        bearer = undefined
        yield* send({ id: message.id, result: {} })
      } else if (message.method === undefined && typeof message.id === "number") {
        answers.set(message.id, message)
        if (message.result?.accessToken) bearer = message.result.accessToken
      } else if (message.id !== undefined) {
        yield* send({ id: message.id, result: { echo: message.method } })
      }
    })
  return {
    received,
    answers,
    toHost,
    bearer: () => bearer,
    attach: (b: AppServerBridge.AppServerBridge) => (bridge = b),
    toServer,
    options: { toServer, toHost: (line: string) => Effect.sync(() => void toHost.push(line)) },
    /** The server asks for a refresh after a 401; answers its id. */
    askRefresh: (previousAccountId = "acct-1") =>
      Effect.as(
        send({
          method: "account/chatgptAuthTokens/refresh",
          id: nextServerId,
          params: { reason: "unauthorized", previousAccountId }
        }),
        nextServerId++
      ),
    logins: () => received.filter((m) => m.method === "account/login/start")
  }
}

const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
})

const hostLines = [
  JSON.stringify({ id: 1, method: "initialize", params: { clientInfo: { name: "host", version: "1" } } }),
  JSON.stringify({ method: "initialized" }),
  JSON.stringify({ id: 2, method: "thread/start", params: { cwd: "/tmp" } }),
  "not json at all",
  JSON.stringify({ id: "three", method: "model/list" })
]

describe("AppServerBridge", () => {
  it.scoped("the host's initialize gains experimentalApi; the first request after initialized waits for the login", () =>
    Effect.gen(function*() {
      const { session } = yield* makeSession()
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, server.options)
      server.attach(bridge)
      for (const line of hostLines) yield* bridge.fromHost(line)

      const methods = server.received.map((m) => m.method ?? m.unparsed)
      assert.deepStrictEqual(methods, [
        "initialize",
        "initialized",
        "account/login/start",
        "thread/start",
        "not json at all",
        "model/list"
      ])
      assert.deepStrictEqual(server.received[0].params.capabilities, { experimentalApi: true })
      assert.deepStrictEqual(server.received[0].params.clientInfo, { name: "host", version: "1" })
      const login = server.logins()[0]
      assert.deepStrictEqual(login.params, {
        type: "chatgptAuthTokens",
        accessToken: firstAccess,
        chatgptAccountId: "acct-1",
        chatgptPlanType: null
      })
      // The bridge's own answers stay with it; everything else reaches the host as the server sent it.
      assert.deepStrictEqual(server.toHost.map((line) => JSON.parse(line).id ?? JSON.parse(line).method), [
        1,
        "account/login/completed",
        2,
        "three"
      ])
      assert.strictEqual((yield* bridge.stats).signIns, 1)
    }))

  it.scoped("host lines other than initialize pass byte for byte; a host that asks for experimentalApi is untouched", () =>
    Effect.gen(function*() {
      const { session } = yield* makeSession()
      const lines: Array<string> = []
      const bridge = yield* AppServerBridge.make(session, {
        toServer: (line) => Effect.sync(() => void lines.push(line))
      })
      const raw = [
        "{\"id\":7,\"method\":\"initialize\",\"params\":{\"capabilities\":{\"experimentalApi\":true}}}  ",
        "{ \"method\" : \"initialized\" }\r",
        "garbage\r"
      ]
      for (const line of raw) yield* bridge.fromHost(line)
      assert.deepStrictEqual(lines, raw)
    }))

  it.scoped("three refresh requests (repeated after answers): one grant, all answered with the fresh token", () =>
    Effect.gen(function*() {
      const { grants, session, storedAccess } = yield* makeSession()
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, server.options)
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      const ids = [yield* server.askRefresh(), yield* server.askRefresh()]
      yield* settle
      ids.push(yield* server.askRefresh())
      yield* settle
      assert.strictEqual(grants.length, 1)
      const tokens = ids.map((id) => server.answers.get(id)?.result?.accessToken)
      assert.deepStrictEqual(tokens.map(labelOf), ["new-1", "new-1", "new-1"])
      assert.deepStrictEqual(ids.map((id) => server.answers.get(id).result.chatgptAccountId), Array(3).fill("acct-1"))
      assert.strictEqual(yield* storedAccess, tokens[0])
      assert.strictEqual(server.bearer(), tokens[0])
      // Refresh requests never reach the host.
      assert.isFalse(server.toHost.some((line) => line.includes("chatgptAuthTokens/refresh")))
      const stats = yield* bridge.stats
      assert.deepStrictEqual([stats.refreshRequests, stats.refreshAnswers, stats.sessionRefreshes], [3, 3, 1])

      // Past the repeat window, a new 401 (the fresh token rejected too) is a new refresh.
      yield* TestClock.adjust(Duration.seconds(11))
      const later = yield* server.askRefresh()
      yield* settle
      assert.strictEqual(grants.length, 2)
      assert.strictEqual(labelOf(server.answers.get(later).result.accessToken), "new-2")
    }))

  it.scoped("a refresh the issuer refuses: an error answer at once, auth.json untouched", () =>
    Effect.gen(function*() {
      const { grants, session, storedText } = yield* makeSession(() =>
        Effect.fail(new RefreshTokenRejected({ reason: "expired", status: 401, detail: "refresh_token_expired" }))
      )
      const before = yield* storedText
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, server.options)
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      const id = yield* server.askRefresh()
      yield* settle
      assert.strictEqual(grants.length, 1)
      const answer = server.answers.get(id)
      assert.strictEqual(answer.error.code, -32000)
      assert.match(answer.error.message, /^codex-auth could not refresh the ChatGPT login: /)
      assert.notInclude(answer.error.message, "rt-1")
      assert.strictEqual(yield* storedText, before)
      assert.strictEqual((yield* bridge.stats).refreshErrors, 1)
    }))

  it.scoped("a refresh slower than the deadline: an error answer at 8 s, before the server's 10 s", () =>
    Effect.gen(function*() {
      const { session } = yield* makeSession((call, now) =>
        Effect.zipRight(Effect.sleep("30 seconds"), rotated(call, now))
      )
      const server = makeServer()
      // No watch in the way: the next request must be answered from the landed refresh, not from a re-sign-in.
      const bridge = yield* AppServerBridge.make(session, { ...server.options, watchInterval: Duration.hours(4) })
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      const id = yield* server.askRefresh()
      // A second request queued behind the first: its deadline runs from its arrival, not from its turn.
      const queued = yield* server.askRefresh()
      yield* settle
      yield* TestClock.adjust(Duration.millis(7_999))
      assert.isFalse(server.answers.has(id), "not before the deadline")
      yield* TestClock.adjust(Duration.millis(1))
      yield* settle
      const answer = server.answers.get(id)
      assert.strictEqual(answer?.error?.code, -32000)
      assert.match(answer.error.message, /did not produce a token within 8s/)
      assert.strictEqual(server.answers.get(queued)?.error?.code, -32000, "the queued one by 8 s too")
      // The refresh itself was not cut: it lands later, and the next request is answered from it.
      yield* TestClock.adjust(Duration.seconds(30))
      const next = yield* server.askRefresh()
      yield* settle
      yield* TestClock.adjust(Duration.seconds(1))
      yield* settle
      assert.isDefined(server.answers.get(next)?.result?.accessToken)
    }))

  it.scoped("proactive: signed in again with a fresh token before exp, though the server never asked", () =>
    Effect.gen(function*() {
      const { grants, session } = yield* makeSession()
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, { ...server.options, watchInterval: Duration.hours(4) })
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      assert.strictEqual(server.logins().length, 1)
      const windowOpens = hourMillis - TokenSet.refreshSkewMillis
      yield* TestClock.setTime(windowOpens - 1_000)
      assert.strictEqual(server.logins().length, 1, "nothing before the refresh window")
      yield* TestClock.setTime(windowOpens + 1_000)
      yield* settle
      assert.strictEqual(grants.length, 1)
      assert.strictEqual(server.logins().length, 2)
      assert.strictEqual(labelOf(server.logins()[1].params.accessToken), "new-1")
      assert.isBelow(grants[0]!, hourMillis, "before the first token expired")
      // And again for the next token, an hour later.
      yield* TestClock.adjust(Duration.hours(1))
      yield* settle
      assert.strictEqual(server.logins().length, 3)
      assert.strictEqual(labelOf(server.logins()[2].params.accessToken), "new-2")
    }))

  it.scoped("the session's own refresh and logout reach the server at the next resync", () =>
    Effect.gen(function*() {
      const { session } = yield* makeSession()
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, server.options)
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      yield* Effect.orDie(session.refresh)
      yield* bridge.resync
      assert.strictEqual(labelOf(server.bearer()!), "new-1")
      yield* Effect.orDie(session.logoutWith({ revoke: false }))
      yield* bridge.resync
      assert.isTrue(server.received.some((m) => m.method === "account/logout"))
      assert.isUndefined(server.bearer())
      // The watch does it without being asked, too: a fresh bridge, the session refreshed behind it.
    }))

  it.scoped("the watch notices a refresh by the session within watchInterval", () =>
    Effect.gen(function*() {
      const { session } = yield* makeSession()
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, { ...server.options, watchInterval: Duration.seconds(5) })
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      yield* Effect.orDie(session.refresh)
      assert.strictEqual(server.bearer(), firstAccess)
      yield* TestClock.adjust(Duration.seconds(6))
      yield* settle
      assert.strictEqual(labelOf(server.bearer()!), "new-1")
    }))

  it.scoped("an embedder's handshake: initialize with experimentalApi, initialized, then the login", () =>
    Effect.gen(function*() {
      const { session } = yield* makeSession()
      const server = makeServer()
      const bridge = yield* AppServerBridge.make(session, { toServer: server.toServer })
      server.attach(bridge)
      const fiber = yield* Effect.fork(bridge.handshake({ name: "embedder", version: "2" }))
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(server.received.map((m) => m.method), [
        "initialize",
        "initialized",
        "account/login/start"
      ])
      assert.isTrue(server.received[0].params.capabilities.experimentalApi)
      assert.strictEqual(server.bearer(), firstAccess)
    }))
})

describe("AppServerBridge with a pool", () => {
  it.scoped("follows previousAccountId: the refresh comes from that account's session", () =>
    Effect.gen(function*() {
      const first = yield* makeSession()
      const other = yield* makeSession((call, now) =>
        Effect.succeed({
          idToken: Option.some(Redacted.make(idToken)),
          accessToken: Option.some(Redacted.make(accessToken(`other-${call}`, (now + hourMillis) / 1000))),
          refreshToken: Option.some(Redacted.make(`rt-other-${call + 1}`))
        })
      )
      const server = makeServer()
      const asked: Array<string> = []
      const bridge = yield* AppServerBridge.make(first.session, {
        ...server.options,
        sessionFor: (accountId) =>
          Effect.sync(() => {
            asked.push(accountId)
            return accountId === "acct-pool-2" ? other.session : undefined
          })
      })
      server.attach(bridge)
      for (const line of hostLines.slice(0, 3)) yield* bridge.fromHost(line)
      const id = yield* server.askRefresh("acct-pool-2")
      yield* settle
      assert.deepStrictEqual(asked, ["acct-pool-2"])
      assert.deepStrictEqual([first.grants.length, other.grants.length], [0, 1])
      assert.strictEqual(labelOf(server.answers.get(id).result.accessToken), "other-1")
      // An account the pool does not know falls back to the bridge's own session, whose token the server does not
      // hold: that answers, without a refresh.
      yield* TestClock.adjust(Duration.seconds(11))
      const fallback = yield* server.askRefresh("acct-unknown")
      yield* settle
      assert.deepStrictEqual(asked, ["acct-pool-2", "acct-unknown"])
      assert.strictEqual(first.grants.length, 0)
      assert.strictEqual(server.answers.get(fallback).result.accessToken, firstAccess)
    }))
})
