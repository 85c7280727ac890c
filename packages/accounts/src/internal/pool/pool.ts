import { CredentialStore } from "@codex-auth/core/CredentialStore"
import { OAuthClient } from "@codex-auth/core/OAuthClient"
import { ProviderProfile } from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import type { SessionError } from "@codex-auth/core/SessionError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type * as AccountPool from "../../AccountPool.ts"
import type { Strategy } from "../../AccountPoolConfig.ts"
import { AccountNotFound, DuplicateAccount, NoAccountAvailable } from "../../AccountPoolError.ts"
import type { Unavailable } from "../../AccountPoolError.ts"
import { AffinityMap } from "./affinity.ts"
import * as select from "./select.ts"

interface Entry {
  readonly name: string
  readonly store: CredentialStore.Service
  readonly session: Session.Session.Service
  readonly scope: Scope.CloseableScope
  health: AccountPool.Health
  lastLimitedAt: number | undefined
}

const healthy: AccountPool.Health = { _tag: "Healthy" }

/** A short reason for `NoAccountAvailable` and `list`; session errors never carry token text. */
const reasonOf = (error: SessionError): string => {
  switch (error._tag) {
    case "LoginRequired":
      return error.reason === "no-credentials" ? "not signed in" : "holds an API key, not a ChatGPT sign-in"
    case "RefreshTokenRejected":
      return error.reason === "unauthorized"
        ? "the issuer refused the refresh token"
        : `the refresh token ${error.reason === "reused" ? "was already used" : `was ${error.reason}`}`
    case "AccountChanged":
      return "its CODEX_HOME was signed in to another account meanwhile; restart to use it"
    case "WorkspaceRestricted":
      return "its workspace is not allowed"
    case "LoginMethodRestricted":
      return "its login method is not allowed"
    case "AuthFileInvalid":
      return "its auth.json cannot be read"
    case "JwtMalformed":
      return "its tokens are malformed"
    case "LoginFailed":
      return "the login failed"
    case "BearerTokenUnavailable":
      return "holds an access-token (Agent Identity) login, which has no bearer token"
    case "RefreshTransientError":
      return error.status === undefined ? "network error" : `issuer answered ${error.status}`
    case "MalformedResponse":
      return "the issuer answered something unexpected"
    case "CredentialStoreError":
      return `its store could not be ${error.operation === "lock" ? "locked" : "read"}`
    case "CaCertificateInvalid":
      return "the CA bundle (CODEX_CA_CERTIFICATE / SSL_CERT_FILE) cannot be used"
    case "HttpClientSettingInvalid":
      return "a proxy setting (HTTPS_PROXY) is not valid"
  }
}

const isTransient = (error: SessionError): boolean =>
  error._tag === "RefreshTransientError" || error._tag === "MalformedResponse" || error._tag === "CredentialStoreError"

export const make = (
  options: AccountPool.Options = {}
): Effect.Effect<AccountPool.AccountPool.Service, DuplicateAccount, OAuthClient | ProviderProfile | Scope.Scope> =>
  Effect.gen(function*() {
    const oauth = yield* OAuthClient
    const profile = yield* ProviderProfile
    const poolScope = yield* Effect.scope
    const strategy: Strategy = options.strategy ?? "round-robin"
    const cooldownMillis = options.defaultCooldownMillis ?? 60_000
    const recheckMillis = options.recheckNeedsLoginMillis ?? 30_000
    const retryMillis = options.retryFailingMillis ?? 30_000
    const onHealthChange = options.onHealthChange
    const affinity = new AffinityMap(Math.max(1, options.affinityCapacity ?? 10_000))
    // Plain state: every change happens in one synchronous step, so concurrent callers see it consistently.
    const entries: Array<Entry> = []
    let cursor = 0

    const find = (name: string): Entry | undefined => entries.find((entry) => entry.name === name)
    const notFound = (name: string) => new AccountNotFound({ name, known: entries.map((entry) => entry.name) })
    const lookup = (name: string): Effect.Effect<Entry, AccountNotFound> =>
      Effect.suspend(() => {
        const entry = find(name)
        return entry === undefined ? Effect.fail(notFound(name)) : Effect.succeed(entry)
      })

    /** Health now: an elapsed cooldown is over. */
    const effective = (entry: Entry, now: number): AccountPool.Health => {
      if (entry.health._tag === "CoolingDown" && now >= entry.health.until) entry.health = healthy
      return entry.health
    }

    const usable = (entry: Entry, now: number): boolean => {
      const health = effective(entry, now)
      switch (health._tag) {
        case "Healthy":
          return true
        case "CoolingDown":
          return false
        case "NeedsLogin":
          return now >= health.recheckAt
        case "Failing":
          return now >= health.retryAt
      }
    }

    const unavailable = (entry: Entry, now: number): Unavailable | undefined => {
      if (usable(entry, now)) return undefined
      const health = effective(entry, now)
      switch (health._tag) {
        case "CoolingDown":
          return { name: entry.name, state: "cooling-down", until: health.until }
        case "NeedsLogin":
          return { name: entry.name, state: "needs-login", reason: health.reason }
        case "Failing":
          return { name: entry.name, state: "failing", reason: health.reason, until: health.retryAt }
        case "Healthy":
          return undefined
      }
    }

    /** Runs `use` on the account's session; a failure is recorded in its health (a success clears it). */
    const attempt = <A>(
      entry: Entry,
      use: (session: Session.Session.Service) => Effect.Effect<A, SessionError>
    ): Effect.Effect<Option.Option<A>> =>
      use(entry.session).pipe(
        Effect.either,
        Effect.flatMap((result) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const before = entry.health._tag
            if (Either.isRight(result)) {
              if (entry.health._tag === "NeedsLogin" || entry.health._tag === "Failing") entry.health = healthy
              return Effect.as(
                before === "NeedsLogin" ? changed(entry) : Effect.void,
                Option.some(result.right)
              )
            }
            const error = result.left
            entry.health = isTransient(error)
              ? { _tag: "Failing", reason: reasonOf(error), retryAt: now + retryMillis }
              : { _tag: "NeedsLogin", reason: reasonOf(error), recheckAt: now + recheckMillis }
            return Effect.as(entry.health._tag === "NeedsLogin" ? changed(entry) : Effect.void, Option.none())
          })
        )
      )

    /** Tells `onHealthChange` what this pool found (its failure never reaches the caller). */
    const changed = (entry: Entry): Effect.Effect<void> =>
      onHealthChange === undefined ? Effect.void : Effect.ignore(onHealthChange(entry.name, entry.health))

    const noneLeft = (now: number, requested?: string): NoAccountAvailable => {
      const listed = requested === undefined ? entries : entries.filter((entry) => entry.name === requested)
      return new NoAccountAvailable({
        accounts: listed.map((entry) => unavailable(entry, now)).filter((u): u is Unavailable => u !== undefined),
        requested
      })
    }

    const pick = <A>(
      options: AccountPool.SelectOptions,
      use: (session: Session.Session.Service) => Effect.Effect<A, SessionError>
    ): Effect.Effect<{ readonly account: string; readonly value: A }, NoAccountAvailable | AccountNotFound> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (options.account !== undefined) {
          const entry = yield* lookup(options.account)
          if (!usable(entry, now)) return yield* noneLeft(now, entry.name)
          const value = yield* attempt(entry, use)
          if (Option.isSome(value)) return { account: entry.name, value: value.value }
          return yield* noneLeft(yield* Clock.currentTimeMillis, entry.name)
        }
        const key = options.affinityKey
        const sticky = key === undefined ? undefined : affinity.get(key)
        const stickyEntry = sticky === undefined ? undefined : find(sticky)
        if (stickyEntry !== undefined && usable(stickyEntry, now)) {
          const value = yield* attempt(stickyEntry, use)
          if (Option.isSome(value)) return { account: stickyEntry.name, value: value.value }
        }
        const candidates = entries.map((entry) => ({
          name: entry.name,
          usable: entry !== stickyEntry && usable(entry, now),
          lastLimitedAt: entry.lastLimitedAt
        }))
        for (const name of select.order(strategy, candidates, cursor)) {
          const entry = find(name)
          if (entry === undefined) continue
          // Move the round-robin cursor before waiting, so concurrent callers spread over the accounts.
          cursor = entries.indexOf(entry) + 1
          const value = yield* attempt(entry, use)
          if (Option.isSome(value)) {
            if (key !== undefined) affinity.set(key, entry.name)
            return { account: entry.name, value: value.value }
          }
        }
        return yield* noneLeft(yield* Clock.currentTimeMillis)
      })

    const build = (definition: AccountPool.AccountDefinition): Effect.Effect<Entry> =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(poolScope, ExecutionStrategy.sequential)
        const session = yield* Session.make(options.session).pipe(
          Effect.provideService(CredentialStore, definition.store),
          Effect.provideService(OAuthClient, oauth),
          Effect.provideService(ProviderProfile, profile),
          Scope.extend(scope)
        )
        const entry: Entry = {
          name: definition.name,
          store: definition.store,
          scope,
          health: healthy,
          lastLimitedAt: undefined,
          session: {
            ...session,
            // A login saved to the account makes it usable at once.
            saveLogin: (outcome) =>
              Effect.tap(session.saveLogin(outcome), () =>
                Effect.suspend(() => {
                  const before = entry.health._tag
                  if (before === "NeedsLogin" || before === "Failing") entry.health = healthy
                  return before === "NeedsLogin" ? changed(entry) : Effect.void
                }))
          }
        }
        return entry
      })

    const add = (definition: AccountPool.AccountDefinition): Effect.Effect<void, DuplicateAccount> =>
      Effect.gen(function*() {
        if (find(definition.name) !== undefined) return yield* new DuplicateAccount({ name: definition.name })
        const entry = yield* build(definition)
        if (find(definition.name) !== undefined) {
          yield* Scope.close(entry.scope, Exit.void)
          return yield* new DuplicateAccount({ name: definition.name })
        }
        entries.push(entry)
      })

    for (const definition of options.accounts ?? []) yield* add(definition)

    const remove = (name: string): Effect.Effect<boolean> =>
      Effect.suspend(() => {
        const entry = find(name)
        if (entry === undefined) return Effect.succeed(false)
        entries.splice(entries.indexOf(entry), 1)
        affinity.forgetAccount(name)
        return Effect.as(Scope.close(entry.scope, Exit.void), true)
      })

    const list: Effect.Effect<ReadonlyArray<AccountPool.AccountInfo>> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      return yield* Effect.forEach(
        [...entries],
        (entry) =>
          Effect.map(Effect.either(entry.session.status), (status): AccountPool.AccountInfo => {
            usable(entry, now)
            return {
              name: entry.name,
              store: entry.store.kind,
              location: entry.store.location,
              health: effective(entry, now),
              lastLimitedAt: Option.fromNullable(entry.lastLimitedAt),
              status: Either.getRight(status),
              statusError: Option.map(Either.getLeft(status), (error) => error.message)
            }
          })
      )
    })

    const service: AccountPool.AccountPool.Service = {
      strategy,
      list: list.pipe(Effect.withSpan("AccountPool.list")),
      getHeaders: (selectOptions = {}) =>
        pick(selectOptions, (session) => session.getHeaders).pipe(
          Effect.map(({ account, value }) => ({ account, headers: value })),
          Effect.withSpan("AccountPool.getHeaders")
        ),
      getToken: (selectOptions = {}) =>
        pick(selectOptions, (session) => session.getToken).pipe(
          Effect.map(({ account, value }) => ({ account, token: value })),
          Effect.withSpan("AccountPool.getToken")
        ),
      reportLimited: (name, until) =>
        Effect.gen(function*() {
          const entry = yield* lookup(name)
          const now = yield* Clock.currentTimeMillis
          const end = until === undefined ? now + cooldownMillis : until instanceof Date ? until.getTime() : until
          entry.lastLimitedAt = now
          if (end > now) entry.health = { _tag: "CoolingDown", until: end }
        }).pipe(Effect.withSpan("AccountPool.reportLimited")),
      reportUnauthorized: (name) =>
        Effect.flatMap(lookup(name), (entry) => Effect.asVoid(attempt(entry, (session) => session.recoverUnauthorized)))
          .pipe(Effect.withSpan("AccountPool.reportUnauthorized")),
      reportNeedsLogin: (name, reason, recheckAt = Number.MAX_SAFE_INTEGER) =>
        Effect.map(lookup(name), (entry) => {
          entry.health = { _tag: "NeedsLogin", reason, recheckAt }
        }).pipe(Effect.withSpan("AccountPool.reportNeedsLogin")),
      reportLoggedIn: (name) =>
        Effect.map(lookup(name), (entry) => {
          if (entry.health._tag === "NeedsLogin" || entry.health._tag === "Failing") entry.health = healthy
        }).pipe(Effect.withSpan("AccountPool.reportLoggedIn")),
      health: (name) =>
        Effect.flatMap(lookup(name), (entry) => Effect.map(Clock.currentTimeMillis, (now) => effective(entry, now))),
      session: (name) => Effect.map(lookup(name), (entry) => entry.session),
      add: (definition) => add(definition).pipe(Effect.withSpan("AccountPool.add")),
      remove
    }
    return service
  })
