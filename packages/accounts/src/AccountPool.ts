/**
 * A pool of named ChatGPT (or API-key) accounts, each a complete credential set in its own store with its own
 * session — so every account keeps the session's single-flight, `flock`-guarded refresh. The pool picks an account
 * per request (round-robin, fill-first or least-recently-limited), keeps a conversation on its account while that
 * account is healthy (affinity), and never hands out an account that is cooling down after a usage limit the
 * embedder reported, that needs a new login, or whose last refresh failed transiently (for a short while).
 *
 * Health (cooldowns, failures) lives in this process only: another process sharing the same config starts with
 * every account healthy, and learns about limits from its own backend answers. A fleet shares it through
 * `onHealthChange`, `reportLimited`, `reportNeedsLogin` and `reportLoggedIn` (`@codex-auth/postgres`'s pool does).
 *
 * @since 0.1.0
 */
import type { CredentialStore, StoreKind } from "@codex-auth/core/CredentialStore"
import type { OAuthClient } from "@codex-auth/core/OAuthClient"
import type { ProviderProfile } from "@codex-auth/core/ProviderProfile"
import type * as Session from "@codex-auth/core/Session"
import type * as Headers from "@effect/platform/Headers"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Strategy } from "./AccountPoolConfig.ts"
import type { AccountNotFound, DuplicateAccount, NoAccountAvailable } from "./AccountPoolError.ts"
import * as internal from "./internal/pool/pool.ts"

/**
 * One account: a name and the store holding its credentials.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccountDefinition {
  readonly name: string
  readonly store: CredentialStore.Service
}

/**
 * Why an account can or cannot be handed out. Times are epoch milliseconds.
 *
 * - `Healthy`: usable.
 * - `CoolingDown`: the embedder reported a usage limit or a 429; usable again at `until`.
 * - `NeedsLogin`: no credentials, or a permanent refresh failure (expired, reused or revoked refresh token), or
 *   credentials the session refuses; re-checked at `recheckAt` (a new login from another process is picked up then,
 *   or at once when it goes through the pool's own session).
 * - `Failing`: the last refresh failed transiently (issuer 5xx, network, lock); tried again at `retryAt`.
 *
 * @since 0.1.0
 * @category models
 */
export type Health =
  | { readonly _tag: "Healthy" }
  | { readonly _tag: "CoolingDown"; readonly until: number }
  | { readonly _tag: "NeedsLogin"; readonly reason: string; readonly recheckAt: number }
  | { readonly _tag: "Failing"; readonly reason: string; readonly retryAt: number }

/**
 * An account as `list` shows it.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccountInfo {
  readonly name: string
  readonly store: StoreKind
  readonly location: string
  /** Health now (an elapsed cooldown reads `Healthy`). */
  readonly health: Health
  /** When the embedder last reported this account limited. */
  readonly lastLimitedAt: Option.Option<number>
  /** What the store holds (mode, email, plan, expiry); none when it could not be read (see `statusError`). */
  readonly status: Option.Option<Session.Status>
  readonly statusError: Option.Option<string>
}

/**
 * Which account served a request, and its headers (PROTOCOL.md §11).
 *
 * @since 0.1.0
 * @category models
 */
export interface Selection {
  readonly account: string
  readonly headers: Headers.Headers
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TokenSelection {
  readonly account: string
  readonly token: Redacted.Redacted<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SelectOptions {
  /** A conversation id (or any key): the same key keeps its account while that account is healthy. */
  readonly affinityKey?: string | undefined
  /** Use exactly this account (`NoAccountAvailable` when it cannot serve, `AccountNotFound` when unknown). */
  readonly account?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly strategy?: Strategy | undefined
  readonly accounts?: ReadonlyArray<AccountDefinition> | undefined
  /** Options of every account's session (forced method or workspace, retries, proactive refresh, user agent…). */
  readonly session?: Session.Options | undefined
  /** How many affinity keys are remembered (least recently used dropped first). Default 10 000. */
  readonly affinityCapacity?: number | undefined
  /** Cooldown of `reportLimited` without a reset time. Default 60 s. */
  readonly defaultCooldownMillis?: number | undefined
  /** When an account that needed login is looked at again. Default 30 s. */
  readonly recheckNeedsLoginMillis?: number | undefined
  /** When an account whose refresh failed transiently is tried again. Default 30 s. */
  readonly retryFailingMillis?: number | undefined
  /**
   * Called when this pool itself finds that an account needs a new login (a permanent refresh failure, no
   * credentials, credentials the session refuses), and when it finds such an account usable again (a login saved
   * through its session, or a success). Not called for what `reportNeedsLogin` / `reportLoggedIn` are told. A fleet
   * shares the finding with its other replicas here.
   */
  readonly onHealthChange?: ((account: string, health: Health) => Effect.Effect<void>) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace AccountPool {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    readonly strategy: Strategy
    /** The accounts in order, with health and what their stores hold. */
    readonly list: Effect.Effect<ReadonlyArray<AccountInfo>>
    /** Headers for a request from the account the pool picks (or the affinity key's, or the one asked for). */
    readonly getHeaders: (options?: SelectOptions) => Effect.Effect<Selection, NoAccountAvailable | AccountNotFound>
    /** The bearer alone, picked the same way. */
    readonly getToken: (
      options?: SelectOptions
    ) => Effect.Effect<TokenSelection, NoAccountAvailable | AccountNotFound>
    /**
     * The backend answered this account with a usage limit or a 429: no requests until `until` (epoch ms or a
     * `Date`; default: now + the default cooldown). Affinity keys on it move to another account.
     */
    readonly reportLimited: (account: string, until?: number | Date) => Effect.Effect<void, AccountNotFound>
    /**
     * The backend answered this account 401: re-read its store and refresh once (the session's
     * `recoverUnauthorized`); a permanent failure marks it as needing login. Ask `getHeaders` again afterwards.
     */
    readonly reportUnauthorized: (account: string) => Effect.Effect<void, AccountNotFound>
    /**
     * This account needs a new login (another replica found its refresh token rejected, or the embedder knows):
     * it is not handed out until `recheckAt` (epoch ms; default: never) or until a login is saved to it (through
     * the pool's session, or `reportLoggedIn`).
     */
    readonly reportNeedsLogin: (
      account: string,
      reason: string,
      recheckAt?: number
    ) => Effect.Effect<void, AccountNotFound>
    /** A new login was saved to this account elsewhere (another process, another replica): usable again at once. */
    readonly reportLoggedIn: (account: string) => Effect.Effect<void, AccountNotFound>
    /** Health of one account now. */
    readonly health: (account: string) => Effect.Effect<Health, AccountNotFound>
    /**
     * The account's session (for `status`, `logout`, or saving a login to it). A login saved through it makes
     * the account healthy at once.
     */
    readonly session: (account: string) => Effect.Effect<Session.Session.Service, AccountNotFound>
    readonly add: (account: AccountDefinition) => Effect.Effect<void, DuplicateAccount>
    /** Removes the account (its credentials stay where they are); `false` when there was none. */
    readonly remove: (account: string) => Effect.Effect<boolean>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class AccountPool extends Context.Tag("@codex-auth/accounts/AccountPool")<AccountPool, AccountPool.Service>() {}

/**
 * Builds a pool; every account's session lives in the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<AccountPool.Service, DuplicateAccount, OAuthClient | ProviderProfile | Scope.Scope> = internal.make

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<AccountPool, DuplicateAccount, OAuthClient | ProviderProfile> => Layer.scoped(AccountPool, make(options))
