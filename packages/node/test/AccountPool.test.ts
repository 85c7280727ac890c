// The Node account pool: the config file (default path, relative CODEX_HOMEs, concurrent adds under its lock) and the
// Promise API against the emulator over HTTP with three users — round-robin order, a revoked account dropping out
// while the others serve, reported limits, and the listing.
import * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as NodeAccountPool from "@codex-auth/node/NodeAccountPool"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"

const temps: Array<string> = []
const tempDir = (): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-pool-"))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of temps.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromJson(env))

describe("pool config on Node", () => {
  it("the path: explicit, else $CODEX_AUTH_POOL, else ~/.codex/codex-auth-pool.json", async () => {
    expect(await Effect.runPromise(NodeAccountPool.configPath("rel/p.json"))).toBe(Path.resolve("rel/p.json"))
    expect(await Effect.runPromise(NodeAccountPool.configPath().pipe(withEnv({ CODEX_AUTH_POOL: "/x/pool.json" }))))
      .toBe("/x/pool.json")
    expect(await Effect.runPromise(NodeAccountPool.configPath().pipe(withEnv({})))).toBe(
      Path.join(Os.homedir(), ".codex", "codex-auth-pool.json")
    )
  })

  it("addAccount creates the account's CODEX_HOME (0700) and the config (0600); concurrent adds keep both", async () => {
    const dir = tempDir()
    const configPath = Path.join(dir, "pool.json")
    const added = await Effect.runPromise(
      Effect.all(
        ["work", "personal", "spare"].map((name) => NodeAccountPool.addAccount({ name }, { configPath })),
        { concurrency: "unbounded" }
      )
    )
    expect(added.map((a) => a.codexHome)).toEqual(
      ["work", "personal", "spare"].map((n) => Path.join(dir, "accounts", n))
    )
    for (const account of added) expect(Fs.statSync(account.codexHome).mode & 0o777).toBe(0o700)
    expect(Fs.statSync(configPath).mode & 0o777).toBe(0o600)
    const config = Either.getOrThrow(
      AccountPoolConfig.parse(Fs.readFileSync(configPath, "utf8"), { path: configPath })
    )
    expect(config.accounts.map((a) => a.name).sort()).toEqual(["personal", "spare", "work"])
    const again = await Effect.runPromise(
      NodeAccountPool.addAccount({ name: "work", codexHome: Path.join(dir, "elsewhere") }, { configPath })
    )
    expect(again.replaced).toBe(true)
    expect(await Effect.runPromise(NodeAccountPool.removeAccount("spare", { configPath }))).toBe(true)
    expect(await Effect.runPromise(NodeAccountPool.removeAccount("spare", { configPath }))).toBe(false)
    const final = Either.getOrThrow(AccountPoolConfig.parse(Fs.readFileSync(configPath, "utf8"), { path: configPath }))
    expect(final.accounts.find((a) => a.name === "work")?.codexHome).toBe(Path.join(dir, "elsewhere"))
    expect(final.accounts.map((a) => a.name)).not.toContain("spare")
  })

  it("an invalid account name is refused with the file named", async () => {
    const configPath = Path.join(tempDir(), "pool.json")
    const error = await Effect.runPromise(Effect.flip(NodeAccountPool.addAccount({ name: "../evil" }, { configPath })))
    expect(error._tag).toBe("PoolConfigInvalid")
    expect(error.message).toContain(configPath)
    expect(Fs.existsSync(configPath)).toBe(false)
  })

  it("a broken config file makes openPool reject with PoolConfigInvalid", async () => {
    const configPath = Path.join(tempDir(), "pool.json")
    Fs.writeFileSync(configPath, `{"strategy": "sometimes"}`)
    await expect(NodeAccountPool.openPool({ configPath })).rejects.toMatchObject({ _tag: "PoolConfigInvalid" })
  })
})

const users = ["work", "personal", "spare"].map((name) => Emulator.user({ email: `${name}@example.com` }))

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

/** A pool config with one relative CODEX_HOME per user, each holding freshly minted (expired) tokens. */
const seedPool = async (emulator: StartedEmulatorPromise, strategy: AccountPoolConfig.Strategy) => {
  const dir = tempDir()
  const minted: Record<string, Emulator.MintedTokens> = {}
  const accounts = []
  for (const user of users) {
    const name = user.email.split("@")[0]!
    Fs.mkdirSync(Path.join(dir, name))
    minted[name] = await emulator.admin.mintTokens({ email: user.email, accessTokenTtlSeconds: -60 })
    Fs.writeFileSync(Path.join(dir, name, "auth.json"), authJson(minted[name], emulator.url), { mode: 0o600 })
    accounts.push({ name, codexHome: name })
  }
  const configPath = Path.join(dir, "pool.json")
  Fs.writeFileSync(configPath, AccountPoolConfig.stringify({ strategy, accounts }))
  return { dir, configPath, minted }
}

describe("openPool against the emulator (three accounts)", () => {
  let emulator: StartedEmulatorPromise | undefined
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
  })

  it("round-robin over the three, one refresh each, every header set its own account's", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath } = await seedPool(emulator, "round-robin")
    const pool = await NodeAccountPool.openPool({ configPath, profile: { issuer: emulator.url } })
    try {
      const picks = []
      for (let i = 0; i < 6; i++) {
        const { account, headers } = await pool.getHeaders()
        picks.push(account)
        expect(headers["chatgpt-account-id"]).toBe(`acct-${account}-example-com`)
        expect(headers["authorization"]).toMatch(/^Bearer /)
      }
      expect(picks).toEqual(["work", "personal", "spare", "work", "personal", "spare"])
      const grants = (await emulator.admin.requests()).filter((r) => r.grantType === "refresh_token")
      expect(grants).toHaveLength(3)
    } finally {
      await pool.close()
    }
  })

  it("an account whose refresh token the emulator revoked drops out while the others serve", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath, minted } = await seedPool(emulator, "round-robin")
    expect(await emulator.admin.revoke({ family: minted["personal"]!.family })).toBe(1)
    const pool = await NodeAccountPool.openPool({ configPath, profile: { issuer: emulator.url } })
    try {
      const picks = []
      for (let i = 0; i < 6; i++) picks.push((await pool.getHeaders()).account)
      expect(picks).toEqual(["work", "spare", "work", "spare", "work", "spare"])
      const listed = await pool.list()
      const personal = listed.find((a) => a.name === "personal")!
      expect(personal.health).toBe("needs-login")
      expect(personal.reason).toMatch(/refresh token/)
      expect(listed.find((a) => a.name === "work")).toMatchObject({
        health: "healthy",
        mode: "chatgpt",
        email: "work@example.com",
        plan: "plus"
      })
      const grants = (await emulator.admin.requests()).filter((r) => r.grantType === "refresh_token")
      expect(grants.filter((g) => g.refreshToken === minted["personal"]!.refresh_token)).toHaveLength(1)

      await pool.reportLimited("work", new Date(Date.now() + 3_600_000))
      await pool.reportLimited("spare")
      const error = await pool.getHeaders().then(() => undefined, (e: unknown) => e as Error & { _tag: string })
      expect(error?._tag).toBe("NoAccountAvailable")
      expect(error?.message).toContain("personal: needs login")
      expect(error?.message).toContain("work: cooling down until")
      expect(error?.message).not.toContain(minted["personal"]!.refresh_token)
      await expect(pool.reportLimited("nobody")).rejects.toMatchObject({ _tag: "AccountNotFound" })
    } finally {
      await pool.close()
    }
  })

  it("affinity holds across calls; getToken and an explicit account", async () => {
    emulator = await startEmulatorPromise({ users })
    const { configPath } = await seedPool(emulator, "fill-first")
    const pool = await NodeAccountPool.openPool({ configPath, profile: { issuer: emulator.url } })
    try {
      expect((await pool.getHeaders({ affinityKey: "conv" })).account).toBe("work")
      await pool.reportLimited("work")
      const moved = (await pool.getHeaders({ affinityKey: "conv" })).account
      expect(moved).toBe("personal")
      expect((await pool.getToken({ affinityKey: "conv" })).account).toBe("personal")
      const explicit = await pool.getToken({ account: "spare" })
      expect(explicit.account).toBe("spare")
      expect(explicit.token.split(".")).toHaveLength(3)
    } finally {
      await pool.close()
    }
  })
})
