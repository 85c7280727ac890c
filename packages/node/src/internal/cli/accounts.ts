/**
 * `codex-auth accounts`: the account pool's accounts with what their stores hold and their health — a table on
 * stderr in the style of `gh`, or one JSON document on stdout with `--json`.
 *
 * Health lives in one process (see `AccountPool`): a fresh process knows only what the stores show, so an account
 * without credentials reads `needs-login` here, and `--check` asks every account for a token first so that a refresh
 * token the issuer refuses (or a refresh failing for now) shows up too.
 */
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import type { CliRuntime, Common, ExitWith } from "@codex-auth/cli/Cli"
import { human, json, runCommand } from "@codex-auth/cli/Cli"
import { formatTime } from "@codex-auth/cli/CliFormat"
import { CodexHomeNotFound } from "@codex-auth/core/CodexHome"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as NodeAccountPool from "../../NodeAccountPool.ts"

export interface AccountsArgs {
  readonly pool: string | undefined
  /** `--codex-home DIR`: the pool file is `DIR/codex-auth-pool.json` unless `--pool` names one. */
  readonly codexHome?: string | undefined
  readonly check: boolean
  readonly issuer: string | undefined
  readonly json: boolean
  readonly verbose: boolean
}

/** One account as `accounts --json` prints it (times as ISO strings, `null` when unknown). */
export interface AccountRow {
  readonly name: string
  readonly mode: string | null
  readonly email: string | null
  readonly plan: string | null
  readonly accountId: string | null
  readonly accessTokenExpiresAt: string | null
  readonly lastRefresh: string | null
  readonly health: NodeAccountPool.PoolAccount["health"]
  /** End of a cooldown, or the next retry of a failing account. */
  readonly until: string | null
  readonly reason: string | null
  readonly lastLimitedAt: string | null
  readonly location: string
}

const iso = (millis: number | null): string | null => (millis === null ? null : new Date(millis).toISOString())

/** The pool's view (`toPoolAccount` already says `needs-login` for an account whose store holds no credentials). */
export const toRow = (account: NodeAccountPool.PoolAccount): AccountRow => ({
  name: account.name,
  mode: account.mode,
  email: account.email,
  plan: account.plan,
  accountId: account.accountId,
  accessTokenExpiresAt: iso(account.accessTokenExpiresAt),
  lastRefresh: iso(account.lastRefresh),
  health: account.health,
  until: iso(account.until),
  reason: account.reason,
  lastLimitedAt: iso(account.lastLimitedAt),
  location: account.location
})

const healthText = (row: AccountRow, now: number): string => {
  const until = row.until === null ? "" : ` until ${formatTime(Date.parse(row.until), now)}`
  switch (row.health) {
    case "healthy":
      return "✓ healthy"
    case "cooling-down":
      return `✗ cooling down${until}`
    case "needs-login":
      return `✗ needs login (${row.reason ?? "no usable credentials"})`
    case "failing":
      return `✗ refresh failing (${row.reason ?? "transient error"}), retry${until}`
  }
}

/** Columns padded to their widest cell; the last column is not padded. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)))
  const line = (row: ReadonlyArray<string>) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()
  return [header, ...rows].map(line).join("\n")
}

/** The human listing (stderr). */
export const humanListing = (
  path: string,
  strategy: string,
  rows: ReadonlyArray<AccountRow>,
  now: number
): string => {
  const count = rows.length === 1 ? "1 account" : `${rows.length} accounts`
  const body = table(
    ["NAME", "MODE", "EMAIL", "PLAN", "TOKEN EXPIRES", "HEALTH"],
    rows.map((row) => [
      row.name,
      row.mode === "apikey" ? "API key" : row.mode === "chatgpt" ? "ChatGPT" : "-",
      row.email ?? "-",
      row.plan ?? "-",
      row.accessTokenExpiresAt === null ? "-" : formatTime(Date.parse(row.accessTokenExpiresAt), now),
      healthText(row, now)
    ])
  )
  const needLogin = rows.filter((row) => row.health === "needs-login").map((row) => row.name)
  const hint = needLogin.length === 0
    ? []
    : [`Sign in: ${needLogin.map((name) => `codex-auth login --account ${name}`).join(", ")}`]
  return [`Account pool ${path} (${strategy}, ${count})`, "", body, ...(hint.length ? ["", ...hint] : [])].join("\n")
}

const isDirectory = (path: string): boolean => {
  try {
    return Fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

export const accounts = (args: AccountsArgs): Effect.Effect<void, ExitWith, CliRuntime> => {
  const common: Common = {
    codexHome: Option.fromNullable(args.codexHome),
    store: "file",
    issuer: Option.fromNullable(args.issuer),
    clientId: Option.none(),
    json: args.json,
    verbose: args.verbose
  }
  const body = Effect.gen(function*() {
    const home = args.pool === undefined ? args.codexHome : undefined
    if (home !== undefined && !isDirectory(home)) {
      return yield* new CodexHomeNotFound({ path: home, reason: Fs.existsSync(home) ? "not-a-directory" : "missing" })
    }
    const path = yield* NodeAccountPool.configPath(
      args.pool ?? (home === undefined ? undefined : Path.join(home, "codex-auth-pool.json"))
    )
    // No --issuer: the pool's profile reads CODEX_AUTH_ISSUER from the one environment (`Environment`).
    const issuer = args.issuer
    const listing = Effect.gen(function*() {
      const pool = yield* AccountPool.AccountPool
      if (args.check) {
        const infos = yield* pool.list
        // Sequential: each account refreshes (if due) under its own lock; errors land in its health.
        yield* Effect.forEach(infos, (info) => Effect.ignore(pool.getToken({ account: info.name })), {
          discard: true
        })
      }
      return { strategy: pool.strategy, infos: yield* pool.list }
    })
    const { infos, strategy } = yield* Effect.provide(
      listing,
      NodeAccountPool.layer({ configPath: path, profile: issuer === undefined ? undefined : { issuer } })
    )
    const rows = infos.map((info) => toRow(NodeAccountPool.toPoolAccount(info)))
    if (args.json) yield* json({ pool: path, strategy, accounts: rows })
    if (rows.length === 0) {
      yield* human(`✗ The account pool ${path} has no accounts. Add one with \`codex-auth login --account NAME\`.`)
      return 1
    }
    const now = yield* Clock.currentTimeMillis
    if (!args.json) yield* human(humanListing(path, strategy, rows, now))
    return rows.some((row) => row.health === "healthy") ? 0 : 1
  })
  return runCommand(common, body)
}
