// The facade's startup path: a fresh auth.json is served without opening the full (Effect) facade, with the same
// answers the full facade gives; everything else opens it once and is its answer.
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { CodexAuth } from "../src/CodexAuth.ts"
import { CodexAuthClosed } from "../src/FacadeErrors.ts"
import * as Full from "../src/internal/facade/full.ts"
import * as FastErrors from "../src/internal/fast/errors.ts"
import * as FastFacade from "../src/internal/fast/facade.ts"

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (payload: Record<string, unknown>): string => `${b64({ alg: "none" })}.${b64(payload)}.sig`
const seconds = (millis: number) => Math.floor(millis / 1000)

let tmp: string
beforeAll(() => {
  tmp = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-fast-facade-")))
})
afterAll(() => Fs.rmSync(tmp, { recursive: true, force: true }))

const homeWith = (name: string, document: unknown): string => {
  const directory = Path.join(tmp, name)
  Fs.mkdirSync(directory, { recursive: true })
  Fs.writeFileSync(Path.join(directory, "auth.json"), JSON.stringify(document, null, 2), { mode: 0o600 })
  return directory
}

const chatGpt = (expiresInMillis: number, accessExtra: Record<string, unknown> = {}) => ({
  auth_mode: "chatgpt",
  OPENAI_API_KEY: null,
  tokens: {
    id_token: jwt({
      email: "ada@example.com",
      "https://api.openai.com/auth": { chatgpt_account_id: "acct-1", chatgpt_plan_type: "pro" }
    }),
    access_token: jwt({ exp: seconds(Date.now() + expiresInMillis), ...accessExtra }),
    refresh_token: "rt",
    account_id: "acct-1"
  },
  last_refresh: "2026-11-20T10:00:00.123456789Z"
})

/** A stand-in for the full facade that records what was asked of it. */
const recorder = () => {
  const calls: Array<string> = []
  let opened = 0
  const auth: CodexAuth = {
    getToken: async () => (calls.push("getToken"), "from-full"),
    getHeaders: async () => (calls.push("getHeaders"), { authorization: "Bearer from-full" }),
    status: async () => {
      calls.push("status")
      throw new Error("status from full")
    },
    login: async () => (calls.push("login"), { method: "device", email: null, accountId: null, plan: null }),
    logout: async () => (calls.push("logout"), { removed: true, revoke: "skipped" }),
    refresh: async () => (calls.push("refresh"), { accessTokenExpiresAt: null }),
    recoverUnauthorized: async () => (calls.push("recoverUnauthorized"), "recovered"),
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
    close: async () => void calls.push("close"),
    [Symbol.asyncDispose]: async () => undefined
  }
  return {
    calls,
    opened: () => opened,
    openFull: async () => {
      opened++
      await new Promise((resolve) => setImmediate(resolve))
      return auth
    }
  }
}

const fastFor = (codexHome: string, full = recorder()) => {
  const location = FastFacade.fastLocation({ codexHome })
  assert.isDefined(location)
  return { auth: FastFacade.make({ codexHome }, location!, full.openFull), full }
}

describe("facade startup path", () => {
  it("serves a fresh token, headers and status exactly as the full facade does, without opening it", async () => {
    for (
      const [name, document] of [
        ["chatgpt", chatGpt(3_600_000, { "https://api.openai.com/auth": { chatgpt_plan_type: "plus" } })],
        ["apikey", { auth_mode: "apikey", OPENAI_API_KEY: "sk-proj-abcdefghijklmnop" }]
      ] as const
    ) {
      const codexHome = homeWith(name, document)
      const { auth, full } = fastFor(codexHome)
      const reference = await Full.open({ codexHome })
      try {
        assert.strictEqual(await auth.getToken(), await reference.getToken(), name)
        assert.deepStrictEqual(await auth.getHeaders(), await reference.getHeaders(), name)
        assert.deepStrictEqual(await auth.status(), await reference.status(), name)
      } finally {
        await reference.close()
      }
      assert.strictEqual(full.opened(), 0, `${name}: the full facade was not needed`)
    }
  })

  it("serves an access-token (Agent Identity) login's status as the full facade does; no bearer from either", async () => {
    const agentToken = `${b64({ alg: "RS256", kid: "k" })}.${
      b64({
        iss: "https://chatgpt.com/codex-backend/agent-identity",
        aud: "codex-app-server",
        exp: seconds(Date.now() + 3_600_000),
        agent_private_key: "MC4CAQAwBQYDK2VwBCIEIAgentKey",
        account_id: "acct-agent",
        email: "agent@example.com",
        plan_type: "business",
        chatgpt_account_is_fedramp: false
      })
    }.c2ln`
    const codexHome = homeWith("agent-identity", {
      auth_mode: "agentIdentity",
      OPENAI_API_KEY: null,
      agent_identity: agentToken
    })
    const { auth, full } = fastFor(codexHome)
    const reference = await Full.open({ codexHome })
    try {
      const status = await auth.status()
      assert.deepStrictEqual(status, await reference.status())
      assert.strictEqual(full.opened(), 0, "status needs no engine")
      assert.deepInclude(status, {
        loggedIn: true,
        mode: "agentIdentity",
        email: "agent@example.com",
        accountId: "acct-agent",
        plan: "business",
        fedramp: false,
        lastRefresh: null
      })
      assert.notInclude(JSON.stringify(status), agentToken.split(".")[1]!)
      const refused = await reference.getToken().catch((error: unknown) => error)
      assert.strictEqual((refused as { _tag?: string })._tag, "BearerTokenUnavailable")
      assert.instanceOf(refused, FastErrors.BearerTokenUnavailable)
      assert.strictEqual(
        ((await reference.getHeaders().catch((error: unknown) => error)) as { _tag?: string })._tag,
        "BearerTokenUnavailable"
      )
      // The startup path has no bearer to serve either: the engine answers (here the stand-in).
      assert.strictEqual(await auth.getToken(), "from-full")
      assert.strictEqual(full.opened(), 1)
    } finally {
      await reference.close()
    }
  })

  it("opens the full facade once for a token that needs a refresh, and answers with it from then on", async () => {
    const { auth, full } = fastFor(homeWith("stale", chatGpt(4 * 60_000)))
    const [a, b] = await Promise.all([auth.getToken(), auth.getToken()])
    assert.deepStrictEqual([a, b], ["from-full", "from-full"])
    assert.strictEqual(full.opened(), 1)
    assert.deepStrictEqual(await auth.getHeaders(), { authorization: "Bearer from-full" })
    assert.deepStrictEqual(full.calls, ["getToken", "getToken", "getHeaders"])
  })

  it("leaves missing, unreadable and logged-out credentials to the full facade (its errors)", async () => {
    for (
      const [name, document] of [
        ["bad-id-token", { tokens: { id_token: "x", access_token: "a", refresh_token: "r" } }],
        ["logged-out", { OPENAI_API_KEY: null }]
      ] as const
    ) {
      const { auth, full } = fastFor(homeWith(name, document))
      assert.strictEqual(await auth.getToken(), "from-full")
      const status = await auth.status().then(() => "resolved", (error: Error) => error.message)
      assert.strictEqual(status, "status from full")
      assert.strictEqual(full.opened(), 1, name)
    }
  })

  it("refresh and recoverUnauthorized adopt a newer stored token the way the session would", async () => {
    const codexHome = homeWith("rotated", chatGpt(3_600_000))
    const { auth, full } = fastFor(codexHome)
    const served = await auth.getToken()
    // The full facade's session now reads another token than the one served: that is the answer, no refresh.
    assert.notStrictEqual(served, "from-full")
    assert.strictEqual(await auth.recoverUnauthorized(), "from-full")
    assert.deepStrictEqual(full.calls, ["getToken"])
    // With nothing newer to adopt, the full facade does the forced refresh.
    assert.strictEqual(await auth.recoverUnauthorized(), "recovered")
    assert.deepStrictEqual(full.calls, ["getToken", "recoverUnauthorized"])
  })

  it("close rejects later calls with CodexAuthClosed and closes the full facade when it was opened", async () => {
    const { auth, full } = fastFor(homeWith("closing", chatGpt(4 * 60_000)))
    await auth.getToken()
    await auth.close()
    await auth.close()
    assert.deepStrictEqual(full.calls, ["getToken", "close"])
    const error = await auth.getToken().then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, CodexAuthClosed)
    const unopened = fastFor(homeWith("closing-fresh", chatGpt(3_600_000)))
    await unopened.auth.close()
    assert.instanceOf(await unopened.auth.status().catch((e: unknown) => e), CodexAuthClosed)
    assert.strictEqual(unopened.full.opened(), 0)
  })

  it("is not used where open() must build the runtime", () => {
    const codexHome = homeWith("conditions", chatGpt(3_600_000))
    assert.isDefined(FastFacade.fastLocation({ codexHome, store: "file" }))
    assert.isUndefined(FastFacade.fastLocation({ codexHome, store: "keyring" }))
    assert.isUndefined(FastFacade.fastLocation({ codexHome, store: "memory" }))
    assert.isUndefined(FastFacade.fastLocation({ codexHome, workspaceIds: ["acct-1"] }))
    assert.isUndefined(FastFacade.fastLocation({ codexHome, proactiveRefresh: true }))
    assert.isUndefined(FastFacade.fastLocation({ codexHome: Path.join(tmp, "missing") }))
    assert.isUndefined(FastFacade.fastLocation({ codexHome, signal: AbortSignal.abort() }))
  })
})
