// The pool through the Promise facade (CodexAuthPool.open) against the emulator over HTTP with three users:
// round-robin across them, reportLimited honoured (and listed), affinity, the typed rejections FacadeErrors exports,
// and close().
import * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuthPool from "@codex-auth/node/CodexAuthPool"
import * as FacadeErrors from "@codex-auth/node/FacadeErrors"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"

const temps: Array<string> = []
const tempDir = (): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-facade-pool-"))
  temps.push(dir)
  return dir
}

const names = ["alpha", "bravo", "charlie"] as const
const users = names.map((name) => Emulator.user({ email: `${name}@example.com` }))

let emulator: StartedEmulatorPromise | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
  for (const dir of temps.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

const authJson = (minted: Emulator.MintedTokens, issuer: string): string =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: Emulator.codexClientId },
        account_id: minted.account_id
      },
      last_refresh: "2026-11-21T22:18:32.564613152Z"
    },
    null,
    2
  )

/** One CODEX_HOME per user with freshly minted tokens (expired ones when `expired`), and a pool config naming them. */
const seed = async (
  started: StartedEmulatorPromise,
  options: { readonly strategy?: AccountPoolConfig.Strategy; readonly expired?: boolean } = {}
) => {
  const dir = tempDir()
  const minted: Record<string, Emulator.MintedTokens> = {}
  for (const name of names) {
    Fs.mkdirSync(Path.join(dir, name))
    minted[name] = await started.admin.mintTokens({
      email: `${name}@example.com`,
      accessTokenTtlSeconds: options.expired === true ? -60 : 3600
    })
    Fs.writeFileSync(Path.join(dir, name, "auth.json"), authJson(minted[name]!, started.url), { mode: 0o600 })
  }
  const configPath = Path.join(dir, "pool.json")
  Fs.writeFileSync(
    configPath,
    AccountPoolConfig.stringify({
      strategy: options.strategy ?? "round-robin",
      accounts: names.map((name) => ({ name, codexHome: name }))
    })
  )
  return { dir, configPath, minted }
}

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => expect.fail("expected a rejection"), (error: unknown) => error)

describe("CodexAuthPool (Promise facade) against the emulator", () => {
  it("round-robins over three users, each request carrying its own account's bearer and account id", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath, minted } = await seed(emulator, { expired: true })
    const pool = await CodexAuthPool.open({ configPath, issuer: emulator.url })
    try {
      const picks: Array<string> = []
      for (let i = 0; i < 6; i++) {
        const { account, headers } = await pool.getHeaders()
        picks.push(account)
        expect(headers["chatgpt-account-id"]).toBe(minted[account]!.account_id)
        // Expired at seed time: each account refreshed once, so the bearer is a new token of that account.
        expect(headers["authorization"]).toMatch(/^Bearer /)
        expect(headers["authorization"]).not.toBe(`Bearer ${minted[account]!.access_token}`)
      }
      expect(picks).toEqual(["alpha", "bravo", "charlie", "alpha", "bravo", "charlie"])
      const grants = (await emulator.admin.requests()).filter((r) => r.grantType === "refresh_token")
      expect(grants).toHaveLength(3)
      const { account, token } = await pool.getToken({ account: "bravo" })
      expect(account).toBe("bravo")
      const stored = JSON.parse(Fs.readFileSync(Path.join(Path.dirname(configPath), "bravo", "auth.json"), "utf8"))
      expect(token).toBe(stored.tokens.access_token)
    } finally {
      await pool.close()
    }
  })

  it("reportLimited takes an account out until its reset time; list shows it; all limited → NoAccountAvailable", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath, minted } = await seed(emulator)
    const pool = await CodexAuthPool.open({ configPath, issuer: emulator.url })
    try {
      const reset = new Date(Date.now() + 3_600_000)
      await pool.reportLimited("bravo", reset)
      const picks: Array<string> = []
      for (let i = 0; i < 4; i++) picks.push((await pool.getHeaders()).account)
      expect(picks).not.toContain("bravo")
      expect(new Set(picks)).toEqual(new Set(["alpha", "charlie"]))

      const listed = await pool.list()
      expect(listed.map((a) => a.name)).toEqual([...names])
      const bravo = listed.find((a) => a.name === "bravo")!
      expect(bravo.health).toBe("cooling-down")
      expect(bravo.until?.getTime()).toBe(reset.getTime())
      expect(bravo.lastLimitedAt).toBeInstanceOf(Date)
      const alpha = listed.find((a) => a.name === "alpha")!
      expect(alpha).toMatchObject({
        health: "healthy",
        until: null,
        mode: "chatgpt",
        email: "alpha@example.com",
        plan: "plus",
        accountId: minted["alpha"]!.account_id
      })
      expect(alpha.accessTokenExpiresAt).toBeInstanceOf(Date)
      expect(alpha.location).toBe(Path.join(Path.dirname(configPath), "alpha", "auth.json"))

      // An explicit request for the limited account is refused with every reason.
      const explicit = await rejection(pool.getHeaders({ account: "bravo" }))
      expect(explicit).toBeInstanceOf(FacadeErrors.NoAccountAvailable)
      expect((explicit as Error).message).toContain("bravo: cooling down until")

      await pool.reportLimited("alpha", reset.getTime())
      await pool.reportLimited("charlie", reset)
      const none = await rejection(pool.getHeaders())
      expect(none).toBeInstanceOf(FacadeErrors.NoAccountAvailable)
      const message = (none as Error).message
      for (const name of names) expect(message).toContain(`${name}: cooling down until ${reset.toISOString()}`)
      for (const name of names) {
        expect(message).not.toContain(minted[name]!.access_token)
        expect(message).not.toContain(minted[name]!.refresh_token)
      }
    } finally {
      await pool.close()
    }
  })

  it("affinity keeps a conversation on its account until that account is limited", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath } = await seed(emulator)
    const pool = await CodexAuthPool.open({ configPath, issuer: emulator.url })
    try {
      const first = (await pool.getHeaders({ affinityKey: "conversation-1" })).account
      for (let i = 0; i < 3; i++) {
        await pool.getHeaders() // other traffic moves the round-robin cursor
        expect((await pool.getHeaders({ affinityKey: "conversation-1" })).account).toBe(first)
      }
      await pool.reportLimited(first)
      const moved = (await pool.getHeaders({ affinityKey: "conversation-1" })).account
      expect(moved).not.toBe(first)
      expect((await pool.getHeaders({ affinityKey: "conversation-1" })).account).toBe(moved)
    } finally {
      await pool.close()
    }
  })

  it("accounts given inline, the fill-first strategy, and an unknown account → AccountNotFound", async () => {
    emulator = await startEmulatorPromise({ users })
    const { dir } = await seed(emulator)
    const pool = await CodexAuthPool.open({
      accounts: names.map((name) => ({ name, codexHome: Path.join(dir, name) })),
      strategy: "fill-first",
      issuer: emulator.url
    })
    try {
      expect((await pool.getHeaders()).account).toBe("alpha")
      expect((await pool.getHeaders()).account).toBe("alpha")
      await pool.reportLimited("alpha")
      expect((await pool.getHeaders()).account).toBe("bravo")
      const unknown = await rejection(pool.reportLimited("delta"))
      expect(unknown).toBeInstanceOf(FacadeErrors.AccountNotFound)
      expect(unknown).toMatchObject({ _tag: "AccountNotFound", name: "delta", known: [...names] })
      expect(FacadeErrors.isCodexAuthError(unknown)).toBe(true)
    } finally {
      await pool.close()
    }
  })

  it("an account without credentials needs login and the others serve", async () => {
    emulator = await startEmulatorPromise({ users })
    const { dir, configPath } = await seed(emulator)
    Fs.rmSync(Path.join(dir, "bravo", "auth.json"))
    const pool = await CodexAuthPool.open({ configPath, issuer: emulator.url })
    try {
      const picks: Array<string> = []
      for (let i = 0; i < 4; i++) picks.push((await pool.getHeaders()).account)
      expect(picks).toEqual(["alpha", "charlie", "alpha", "charlie"])
      const bravo = (await pool.list()).find((a) => a.name === "bravo")!
      expect(bravo).toMatchObject({ health: "needs-login", mode: null })
      expect(bravo.reason).toEqual(expect.any(String))
    } finally {
      await pool.close()
    }
  })

  it("a broken config rejects open with PoolConfigInvalid naming the file", async () => {
    const configPath = Path.join(tempDir(), "pool.json")
    Fs.writeFileSync(configPath, `{"stratgy": "round-robin"}`)
    const error = await rejection(CodexAuthPool.open({ configPath }))
    expect(error).toBeInstanceOf(FacadeErrors.PoolConfigInvalid)
    expect((error as Error).message).toContain(configPath)
  })

  it("after close() (or its signal), calls reject with CodexAuthClosed; close is idempotent", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath } = await seed(emulator)
    const pool = await CodexAuthPool.open({ configPath, issuer: emulator.url })
    expect((await pool.getHeaders()).account).toBe("alpha")
    await pool.close()
    await pool.close()
    const closed = await rejection(pool.getHeaders())
    expect(closed).toBeInstanceOf(FacadeErrors.CodexAuthClosed)
    expect(closed).toMatchObject({ operation: "getHeaders" })

    const controller = new AbortController()
    const second = await CodexAuthPool.open({ configPath, issuer: emulator.url, signal: controller.signal })
    expect((await second.list()).length).toBe(3)
    controller.abort()
    await expect(second.list()).rejects.toBeInstanceOf(FacadeErrors.CodexAuthClosed)
  })

  it("FacadeErrors re-exports the pool and API-key errors", () => {
    expect(new FacadeErrors.ApiKeyMissing()._tag).toBe("ApiKeyMissing")
    expect(new FacadeErrors.DuplicateAccount({ name: "x" }).message).toContain("\"x\"")
    expect(new FacadeErrors.PoolConfigInvalid({ path: "/p.json", reason: "r" }).message).toContain("/p.json")
  })
})
