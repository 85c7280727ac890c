// The facade's warm path (internal/fast/hot.ts): a fresh bearer is handed out from plain memory without reaching the
// instance behind it (the startup path or the Effect runtime); it is dropped by refresh, login, logout and
// recoverUnauthorized, goes stale by the §9 rule, and the error classes CodexAuth exports match by `_tag`.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import { afterAll, afterEach, assert, beforeAll, describe, it, vi } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as HotCache from "../src/internal/fast/hot.ts"

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (payload: Record<string, unknown>): string => `${b64({ alg: "none" })}.${b64(payload)}.sig`
const expiringIn = (millis: number, name = "t"): string => jwt({ exp: Math.floor((Date.now() + millis) / 1000), name })

afterEach(() => {
  vi.useRealTimers()
})

/** A stand-in for the instance behind the cache: scripted answers, every call recorded. */
const scripted = (initial: string) => {
  const calls: Array<string> = []
  const state = { bearer: initial, closed: false }
  const pending: Array<() => void> = []
  const auth: CodexAuth.CodexAuth = {
    getToken: async () => {
      calls.push("getToken")
      if (state.closed) throw new Error("closed")
      return state.bearer
    },
    getHeaders: async () => {
      calls.push("getHeaders")
      return { authorization: `Bearer ${state.bearer}`, "chatgpt-account-id": "acct-1" }
    },
    status: async () => {
      calls.push("status")
      throw new Error("not scripted")
    },
    login: async () => (calls.push("login"), { method: "device", email: null, accountId: null, plan: null }),
    logout: async () => (calls.push("logout"), { removed: true, revoke: "skipped" }),
    refresh: async () => {
      calls.push("refresh")
      state.bearer = expiringIn(3_600_000, "refreshed")
      return { accessTokenExpiresAt: null }
    },
    recoverUnauthorized: async () => {
      calls.push("recoverUnauthorized")
      state.bearer = expiringIn(3_600_000, "recovered")
      return state.bearer
    },
    beginLogin: async () => {
      calls.push("beginLogin")
      throw new Error("not scripted")
    },
    finishLogin:
      async () => (calls.push("finishLogin"), { method: "custom", email: null, accountId: null, plan: null }),
    awaitLogin: async () => (calls.push("awaitLogin"), { method: "browser", email: null, accountId: null, plan: null }),
    openInBrowser: async () => void calls.push("openInBrowser"),
    cancelLogin: async () => void calls.push("cancelLogin"),
    events: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) }),
    close: async () => {
      calls.push("close")
      state.closed = true
    },
    [Symbol.asyncDispose]: async () => undefined
  }
  return { auth, calls, state, pending }
}

const count = (calls: ReadonlyArray<string>, name: string): number => calls.filter((call) => call === name).length

describe("facade warm path (plain-JS cache in front of the runtime)", () => {
  it("serves a fresh bearer from memory: the instance behind is asked once", async () => {
    const fresh = expiringIn(3_600_000)
    const inner = scripted(fresh)
    const auth = HotCache.make(inner.auth)
    const before = HotCache.passedThrough.count
    for (let i = 0; i < 100; i++) assert.strictEqual(await auth.getToken(), fresh)
    assert.strictEqual(count(inner.calls, "getToken"), 1)
    assert.strictEqual(HotCache.passedThrough.count - before, 1)
  })

  it("asks again once the bearer is within 5 minutes of its exp, and for bearers without exp", async () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    const inner = scripted(expiringIn(10 * 60_000))
    const auth = HotCache.make(inner.auth)
    await auth.getToken()
    await auth.getToken()
    assert.strictEqual(count(inner.calls, "getToken"), 1, "fresh: 10 minutes left")
    vi.setSystemTime(Date.now() + 5 * 60_000) // exactly 5 minutes left: §9 says refresh
    await auth.getToken()
    await auth.getToken()
    assert.strictEqual(count(inner.calls, "getToken"), 3, "stale: every call falls through")

    const apiKey = scripted("sk-proj-abcdefghijklmnop")
    const keyed = HotCache.make(apiKey.auth)
    assert.strictEqual(await keyed.getToken(), "sk-proj-abcdefghijklmnop")
    await keyed.getToken()
    assert.strictEqual(count(apiKey.calls, "getToken"), 2, "no exp: not cached here")
  })

  it("getHeaders: cached with the bearer, a new object on every call", async () => {
    const fresh = expiringIn(3_600_000)
    const inner = scripted(fresh)
    const auth = HotCache.make(inner.auth)
    const first = await auth.getHeaders()
    first["authorization"] = "Bearer changed-by-caller"
    first["x-extra"] = "1"
    const second = await auth.getHeaders()
    assert.deepStrictEqual(second, { authorization: `Bearer ${fresh}`, "chatgpt-account-id": "acct-1" })
    assert.notStrictEqual(second, await auth.getHeaders())
    assert.isFalse(Object.isFrozen(second))
    assert.strictEqual(count(inner.calls, "getHeaders"), 1)
    assert.strictEqual(await auth.getToken(), fresh)
    assert.strictEqual(count(inner.calls, "getToken"), 0, "getHeaders filled the token too")
  })

  it("refresh, login and logout drop the cache; recoverUnauthorized keeps the bearer it returns", async () => {
    const inner = scripted(expiringIn(3_600_000, "first"))
    const auth = HotCache.make(inner.auth)
    const first = await auth.getToken()
    await auth.getHeaders()

    await auth.refresh()
    const refreshed = await auth.getToken()
    assert.notStrictEqual(refreshed, first)
    assert.strictEqual(refreshed, inner.state.bearer)
    assert.strictEqual((await auth.getHeaders())["authorization"], `Bearer ${refreshed}`)

    const recovered = await auth.recoverUnauthorized()
    const callsBefore = count(inner.calls, "getToken")
    assert.strictEqual(await auth.getToken(), recovered)
    assert.strictEqual(count(inner.calls, "getToken"), callsBefore, "the recovered bearer is served from memory")

    await auth.logout()
    inner.state.bearer = "sk-after-logout"
    assert.strictEqual(await auth.getToken(), "sk-after-logout")
    await auth.login()
    inner.state.bearer = expiringIn(3_600_000, "after-login")
    assert.strictEqual(await auth.getToken(), inner.state.bearer)
  })

  it("a getToken that was in flight across a refresh does not put the old bearer back", async () => {
    const old = expiringIn(3_600_000, "old")
    const inner = scripted(old)
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow: CodexAuth.CodexAuth = {
      ...inner.auth,
      getToken: async () => {
        const bearer = inner.state.bearer
        await gate
        return bearer
      }
    }
    const auth = HotCache.make(slow)
    const inFlight = auth.getToken()
    await auth.refresh()
    release()
    assert.strictEqual(await inFlight, old)
    const next = await auth.getToken()
    assert.strictEqual(next, inner.state.bearer)
    assert.notStrictEqual(next, old)
  })

  it("close() and the abort signal drop the cache: calls reach the closed instance", async () => {
    const inner = scripted(expiringIn(3_600_000))
    const auth = HotCache.make(inner.auth)
    await auth.getToken()
    await auth.close()
    const error = await auth.getToken().then(() => undefined, (e: Error) => e.message)
    assert.strictEqual(error, "closed")

    const controller = new AbortController()
    const other = scripted(expiringIn(3_600_000))
    const aborted = HotCache.make(other.auth, controller.signal)
    await aborted.getToken()
    controller.abort()
    other.state.closed = true
    assert.strictEqual(await aborted.getToken().then(() => "served", () => "rejected"), "rejected")
  })
})

describe("facade warm path through CodexAuth.open (emulator, file store)", () => {
  let emulator: StartedEmulatorPromise
  let tmp: string
  beforeAll(async () => {
    emulator = await startEmulatorPromise()
    tmp = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-facade-warm-")))
  })
  afterAll(async () => {
    await emulator.close()
    Fs.rmSync(tmp, { recursive: true, force: true })
  })

  const writeAuth = (codexHome: string, minted: { id_token: string; access_token: string; refresh_token: string }) =>
    Fs.writeFileSync(
      Path.join(codexHome, "auth.json"),
      JSON.stringify(
        {
          auth_mode: "chatgpt",
          OPENAI_API_KEY: null,
          tokens: {
            id_token: minted.id_token,
            access_token: minted.access_token,
            refresh_token: minted.refresh_token,
            oauth_provenance: { issuer: emulator.url, client_id: "app_EMoamEEZ73f0CkXaXp7hrann" }
          },
          last_refresh: new Date().toISOString()
        },
        null,
        2
      ),
      { mode: 0o600 }
    )

  it("after a refresh through the runtime, getToken is served without entering it; logout drops it", async () => {
    const codexHome = Fs.mkdtempSync(Path.join(tmp, "home-"))
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuth(codexHome, minted)
    const auth = await CodexAuth.open({ codexHome, issuer: emulator.url })
    try {
      assert.strictEqual(await auth.getToken(), minted.access_token)
      await auth.refresh() // opens the full facade (the Effect runtime): a refresh grant
      const stored = JSON.parse(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"))
      assert.notStrictEqual(stored.tokens.access_token, minted.access_token)

      const before = HotCache.passedThrough.count
      const first = await auth.getToken()
      assert.strictEqual(first, stored.tokens.access_token)
      assert.strictEqual(HotCache.passedThrough.count - before, 1, "the first call asks the session")
      for (let i = 0; i < 50; i++) assert.strictEqual(await auth.getToken(), first)
      const headers = await auth.getHeaders()
      assert.strictEqual(headers["authorization"], `Bearer ${first}`)
      assert.strictEqual(HotCache.passedThrough.count - before, 2, "then no runtime call but the first getHeaders")
      for (let i = 0; i < 50; i++) await auth.getHeaders()
      assert.strictEqual(HotCache.passedThrough.count - before, 2)

      const result = await auth.logout()
      assert.deepStrictEqual(result, { removed: true, revoke: "revoked" })
      const error = await auth.getToken().then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, CodexAuth.LoginRequired)
      assert.strictEqual((error as CodexAuth.LoginRequired)._tag, "LoginRequired")
      assert.strictEqual(HotCache.passedThrough.count - before, 3)
    } finally {
      await auth.close()
    }
  })

  it("logout({ revoke: false }) forgets the tokens too: getToken then needs a login, the issuer is not called", async () => {
    const codexHome = Fs.mkdtempSync(Path.join(tmp, "home-"))
    writeAuth(codexHome, await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 }))
    const auth = await CodexAuth.open({ codexHome, issuer: emulator.url })
    try {
      await auth.refresh() // the session now holds the tokens in memory
      await auth.getToken()
      const revokesBefore = (await emulator.admin.requests()).filter((r) => r.path === "/oauth/revoke").length
      assert.deepStrictEqual(await auth.logout({ revoke: false }), { removed: true, revoke: "skipped" })
      const revokesAfter = (await emulator.admin.requests()).filter((r) => r.path === "/oauth/revoke").length
      assert.strictEqual(revokesAfter, revokesBefore)
      assert.isFalse(Fs.existsSync(Path.join(codexHome, "auth.json")))
      const error = await auth.getToken().then(() => undefined, (e: unknown) => e)
      assert.strictEqual((error as { _tag?: string } | undefined)?._tag, "LoginRequired")
    } finally {
      await auth.close()
    }
  })

  it("another process's refresh is picked up once the cached token is no longer fresh", async () => {
    const codexHome = Fs.mkdtempSync(Path.join(tmp, "home-"))
    const first = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuth(codexHome, first)
    const auth = await CodexAuth.open({ codexHome, issuer: emulator.url })
    try {
      assert.strictEqual(await auth.getToken(), first.access_token)
      const second = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 36_000 })
      writeAuth(codexHome, second) // another process refreshed
      assert.strictEqual(await auth.getToken(), first.access_token, "still fresh: served from memory, as the session")
      vi.useFakeTimers({ toFake: ["Date"] })
      vi.setSystemTime(Date.now() + 56 * 60_000) // the first token now has < 5 minutes left
      assert.strictEqual(await auth.getToken(), second.access_token)
    } finally {
      vi.useRealTimers()
      await auth.close()
    }
  })
})
