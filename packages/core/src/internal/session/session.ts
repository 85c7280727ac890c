import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as AuthJson from "../../AuthJson.ts"
import { CredentialStore } from "../../CredentialStore.ts"
import type { CredentialStoreError } from "../../CredentialStore.ts"
import * as Headers from "../../Headers.ts"
import { OAuthClient } from "../../OAuthClient.ts"
import type { RefreshTokenRejected } from "../../OAuthError.ts"
import { ProviderProfile } from "../../ProviderProfile.ts"
import * as ReadModel from "../../ReadModel.ts"
import type * as Session from "../../Session.ts"
import type { SessionError } from "../../SessionError.ts"
import {
  AccountChanged,
  BearerTokenUnavailable,
  LoginFailed,
  LoginMethodRestricted,
  LoginRequired,
  WorkspaceRestricted
} from "../../SessionError.ts"
import * as TokenSet from "../../TokenSet.ts"
import * as agentIdentity from "../agentIdentityPlain.ts"

type Loaded =
  | {
    readonly _tag: "ChatGpt"
    readonly tokenSet: TokenSet.TokenSet
    readonly document: AuthJson.AuthDocument
    readonly bearer: Redacted.Redacted<string>
  }
  | {
    readonly _tag: "ApiKey"
    readonly apiKey: Redacted.Redacted<string>
    readonly document: AuthJson.AuthDocument
    readonly bearer: Redacted.Redacted<string>
  }

const fromDocument = (document: AuthJson.AuthDocument): Option.Option<Loaded> => {
  const mode = AuthJson.resolvedMode(document)
  if (mode === "apikey") {
    return Option.map(document.openaiApiKey, (apiKey) => ({ _tag: "ApiKey", apiKey, document, bearer: apiKey }))
  }
  return Option.map(TokenSet.fromAuthDocument(document), (tokenSet) => ({
    _tag: "ChatGpt",
    tokenSet,
    document,
    bearer: tokenSet.accessToken
  }))
}

/** The status claims of an access-token (Agent Identity) login; none for any other document. */
const agentIdentityOf = (document: AuthJson.AuthDocument): Option.Option<agentIdentity.PlainAgentIdentityStatus> =>
  Option.map(
    Option.fromNullable(agentIdentity.storedToken({
      authMode: Option.getOrUndefined(document.authMode),
      hasApiKey: Option.isSome(document.openaiApiKey),
      agentIdentity: Option.getOrUndefined(Option.map(document.agentIdentity, Redacted.value))
    })),
    agentIdentity.statusClaims
  )

const toCredentials = (loaded: Loaded): Session.Credentials =>
  loaded._tag === "ChatGpt" ? { _tag: "ChatGpt", tokenSet: loaded.tokenSet } : { _tag: "ApiKey", apiKey: loaded.apiKey }

const secretEquals = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>): boolean =>
  Redacted.value(a) === Redacted.value(b)

/** Same credentials byte for byte (the store was not changed by anyone else). */
const sameCredentials = (a: Loaded, b: Loaded): boolean => {
  if (a._tag === "ApiKey" || b._tag === "ApiKey") {
    return a._tag === b._tag && secretEquals(a.bearer, b.bearer)
  }
  return secretEquals(a.tokenSet.refreshToken, b.tokenSet.refreshToken) &&
    secretEquals(a.tokenSet.accessToken, b.tokenSet.accessToken)
}

const sameAccount = (a: Loaded, b: Loaded): boolean =>
  a._tag === "ChatGpt" && b._tag === "ChatGpt" ? TokenSet.sameAccount(a.tokenSet, b.tokenSet) : a._tag === b._tag

const isFresh = (loaded: Loaded, now: number): boolean =>
  loaded._tag === "ApiKey" || !TokenSet.needsRefresh(loaded.tokenSet, now)

const workspaceOf = (tokenSet: TokenSet.TokenSet): Option.Option<string> =>
  Option.orElse(tokenSet.accountId, () => tokenSet.idTokenInfo.chatgptAccountId)

const trimSlashes = (url: string): string => url.replace(/\/+$/, "")

export const make = (
  options: Session.Options = {}
): Effect.Effect<Session.Session.Service, never, CredentialStore | OAuthClient | ProviderProfile | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* CredentialStore
    const oauth = yield* OAuthClient
    const profile = yield* ProviderProfile
    const scope = yield* Effect.scope
    const forcedWorkspaceIds = options.forcedWorkspaceIds ?? []
    const userAgent = options.userAgent ?? profile.userAgent
    const retrySchedule = Schedule.exponential(Duration.millis(options.refreshRetryDelayMillis ?? 250)).pipe(
      Schedule.intersect(Schedule.recurs(options.refreshRetries ?? 3))
    )

    // The session's state. Plain variables: JavaScript runs one fiber step at a time, and every change happens
    // inside `mutex` (or, for `inflight`, in one synchronous step), so the warm path reads them without locking.
    let current: Loaded | undefined
    let permanentFailure: { readonly refreshToken: string; readonly error: RefreshTokenRejected } | undefined
    let inflight: Deferred.Deferred<Loaded, SessionError> | undefined
    // The refresh token of the last grant that failed ambiguously (it may have been spent).
    let ambiguousFor: string | undefined
    const mutex = yield* Effect.makeSemaphore(1)

    // Another replica stored newer credentials: forget ours, so the next call reads the store instead of serving a
    // bearer the issuer may already have replaced (a refresh in flight here sets `current` itself when it ends).
    if (store.changes !== undefined) {
      yield* Effect.forkIn(
        Stream.runForEach(store.changes, () =>
          Effect.sync(() => {
            if (inflight === undefined) current = undefined
          })),
        scope
      )
    }

    const source = options.policySource
    // §10: credentials of a forbidden method or workspace are removed when loaded to be used (as `codex exec` does);
    // `status` only refuses them (as `codex login status` does: it leaves auth.json alone).
    const removeForPolicy = (remove: boolean): Effect.Effect<boolean, CredentialStoreError> =>
      remove ? Effect.zipLeft(store.remove, Effect.sync(() => (current = undefined))) : Effect.succeed(false)
    const enforceRestrictions = (loaded: Loaded, remove = true): Effect.Effect<Loaded, SessionError> =>
      Effect.gen(function*() {
        const method = options.forcedLoginMethod
        if (
          (method === "chatgpt" && loaded._tag === "ApiKey") || (method === "api" && loaded._tag === "ChatGpt")
        ) {
          const removed = yield* removeForPolicy(remove)
          return yield* new LoginMethodRestricted({ required: method, removed, during: "load", source })
        }
        if (loaded._tag === "ChatGpt" && forcedWorkspaceIds.length > 0) {
          const found = workspaceOf(loaded.tokenSet)
          if (Option.isNone(found) || !forcedWorkspaceIds.includes(found.value)) {
            const removed = yield* removeForPolicy(remove)
            return yield* new WorkspaceRestricted({
              allowed: forcedWorkspaceIds,
              found: Option.getOrUndefined(found),
              removed,
              source
            })
          }
        }
        return loaded
      })

    /**
     * An access-token (Agent Identity) login: §10 as Codex applies it at load (it counts as a ChatGPT login for
     * `forced_login_method`, and its `account_id` claim is its workspace), then no bearer to serve.
     */
    const agentIdentityRestrictions = (
      claims: agentIdentity.PlainAgentIdentityStatus,
      remove: boolean
    ): Effect.Effect<void, SessionError> =>
      Effect.gen(function*() {
        if (options.forcedLoginMethod === "api") {
          const removed = yield* removeForPolicy(remove)
          return yield* new LoginMethodRestricted({ required: "api", removed, during: "load", source })
        }
        if (
          forcedWorkspaceIds.length > 0 &&
          (claims.accountId === undefined || !forcedWorkspaceIds.includes(claims.accountId))
        ) {
          const removed = yield* removeForPolicy(remove)
          return yield* new WorkspaceRestricted({
            allowed: forcedWorkspaceIds,
            found: claims.accountId,
            removed,
            source
          })
        }
      })
    const refuseAgentIdentity = (
      claims: agentIdentity.PlainAgentIdentityStatus
    ): Effect.Effect<never, SessionError> =>
      Effect.gen(function*() {
        yield* agentIdentityRestrictions(claims, true)
        current = undefined
        return yield* new BearerTokenUnavailable({ mode: "agentIdentity", location: store.location })
      })

    const loadStored: Effect.Effect<Option.Option<Loaded>, SessionError> = Effect.flatMap(
      store.load,
      Option.match({
        onNone: () => Effect.succeedNone,
        onSome: (document) =>
          Option.match(agentIdentityOf(document), {
            onSome: refuseAgentIdentity,
            onNone: () =>
              Option.match(fromDocument(document), {
                onNone: () => Effect.succeedNone,
                onSome: (loaded) => Effect.asSome(enforceRestrictions(loaded))
              })
          })
      })
    )

    const noCredentials = () => new LoginRequired({ reason: "no-credentials", location: store.location })

    /** What the store holds, reconciled with memory: adopt another process's tokens for the same account. */
    const reconcile = (stored: Loaded): Effect.Effect<Loaded, AccountChanged> => {
      if (current === undefined || sameCredentials(current, stored)) return Effect.succeed(stored)
      const ourTokensAreDead = current._tag === "ChatGpt" && permanentFailure !== undefined &&
        permanentFailure.refreshToken === Redacted.value(current.tokenSet.refreshToken)
      if (sameAccount(current, stored) || ourTokensAreDead || current._tag !== stored._tag) {
        return Effect.succeed(stored)
      }
      return Effect.fail(new AccountChanged({ location: store.location }))
    }

    const refreshUrl = (tokenSet: TokenSet.TokenSet): string | undefined => {
      if (options.refreshTokenUrlOverride !== undefined && options.refreshTokenUrlOverride.trim() !== "") {
        return options.refreshTokenUrlOverride.trim()
      }
      if (Option.isSome(profile.refreshTokenUrlOverride)) return profile.refreshTokenUrlOverride.value
      // Refresh where the tokens came from (§5): the issuer recorded with them, when it is not the profile's.
      return Option.match(tokenSet.provenance, {
        onNone: () => undefined,
        onSome: ({ issuer }) =>
          trimSlashes(issuer) === trimSlashes(profile.issuer) ? undefined : `${trimSlashes(issuer)}/oauth/token`
      })
    }

    // Revoke where the tokens came from, like refresh: a token minted by another issuer (an emulator, a company
    // issuer) is never sent to the profile's. Upstream 0.169 revokes at the default issuer; an explicit revoke URL
    // (CODEX_REVOKE_TOKEN_URL_OVERRIDE, kept by the profile as an Option) still wins.
    const revokeOptions = (
      provenance: Option.Option<{ readonly issuer: string }>
    ): { readonly url: string } | undefined => {
      if (Option.isSome(profile.revokeTokenUrlOverride)) return undefined
      return Option.match(provenance, {
        onNone: () => undefined,
        onSome: ({ issuer }) =>
          trimSlashes(issuer) === trimSlashes(profile.issuer)
            ? undefined
            : { url: `${trimSlashes(issuer)}/oauth/revoke` }
      })
    }

    const rememberPermanent = (refreshToken: Redacted.Redacted<string>, error: RefreshTokenRejected) =>
      Effect.sync(() => {
        permanentFailure = { refreshToken: Redacted.value(refreshToken), error }
      })

    /**
     * Refresh `stored` (held under the store lock), save, and make it current. Once the grant is on its way nothing
     * interrupts this (a signal, `close()`, an abort): the issuer's answer is the only copy of the rotated refresh
     * token, so it is saved — or journaled — before the interruption takes effect. The grant is bounded by the
     * profile's `refreshTimeout` and sent once: retries (only of grants that provably spent nothing) happen outside
     * the lock, in `retryUnspent`.
     */
    const refreshAndSave = (stored: Extract<Loaded, { _tag: "ChatGpt" }>): Effect.Effect<Loaded, SessionError> =>
      Effect.uninterruptible(Effect.gen(function*() {
        const refreshToken = stored.tokenSet.refreshToken
        if (permanentFailure !== undefined && permanentFailure.refreshToken === Redacted.value(refreshToken)) {
          return yield* permanentFailure.error
        }
        // Prove the answer can be kept before spending the token it replaces.
        const prepared = store.prepareSave === undefined ? undefined : yield* store.prepareSave(stored.document)
        const release = prepared === undefined ? Effect.void : prepared.release
        const url = refreshUrl(stored.tokenSet)
        // The grant runs in a fiber of its own that stays interruptible, so that its own bound (refreshTimeout) can
        // cut it off; this fiber joins it without being interruptible, so that nothing else can. A daemon, not a
        // child: an interrupted fiber passes the interruption on to its children, which would abort the grant.
        const grant = Effect.flatMap(
          Effect.forkDaemon(Effect.interruptible(oauth.refresh(refreshToken, url === undefined ? undefined : { url }))),
          Fiber.join
        )
        const refreshed = yield* grant.pipe(
          Effect.map(Option.some),
          Effect.catchTag("RefreshTokenRejected", (error) =>
            error.reason !== "reused"
              ? Effect.zipRight(rememberPermanent(refreshToken, error), Effect.fail(error))
              // Another process may have used it first and stored what it got: adopt that.
              : Effect.flatMap(loadStored, (again) => {
                if (
                  Option.isSome(again) && again.value._tag === "ChatGpt" &&
                  !secretEquals(again.value.tokenSet.refreshToken, refreshToken) &&
                  TokenSet.sameAccount(again.value.tokenSet, stored.tokenSet)
                ) {
                  return Effect.succeed(Option.none())
                }
                return Effect.zipRight(rememberPermanent(refreshToken, error), Effect.fail(error))
              })),
          Effect.tapError((error) =>
            Effect.zipRight(
              release,
              Effect.sync(() => {
                if (
                  (error._tag === "RefreshTransientError" && !error.retryable) || error._tag === "MalformedResponse"
                ) {
                  ambiguousFor = Redacted.value(refreshToken)
                }
              })
            )
          )
        )
        if (Option.isNone(refreshed)) {
          yield* release
          const again = yield* loadStored
          if (Option.isNone(again)) return yield* noCredentials()
          current = again.value
          return again.value
        }
        const now = yield* Clock.currentTimeMillis
        const merged = yield* TokenSet.merge(stored.tokenSet, refreshed.value, now).pipe(Effect.tapError(() => release))
        const document = TokenSet.toAuthDocument(merged, stored.document)
        yield* prepared === undefined ? store.save(document) : prepared.commit(document)
        const next: Loaded = { _tag: "ChatGpt", tokenSet: merged, document, bearer: merged.accessToken }
        current = next
        return next
      }))

    /** Sends a grant again only when the failed one provably left the refresh token unspent; never under the lock. */
    const retryUnspent = (effect: Effect.Effect<Loaded, SessionError>): Effect.Effect<Loaded, SessionError> =>
      Effect.retry(effect, {
        schedule: retrySchedule,
        while: (error) => error._tag === "RefreshTransientError" && error.retryable
      })

    /**
     * Under the store lock: re-read, adopt what another process stored, and refresh only if still needed.
     * `force`: refresh even a fresh token, unless the store held newer tokens than ours (then those are the answer).
     */
    const lockedEnsure = (force: boolean): Effect.Effect<Loaded, SessionError> =>
      store.withLock(Effect.gen(function*() {
        const stored = yield* loadStored
        if (Option.isNone(stored)) {
          current = undefined
          return yield* noCredentials()
        }
        const changed = current === undefined || !sameCredentials(current, stored.value)
        const adopted = yield* reconcile(stored.value)
        const now = yield* Clock.currentTimeMillis
        if (adopted._tag === "ApiKey" || ((!force || (changed && current !== undefined)) && isFresh(adopted, now))) {
          current = adopted
          return adopted
        }
        return yield* refreshAndSave(adopted)
      }))

    const ensureFresh: Effect.Effect<Loaded, SessionError> = mutex.withPermits(1)(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (current !== undefined && isFresh(current, now)) return current
      if (current === undefined) {
        // First use: a fresh stored token needs no lock.
        const stored = yield* loadStored
        if (Option.isNone(stored)) return yield* noCredentials()
        if (isFresh(stored.value, now)) {
          current = stored.value
          return stored.value
        }
      }
      return yield* retryUnspent(lockedEnsure(false))
    }))

    /** One refresh at a time in this process; every caller waiting on it gets its result. */
    const singleFlight: Effect.Effect<Loaded, SessionError> = Effect.suspend(() => {
      if (inflight !== undefined) return Deferred.await(inflight)
      const deferred = Deferred.unsafeMake<Loaded, SessionError>(FiberId.none)
      inflight = deferred
      return ensureFresh.pipe(
        Effect.exit,
        Effect.flatMap((exit) => {
          inflight = undefined
          return Deferred.done(deferred, exit)
        }),
        // The refresh belongs to the session, not to the first caller: interrupting that caller leaves it running.
        Effect.forkIn(scope),
        Effect.zipRight(Deferred.await(deferred))
      )
    })

    let loginInflight: Deferred.Deferred<Loaded, SessionError> | undefined

    const saveLoginLoaded = (outcome: Session.LoginOutcome): Effect.Effect<Loaded, SessionError> =>
      Effect.gen(function*() {
        const method = options.forcedLoginMethod
        if ((method === "chatgpt" && outcome._tag === "ApiKey") || (method === "api" && outcome._tag === "ChatGpt")) {
          return yield* new LoginMethodRestricted({ required: method, removed: false, during: "login" })
        }
        if (outcome._tag === "ChatGpt" && forcedWorkspaceIds.length > 0) {
          const found = workspaceOf(outcome.tokenSet)
          if (Option.isNone(found) || !forcedWorkspaceIds.includes(found.value)) {
            return yield* new WorkspaceRestricted({
              allowed: forcedWorkspaceIds,
              found: Option.getOrUndefined(found),
              removed: false
            })
          }
        }
        const { next, superseded } = yield* mutex.withPermits(1)(store.withLock(Effect.gen(function*() {
          const previous = yield* store.load.pipe(
            Effect.catchTag("AuthFileInvalid", () => Effect.succeedNone)
          )
          const document = outcome._tag === "ChatGpt"
            ? TokenSet.toAuthDocument(outcome.tokenSet, Option.getOrUndefined(previous), {
              openaiApiKey: outcome.openaiApiKey
            })
            : AuthJson.fromApiKey(outcome.apiKey)
          yield* store.save(document)
          const next: Loaded = outcome._tag === "ChatGpt"
            ? { _tag: "ChatGpt", tokenSet: outcome.tokenSet, document, bearer: outcome.tokenSet.accessToken }
            : { _tag: "ApiKey", apiKey: outcome.apiKey, document, bearer: outcome.apiKey }
          current = next
          permanentFailure = undefined
          const superseded = Option.filter(
            Option.flatMap(previous, (doc) => doc.tokens),
            (old) => outcome._tag === "ApiKey" || !secretEquals(old.refreshToken, outcome.tokenSet.refreshToken)
          )
          return { next, superseded }
        })))
        // Re-login replaces a refresh token: revoke the old one (best effort, after the new one is safe).
        if (Option.isSome(superseded)) {
          yield* oauth.revoke(
            { refreshToken: superseded.value.refreshToken },
            revokeOptions(superseded.value.oauthProvenance)
          ).pipe(Effect.ignore)
        }
        return next
      })

    const runLogin = (login: Effect.Effect<Session.LoginOutcome, unknown>): Effect.Effect<Loaded, SessionError> =>
      Effect.suspend(() => {
        if (loginInflight !== undefined) return Deferred.await(loginInflight)
        const deferred = Deferred.unsafeMake<Loaded, SessionError>(FiberId.none)
        loginInflight = deferred
        return login.pipe(
          Effect.mapError((cause) => new LoginFailed({ cause })),
          Effect.flatMap(saveLoginLoaded),
          Effect.exit,
          Effect.flatMap((exit) => {
            loginInflight = undefined
            return Deferred.done(deferred, exit)
          }),
          Effect.forkIn(scope),
          Effect.zipRight(Deferred.await(deferred))
        )
      })

    const slowPath: Effect.Effect<Loaded, SessionError> = options.login === undefined
      ? singleFlight
      : Effect.catchIf(
        singleFlight,
        (error): error is LoginRequired => error._tag === "LoginRequired",
        () => runLogin(options.login!)
      )

    const getLoaded: Effect.Effect<Loaded, SessionError> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const loaded = current
      return loaded !== undefined && isFresh(loaded, now) ? Effect.succeed(loaded) : slowPath
    })

    const getToken: Effect.Effect<Redacted.Redacted<string>, SessionError> = Effect.map(
      getLoaded,
      (loaded) => loaded.bearer
    )

    /** §11 through the read model (`ReadModel.accountHeaders`), the bearer unwrapped only at the edge. */
    const headersOf = (loaded: Loaded) => {
      const account = ReadModel.accountHeaders(
        loaded._tag === "ChatGpt"
          ? {
            _tag: "ChatGpt",
            workspaceId: Option.getOrUndefined(workspaceOf(loaded.tokenSet)),
            fedramp: Option.getOrUndefined(loaded.tokenSet.idTokenInfo.chatgptAccountIsFedramp)
          }
          : loaded
      )
      return Headers.make({
        bearer: loaded.bearer,
        accountId: Option.fromNullable(account.accountId),
        fedramp: account.fedramp,
        originator: profile.originator,
        userAgent
      })
    }

    /** Forced refresh, single-flighted by comparing the bearer the caller saw with the current one. */
    const forced = (seen: Redacted.Redacted<string> | undefined): Effect.Effect<Loaded, SessionError> =>
      mutex.withPermits(1)(Effect.suspend(() => {
        if (current !== undefined && ReadModel.adoptsNewer(seen, current.bearer, secretEquals)) {
          return Effect.succeed(current)
        }
        return retryUnspent(lockedEnsure(true))
      }))

    const recoverUnauthorized = Effect.suspend(() => forced(current?.bearer)).pipe(
      Effect.map((loaded) => loaded.bearer),
      Effect.withSpan("Session.recoverUnauthorized")
    )

    const refresh = Effect.suspend(() => forced(current?.bearer)).pipe(
      Effect.map(toCredentials),
      Effect.withSpan("Session.refresh")
    )

    /** The read model's status (`ReadModel.status`), in `Option`s. */
    const statusOf = (document: Option.Option<AuthJson.AuthDocument>): Session.Status => {
      const plain = ReadModel.status(
        Option.getOrUndefined(Option.map(document, AuthJson.toPlain)),
        { kind: store.kind, location: store.location }
      )
      return ReadModel.mapStatus(plain, Option.fromNullable)
    }

    /** §10 for `status`: refuse what `getToken` would remove, leaving the store alone. */
    const statusRestrictions = (document: Option.Option<AuthJson.AuthDocument>) =>
      Option.match(Option.flatMap(document, agentIdentityOf), {
        onSome: (claims) => agentIdentityRestrictions(claims, false),
        onNone: () =>
          Option.match(Option.flatMap(document, fromDocument), {
            onNone: () => Effect.void,
            onSome: (loaded) => Effect.asVoid(enforceRestrictions(loaded, false))
          })
      }) as Effect.Effect<void, WorkspaceRestricted | LoginMethodRestricted>

    const status: Effect.Effect<
      Session.Status,
      CredentialStoreError | AuthJson.AuthFileInvalid | WorkspaceRestricted | LoginMethodRestricted
    > = store.load.pipe(
      Effect.tap(statusRestrictions),
      Effect.map(statusOf),
      Effect.withSpan("Session.status")
    )

    const logoutWith = (logoutOptions: Session.LogoutOptions) =>
      mutex.withPermits(1)(store.withLock(Effect.gen(function*() {
        const document = yield* store.load.pipe(Effect.catchTag("AuthFileInvalid", () => Effect.succeedNone))
        const tokens = Option.flatMap(document, (doc) => doc.tokens)
        let revoke: Session.LogoutResult["revoke"] = "skipped"
        if (Option.isSome(tokens) && logoutOptions.revoke !== false) {
          revoke = yield* oauth.revoke(
            { refreshToken: tokens.value.refreshToken },
            revokeOptions(tokens.value.oauthProvenance)
          ).pipe(
            Effect.as("revoked" as const),
            Effect.orElseSucceed(() => "failed" as const)
          )
        }
        const removed = yield* store.remove
        current = undefined
        permanentFailure = undefined
        return { removed, revoke }
      }))).pipe(Effect.withSpan("Session.logout"))
    const logout = logoutWith({})

    if (options.proactiveRefresh === true) {
      const nextDelay = Effect.map(Clock.currentTimeMillis, (now) => {
        const loaded = current
        if (loaded === undefined || loaded._tag === "ApiKey") return Duration.minutes(1)
        const due = Option.match(loaded.tokenSet.accessTokenExpiresAt, {
          onNone: () => Option.getOrElse(loaded.tokenSet.lastRefresh, () => now) + TokenSet.refreshIntervalMillis,
          onSome: (exp) => exp - TokenSet.refreshSkewMillis
        })
        return Duration.millis(Math.max(1_000, due - now + 1_000))
      })
      // After an ambiguous failure the token may be spent: the background fiber does not try it again on its own (a
      // caller's next demand may); it waits for the session to hold another token.
      const spentMaybe = () =>
        current !== undefined && current._tag === "ChatGpt" &&
        ambiguousFor === Redacted.value(current.tokenSet.refreshToken)
      const tick = Effect.suspend(() => spentMaybe() ? Effect.sleep(Duration.minutes(1)) : singleFlight).pipe(
        Effect.asVoid,
        Effect.catchAll(() => Effect.sleep(Duration.seconds(30)))
      )
      yield* nextDelay.pipe(
        Effect.flatMap(Effect.sleep),
        Effect.zipRight(tick),
        Effect.forever,
        Effect.interruptible,
        Effect.forkIn(scope)
      )
    }

    const service: Session.Session.Service = {
      getToken,
      getHeaders: Effect.map(getLoaded, headersOf),
      getCredentials: Effect.map(getLoaded, toCredentials),
      refresh,
      recoverUnauthorized,
      status,
      logout,
      logoutWith,
      saveLogin: (outcome) =>
        Effect.map(saveLoginLoaded(outcome), toCredentials).pipe(Effect.withSpan("Session.saveLogin"))
    }
    return service
  })
