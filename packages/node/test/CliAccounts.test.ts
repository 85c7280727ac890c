// `codex-auth accounts` formatting: the row a fresh process derives from the pool's view (no credentials → needs
// login), and the table for every health state (cooling down and failing cannot be reached from one CLI process, so
// they are checked here on plain data).
import type * as AccountPool from "@codex-auth/accounts/AccountPool"
import * as NodeAccountPool from "@codex-auth/node/NodeAccountPool"
import type { PoolAccount } from "@codex-auth/node/NodeAccountPool"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { humanListing, toRow } from "../src/internal/cli/accounts.ts"

const now = Date.parse("2026-11-22T12:00:00.000Z")

const account = (fields: Partial<PoolAccount> & { readonly name: string }): PoolAccount => ({
  location: `/pool/accounts/${fields.name}/auth.json`,
  health: "healthy",
  until: null,
  reason: null,
  mode: "chatgpt",
  email: `${fields.name}@example.com`,
  plan: "plus",
  accountId: `acct-${fields.name}`,
  accessTokenExpiresAt: now + 30 * 60_000,
  lastRefresh: now - 60_000,
  lastLimitedAt: null,
  statusError: null,
  ...fields
})

describe("accounts rows", () => {
  it("keep the pool's health and turn times into ISO strings", () => {
    const row = toRow(account({ name: "work", health: "cooling-down", until: now + 3_600_000, lastLimitedAt: now }))
    expect(row).toEqual({
      name: "work",
      mode: "chatgpt",
      email: "work@example.com",
      plan: "plus",
      accountId: "acct-work",
      accessTokenExpiresAt: "2026-11-22T12:30:00.000Z",
      lastRefresh: "2026-11-22T11:59:00.000Z",
      health: "cooling-down",
      until: "2026-11-22T13:00:00.000Z",
      reason: null,
      lastLimitedAt: "2026-11-22T12:00:00.000Z",
      location: "/pool/accounts/work/auth.json"
    })
  })

  it("an account the pool calls healthy but that holds nothing (or an unreadable store) needs login", () => {
    // The rule lives in NodeAccountPool.toPoolAccount (CodexAuthPool.list() and `accounts` share it).
    const info = (fields: Partial<AccountPool.AccountInfo>): AccountPool.AccountInfo => ({
      name: "new",
      store: "file",
      location: "/pool/accounts/new/auth.json",
      health: { _tag: "Healthy" },
      lastLimitedAt: Option.none(),
      status: Option.none(),
      statusError: Option.none(),
      ...fields
    })
    const empty = toRow(NodeAccountPool.toPoolAccount(info({})))
    expect([empty.health, empty.reason]).toEqual(["needs-login", "not signed in"])
    const broken = toRow(
      NodeAccountPool.toPoolAccount(info({ statusError: Option.some("auth.json is not valid JSON") }))
    )
    expect([broken.health, broken.reason]).toEqual(["needs-login", "auth.json is not valid JSON"])
    const failing = toRow(account({ name: "f", health: "failing", reason: "issuer 503", until: now + 30_000 }))
    expect([failing.health, failing.reason]).toEqual(["failing", "issuer 503"])
  })
})

describe("accounts table", () => {
  it("one row per account, columns aligned, every health state worded, sign-in hint for those needing it", () => {
    const rows = [
      account({ name: "work" }),
      account({ name: "personal-long-name", health: "cooling-down", until: now + 90 * 60_000 }),
      account({ name: "spare", health: "needs-login", reason: "refresh token revoked" }),
      account({ name: "flaky", health: "failing", reason: "issuer answered 503", until: now + 30_000 }),
      account({ name: "batch", mode: "apikey", email: null, plan: null, accountId: null, accessTokenExpiresAt: null })
    ].map(toRow)
    const lines = humanListing("/pool/pool.json", "fill-first", rows, now).split("\n")
    expect(lines[0]).toBe("Account pool /pool/pool.json (fill-first, 5 accounts)")
    expect(lines[1]).toBe("")
    const header = lines[2]!
    expect(header).toMatch(/^NAME {16}MODE {5}EMAIL {27}PLAN {2}TOKEN EXPIRES {25}HEALTH$/)
    const body = lines.slice(3, 8)
    const healthColumn = header.indexOf("HEALTH")
    for (const line of body) expect(line.slice(healthColumn - 2, healthColumn)).toBe("  ")
    expect(body[0]).toMatch(
      /^work +ChatGPT +work@example\.com +plus +2026-11-22T12:30:00\.000Z \(in 30 min\) +✓ healthy$/
    )
    expect(body[1]!.endsWith("✗ cooling down until 2026-11-22T13:30:00.000Z (in 90 min)")).toBe(true)
    expect(body[2]!.endsWith("✗ needs login (refresh token revoked)")).toBe(true)
    expect(
      body[3]!.endsWith("✗ refresh failing (issuer answered 503), retry until 2026-11-22T12:00:30.000Z (in 1 min)")
    )
      .toBe(true)
    expect(body[4]).toMatch(/^batch +API key +- +- +- +✓ healthy$/)
    expect(lines.slice(8)).toEqual(["", "Sign in: codex-auth login --account spare"])
  })

  it("a single account reads '1 account' and has no hint when healthy", () => {
    const text = humanListing("/p.json", "round-robin", [toRow(account({ name: "solo" }))], now)
    expect(text.split("\n")[0]).toBe("Account pool /p.json (round-robin, 1 account)")
    expect(text).not.toContain("Sign in")
  })
})
