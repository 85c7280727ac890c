/**
 * The account pool for embedders that do not use Effect: several ChatGPT (or API-key) accounts, each in its own
 * `CODEX_HOME`, handed out per request by the pool's strategy, with affinity and usage-limit cooldowns.
 *
 * ```ts
 * import * as CodexAuthPool from "@codex-auth/node/CodexAuthPool"
 *
 * const pool = await CodexAuthPool.open() // $CODEX_AUTH_POOL, else ~/.codex/codex-auth-pool.json
 * const { account, headers } = await pool.getHeaders({ affinityKey: conversationId })
 * const response = await fetch(url, { headers })
 * if (response.status === 429) await pool.reportLimited(account, resetTime)
 * await pool.close()
 * ```
 *
 * Every method rejects with one of the classes of `FacadeErrors` (`NoAccountAvailable`, `AccountNotFound`,
 * `PoolConfigInvalid`, …); match on `error._tag`. Health (cooldowns, failures) lives in this process only.
 *
 * @since 0.1.0
 */
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import type * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import * as PromiseRuntime from "@codex-auth/facade/PromiseRuntime"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as NodeAccountPool from "./NodeAccountPool.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** The pool's config file. Default: `$CODEX_AUTH_POOL`, else `~/.codex/codex-auth-pool.json`. */
  readonly configPath?: string | undefined
  /** Use these accounts instead of a config file (relative `codexHome`s are relative to the working directory). */
  readonly accounts?: ReadonlyArray<{ readonly name: string; readonly codexHome: string }> | undefined
  /** Overrides the config's strategy (default `round-robin`). */
  readonly strategy?: AccountPoolConfig.Strategy | undefined
  /** The auth server. Default: `CODEX_AUTH_ISSUER`, else `https://auth.openai.com`. */
  readonly issuer?: string | undefined
  readonly clientId?: string | undefined
  /** Cooldown of `reportLimited` without a reset time, in milliseconds. Default 60 000. */
  readonly defaultCooldownMillis?: number | undefined
  /** How many affinity keys are remembered (least recently used dropped first). Default 10 000. */
  readonly affinityCapacity?: number | undefined
  /** Refresh every account in the background shortly before its access token needs it. Default false. */
  readonly proactiveRefresh?: boolean | undefined
  /** Aborting it closes the pool: operations in flight reject with `CodexAuthClosed`. */
  readonly signal?: AbortSignal | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SelectOptions {
  /** A conversation id (or any key): the same key keeps its account while that account can serve. */
  readonly affinityKey?: string | undefined
  /** Use exactly this account. */
  readonly account?: string | undefined
}

/**
 * An account as `list()` shows it; `null` when unknown.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolAccount {
  readonly name: string
  /** Where its credentials live (`CODEX_HOME/auth.json`). */
  readonly location: string
  readonly health: "healthy" | "cooling-down" | "needs-login" | "failing"
  /** End of the cooldown, or the next retry of a failing account. */
  readonly until: Date | null
  /** Why it needs login or is failing. */
  readonly reason: string | null
  /** `chatgpt` or `apikey`; `null` when the account holds no credentials. */
  readonly mode: string | null
  readonly email: string | null
  readonly plan: string | null
  readonly accountId: string | null
  readonly accessTokenExpiresAt: Date | null
  readonly lastRefresh: Date | null
  /** When this process last reported the account limited. */
  readonly lastLimitedAt: Date | null
  /** Why the store could not be read, when it could not. */
  readonly statusError: string | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CodexAuthPool {
  /** The headers for the ChatGPT backend from the account the pool picks (PROTOCOL.md §11), and its name. */
  readonly getHeaders: (
    options?: SelectOptions
  ) => Promise<{ readonly account: string; readonly headers: Record<string, string> }>
  /** The bearer alone (access token or API key), picked the same way. */
  readonly getToken: (options?: SelectOptions) => Promise<{ readonly account: string; readonly token: string }>
  /**
   * The backend answered `account` with a usage limit or a 429: no requests until `until` (the reset time, when
   * the backend said it; default now + the default cooldown). Affinity keys on it move to another account.
   */
  readonly reportLimited: (account: string, until?: Date | number) => Promise<void>
  /** The backend answered `account` 401: re-read its store and refresh once; ask `getHeaders` again afterwards. */
  readonly reportUnauthorized: (account: string) => Promise<void>
  /** The accounts in order, with health and what their stores hold. */
  readonly list: () => Promise<ReadonlyArray<PoolAccount>>
  /** Stops background work and operations in flight. Safe to call more than once. */
  readonly close: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

const toDate = (millis: number | null): Date | null => (millis === null ? null : new Date(millis))

const toAccount = (info: AccountPool.AccountInfo): PoolAccount => {
  const plain = NodeAccountPool.toPoolAccount(info)
  return {
    ...plain,
    until: toDate(plain.until),
    accessTokenExpiresAt: toDate(plain.accessTokenExpiresAt),
    lastRefresh: toDate(plain.lastRefresh),
    lastLimitedAt: toDate(plain.lastLimitedAt)
  }
}

/**
 * Opens the pool: reads the config (rejecting with `PoolConfigInvalid` when it cannot be used) and builds every
 * account's session. Nothing is refreshed until a request needs it. Call `close()` when done.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = async (options: OpenOptions = {}): Promise<CodexAuthPool> => {
  // Built now, so a broken config rejects `open` rather than the first request.
  const { close, run } = await PromiseRuntime.open(
    NodeAccountPool.layer({
      configPath: options.configPath,
      config: options.accounts === undefined
        ? undefined
        : { strategy: options.strategy ?? "round-robin", accounts: options.accounts },
      strategy: options.strategy,
      // No issuer given: the pool's profile reads CODEX_AUTH_ISSUER from the one environment (`Environment`).
      profile: { issuer: options.issuer, clientId: options.clientId },
      defaultCooldownMillis: options.defaultCooldownMillis,
      affinityCapacity: options.affinityCapacity,
      session: { proactiveRefresh: options.proactiveRefresh }
    }),
    { signal: options.signal, build: Effect.asVoid(AccountPool.AccountPool) }
  )
  const withPool = <A, E>(
    f: (pool: AccountPool.AccountPool.Service) => Effect.Effect<A, E>
  ): Effect.Effect<A, E, AccountPool.AccountPool> => Effect.flatMap(AccountPool.AccountPool, f)

  return {
    getHeaders: (select) =>
      run(
        "getHeaders",
        withPool((pool) =>
          Effect.map(pool.getHeaders(select), ({ account, headers }) => ({ account, headers: { ...headers } }))
        )
      ),
    getToken: (select) =>
      run(
        "getToken",
        withPool((pool) =>
          Effect.map(pool.getToken(select), ({ account, token }) => ({ account, token: Redacted.value(token) }))
        )
      ),
    reportLimited: (account, until) => run("reportLimited", withPool((pool) => pool.reportLimited(account, until))),
    reportUnauthorized: (account) => run("reportUnauthorized", withPool((pool) => pool.reportUnauthorized(account))),
    list: () => run("list", withPool((pool) => Effect.map(pool.list, (infos) => infos.map(toAccount)))),
    close,
    [Symbol.asyncDispose]: close
  }
}
