import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
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
import { OnDemandLogin } from "../../OnDemandLogin.ts"
import { ProviderProfile } from "../../ProviderProfile.ts"
import * as ReadModel from "../../ReadModel.ts"
import * as RefreshGrant from "../../RefreshGrant.ts"
import type * as Session from "../../Session.ts"
import type { SessionError } from "../../SessionError.ts"
import {
  AccountChanged,
  BearerTokenUnavailable,
  LoginFailed,
  type LoginMethodRestricted,
  LoginRequired,
  type WorkspaceRestricted
} from "../../SessionError.ts"
import * as TokenSet from "../../TokenSet.ts"
import * as Workspace from "../../Workspace.ts"
import * as agentIdentity from "../agentIdentityPlain.ts"
import * as SingleFlight from "./singleFlight.ts"
import * as State from "./state.ts"
import type { Loaded } from "./state.ts"

const { agentIdentityOf, fromDocument, secretEquals, toCredentials, workspaceOf } = State

const trimSlashes = (url: string): string => url.replace(/\/+$/, "")

/** How long a `refresh_token_reused` waits for another process to save what it got (see `awaitOtherWriter`). */
const reuseWatchMillis = 2_000
const reuseWatchSchedule = Schedule.spaced(Duration.millis(25))
const liveClock = Clock.make()

export const make = (
  options: Session.Options = {}
): Effect.Effect<Session.Session.Service, never, CredentialStore | OAuthClient | ProviderProfile | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* CredentialStore
    const oauth = yield* OAuthClient
    const profile = yield* ProviderProfile
    const scope = yield* Effect.scope
    const policy: Workspace.Policy = {
      forcedLoginMethod: options.forcedLoginMethod,
      forcedWorkspaceIds: options.forcedWorkspaceIds ?? []
    }
    const userAgent = options.userAgent ?? profile.userAgent
    const retrySchedule = Schedule.exponential(Duration.millis(options.refreshRetryDelayMillis ?? 250)).pipe(
      Schedule.intersect(Schedule.recurs(options.refreshRetries ?? 3))
    )

    // The session's state: one immutable value, replaced by the transitions of state.ts. A plain variable:
    // JavaScript runs one fiber step at a time, and every change happens inside `mutex` (or in one synchronous step),
    // so the warm path reads it without locking.
    let state: State.State = State.initial
    const update = (transition: (current: State.State) => State.State) =>
      Effect.sync(() => {
        state = transition(state)
      })
    const mutex = yield* Effect.makeSemaphore(1)
    const refreshFlight = SingleFlight.make<Loaded, SessionError>(scope)
    const loginFlight = SingleFlight.make<Loaded, SessionError>(scope)

    // Another replica stored newer credentials: forget ours, so the next call reads the store instead of serving a
    // bearer the issuer may already have replaced (a refresh in flight here sets the state itself when it ends).
    if (store.changes !== undefined) {
      yield* Effect.forkIn(
        Stream.runForEach(store.changes, () =>
          Effect.sync(() => {
            if (!refreshFlight.busy()) state = State.forgotten(state)
          })),
        scope
      )
    }

    const source = options.policySource
    /**
     * §10 (`Workspace.violation`) on credentials being loaded: to be used, they are removed (as `codex exec` does);
     * for `status` (`remove: false`) only refused (as `codex login status` does: it leaves auth.json alone).
     */
    const restrict = (
      subject: Workspace.Subject,
      remove: boolean
    ): Effect.Effect<void, LoginMethodRestricted | WorkspaceRestricted | CredentialStoreError> => {
      const found = Workspace.violation(policy, subject)
      if (found === undefined) return Effect.void
      const removed = remove
        ? Effect.zipLeft(store.remove, update(State.forgotten))
        : Effect.succeed(false)
      return Effect.flatMap(
        removed,
        (removed) => Effect.fail(Workspace.toError(found, { during: "load", removed, source }))
      )
    }

    /** An access-token (Agent Identity) login: §10 as for any login, then no bearer to serve. */
    const refuseAgentIdentity = (
      claims: agentIdentity.PlainAgentIdentityStatus
    ): Effect.Effect<never, SessionError> =>
      Effect.zipRight(
        restrict(State.agentIdentitySubject(claims), true),
        Effect.suspend(() => {
          state = State.forgotten(state)
          return Effect.fail(new BearerTokenUnavailable({ mode: "agentIdentity", location: store.location }))
        })
      )

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
                onSome: (loaded) => Effect.as(restrict(State.subjectOf(loaded), true), Option.some(loaded))
              })
          })
      })
    )

    const noCredentials = () => new LoginRequired({ reason: "no-credentials", location: store.location })

    const refreshUrl = (tokenSet: TokenSet.TokenSet): string | undefined =>
      RefreshGrant.url(profile, tokenSet, options.refreshTokenUrlOverride)

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
        const known = State.knownRejection(state, refreshToken)
        if (known !== undefined) return yield* known
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
        const rememberRejected = (error: RefreshTokenRejected) =>
          Effect.zipRight(update((current) => State.rejected(current, refreshToken, error)), Effect.fail(error))
        const refreshed = yield* grant.pipe(
          Effect.map(Option.some),
          Effect.catchTag("RefreshTokenRejected", (error) =>
            error.reason !== "reused"
              ? rememberRejected(error)
              // Another process may have used it first and stored what it got: adopt that.
              : Effect.flatMap(loadStored, (again) => {
                if (
                  Option.isSome(again) && again.value._tag === "ChatGpt" &&
                  !secretEquals(again.value.tokenSet.refreshToken, refreshToken) &&
                  TokenSet.sameAccount(again.value.tokenSet, stored.tokenSet)
                ) {
                  return Effect.succeed(Option.none())
                }
                reusedNow = Redacted.value(refreshToken)
                return rememberRejected(error)
              })),
          Effect.tapError((error) =>
            Effect.zipRight(
              release,
              Effect.sync(() => {
                if (
                  (error._tag === "RefreshTransientError" && !error.retryable) || error._tag === "MalformedResponse"
                ) {
                  state = State.ambiguous(state, refreshToken)
                }
              })
            )
          )
        )
        if (Option.isNone(refreshed)) {
          yield* release
          const again = yield* loadStored
          if (Option.isNone(again)) return yield* noCredentials()
          state = State.serving(state, again.value)
          return again.value
        }
        const now = yield* Clock.currentTimeMillis
        const { document, tokenSet: merged } = yield* RefreshGrant.apply(stored, refreshed.value, now).pipe(
          Effect.tapError(() => release)
        )
        yield* prepared === undefined ? store.save(document) : prepared.commit(document)
        const next: Loaded = { _tag: "ChatGpt", tokenSet: merged, document, bearer: merged.accessToken }
        state = State.serving(state, next)
        return next
      }))

    /** Sends a grant again only when the failed one provably left the refresh token unspent; never under the lock. */
    const retryUnspent = (effect: Effect.Effect<Loaded, SessionError>): Effect.Effect<Loaded, SessionError> =>
      Effect.retry(effect, {
        schedule: retrySchedule,
        while: (error) => error._tag === "RefreshTransientError" && error.retryable
      })

    /**
     * After the issuer answered `refresh_token_reused` for the token the store still held (set by `refreshAndSave`):
     * another process may have spent it and be waiting for auth.lock to save what it got — the Codex CLI sends its
     * grant without holding the lock. Outside the lock, the store is watched for up to `reuseWatchMillis` (on the wall
     * clock: the other writer is another process); once it holds another refresh token, the locked path runs again
     * and decides on it as on any reload. Otherwise the rejection stands.
     */
    let reusedNow: string | undefined
    const awaitOtherWriter = (
      effect: Effect.Effect<Loaded, SessionError>
    ): Effect.Effect<Loaded, SessionError> =>
      Effect.catchIf(
        Effect.suspend(() => {
          reusedNow = undefined
          return effect
        }),
        (error) => error._tag === "RefreshTokenRejected" && reusedNow !== undefined,
        (error) => {
          const spent = reusedNow!
          reusedNow = undefined
          const replaced = Effect.flatMap(
            loadStored,
            (stored): Effect.Effect<void, SessionError | "unchanged"> =>
              Option.isSome(stored) && stored.value._tag === "ChatGpt" &&
                Redacted.value(stored.value.tokenSet.refreshToken) !== spent
                ? Effect.void
                : Effect.fail("unchanged")
          )
          return replaced.pipe(
            Effect.retry({ schedule: reuseWatchSchedule, while: (cause) => cause === "unchanged" }),
            Effect.timeoutFail({ duration: Duration.millis(reuseWatchMillis), onTimeout: () => "unchanged" as const }),
            Effect.withClock(liveClock),
            Effect.catchIf((cause): cause is "unchanged" => cause === "unchanged", () => Effect.fail(error)),
            Effect.zipRight(retryUnspent(lockedEnsure(false)))
          )
        }
      )

    /** Under the store lock: re-read, adopt what another process stored, and refresh only if still needed. */
    const lockedEnsure = (force: boolean): Effect.Effect<Loaded, SessionError> =>
      store.withLock(Effect.gen(function*() {
        const stored = yield* loadStored
        if (Option.isNone(stored)) {
          state = State.forgotten(state)
          return yield* noCredentials()
        }
        const now = yield* Clock.currentTimeMillis
        const decision = State.afterReload(state, stored.value, force, now)
        if (decision === "account-changed") return yield* new AccountChanged({ location: store.location })
        if (decision === "serve" || stored.value._tag === "ApiKey") {
          state = State.serving(state, stored.value)
          return stored.value
        }
        return yield* refreshAndSave(stored.value)
      }))

    const ensureFresh: Effect.Effect<Loaded, SessionError> = mutex.withPermits(1)(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const cached = State.servable(state, now)
      if (cached !== undefined) return cached
      if (state.current === undefined) {
        // First use: a fresh stored token needs no lock.
        const stored = yield* loadStored
        if (Option.isNone(stored)) return yield* noCredentials()
        if (State.isFresh(stored.value, now)) {
          state = State.serving(state, stored.value)
          return stored.value
        }
      }
      return yield* awaitOtherWriter(retryUnspent(lockedEnsure(false)))
    }))

    /** One refresh at a time in this process; every caller waiting on it gets its result. */
    const singleFlight: Effect.Effect<Loaded, SessionError> = Effect.suspend(() => refreshFlight.run(ensureFresh))

    /** What a login outcome is for §10: an access-token login is a ChatGPT login in its `account_id` workspace. */
    const outcomeSubject = (outcome: Session.LoginOutcome): Workspace.Subject =>
      outcome._tag !== "AccessToken" ? State.subjectOf(outcome) : Option.match(
        agentIdentityOf(AuthJson.fromAgentIdentity(outcome.token)),
        { onNone: () => ({ method: "chatgpt", workspace: Option.none() }), onSome: State.agentIdentitySubject }
      )

    /** Saves a login; the credentials now served, none for an access-token login (it has no bearer). */
    const persistLogin = (outcome: Session.LoginOutcome): Effect.Effect<Option.Option<Loaded>, SessionError> =>
      Effect.gen(function*() {
        const found = Workspace.violation(policy, outcomeSubject(outcome))
        if (found !== undefined) return yield* Workspace.toError(found, { during: "login", removed: false })
        const { next, superseded } = yield* mutex.withPermits(1)(store.withLock(Effect.gen(function*() {
          const previous = yield* store.load.pipe(
            Effect.catchTag("AuthFileInvalid", () => Effect.succeedNone)
          )
          const document = outcome._tag === "ChatGpt"
            ? TokenSet.toAuthDocument(outcome.tokenSet, Option.getOrUndefined(previous), {
              openaiApiKey: outcome.openaiApiKey
            })
            : outcome._tag === "ApiKey"
            ? AuthJson.fromApiKey(outcome.apiKey)
            : AuthJson.fromAgentIdentity(outcome.token)
          yield* store.save(document)
          if (outcome._tag === "AccessToken") {
            state = State.loggedOut(state)
            // Codex does not revoke a ChatGPT login an access-token login replaces.
            return { next: Option.none(), superseded: Option.none() }
          }
          const next = State.fromOutcome(outcome, document)
          state = State.loggedIn(state, next)
          const superseded = Option.filter(
            Option.flatMap(previous, (doc) => doc.tokens),
            (old) => outcome._tag === "ApiKey" || !secretEquals(old.refreshToken, outcome.tokenSet.refreshToken)
          )
          return { next: Option.some(next), superseded }
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

    const saveLoginLoaded = (outcome: Session.LoginOutcome): Effect.Effect<Loaded, SessionError> =>
      Effect.flatMap(
        persistLogin(outcome),
        Option.match({
          onSome: Effect.succeed,
          onNone: () => Effect.fail(new BearerTokenUnavailable({ mode: "agentIdentity", location: store.location }))
        })
      )

    // On-demand login: the session's own option, else the `OnDemandLogin` service of the caller's context (the
    // runtime the session lives in provides it); without either, `LoginRequired` stands.
    const onDemandLogin: Effect.Effect<Option.Option<OnDemandLogin.Service["login"]>> = options.login !== undefined
      ? Effect.succeed(Option.some(() => options.login!))
      : Effect.map(Effect.serviceOption(OnDemandLogin), Option.map((service) => service.login))

    // The login saves through `persist` the moment it has the tokens (the browser flow before its redirect), else its
    // result is saved when it returns. A failed save fails as itself, not as `LoginFailed`.
    const runLogin = (login: OnDemandLogin.Service["login"]): Effect.Effect<Loaded, SessionError> =>
      loginFlight.run(Effect.suspend(() => {
        let saved: Loaded | undefined
        let saveFailure: SessionError | undefined
        const persist = (outcome: Session.LoginOutcome) =>
          saveLoginLoaded(outcome).pipe(
            Effect.tapBoth({
              onFailure: (error) => Effect.sync(() => (saveFailure = error)),
              onSuccess: (loaded) => Effect.sync(() => (saved = loaded))
            }),
            Effect.asVoid
          )
        return login(persist).pipe(
          Effect.catchAll((cause) =>
            Effect.fail(saveFailure !== undefined && cause === saveFailure ? saveFailure : new LoginFailed({ cause }))
          ),
          Effect.flatMap((outcome) => saved !== undefined ? Effect.succeed(saved) : saveLoginLoaded(outcome))
        )
      }))

    const slowPath: Effect.Effect<Loaded, SessionError> = Effect.catchIf(
      singleFlight,
      (error): error is LoginRequired => error._tag === "LoginRequired",
      (error) => Effect.flatMap(onDemandLogin, Option.match({ onNone: () => Effect.fail(error), onSome: runLogin }))
    )

    const getLoaded: Effect.Effect<Loaded, SessionError> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const loaded = State.servable(state, now)
      return loaded !== undefined ? Effect.succeed(loaded) : slowPath
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
        const current = state.current
        if (current !== undefined && ReadModel.adoptsNewer(seen, current.bearer, secretEquals)) {
          return Effect.succeed(current)
        }
        return awaitOtherWriter(retryUnspent(lockedEnsure(true)))
      }))

    const recoverUnauthorized = Effect.suspend(() => forced(state.current?.bearer)).pipe(
      Effect.map((loaded) => loaded.bearer),
      Effect.withSpan("Session.recoverUnauthorized")
    )

    const refresh = Effect.suspend(() => forced(state.current?.bearer)).pipe(
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
        onSome: (claims) => restrict(State.agentIdentitySubject(claims), false),
        onNone: () =>
          Option.match(Option.flatMap(document, fromDocument), {
            onNone: () => Effect.void,
            onSome: (loaded) => restrict(State.subjectOf(loaded), false)
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
        state = State.loggedOut(state)
        return { removed, revoke }
      }))).pipe(Effect.withSpan("Session.logout"))
    const logout = logoutWith({})

    if (options.proactiveRefresh === true) {
      const nextDelay = Effect.map(
        Clock.currentTimeMillis,
        (now) => Duration.millis(State.proactiveDelayMillis(state, now))
      )
      // After an ambiguous failure the token may be spent: the background fiber does not try it again on its own (a
      // caller's next demand may); it waits for the session to hold another token.
      const tick = Effect.suspend(() => State.spentMaybe(state) ? Effect.sleep(Duration.minutes(1)) : singleFlight)
        .pipe(
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
        Effect.map(
          persistLogin(outcome),
          // None only for an access-token login, saved as given.
          Option.match({ onSome: (loaded): Session.SavedLogin => toCredentials(loaded), onNone: () => outcome })
        ).pipe(Effect.withSpan("Session.saveLogin"))
    }
    return service
  })
