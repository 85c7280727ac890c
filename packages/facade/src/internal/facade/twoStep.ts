/**
 * The facade's two-step login: `begin` returns a sealed plain-JSON pending login (nothing bound, nothing opened);
 * `finish` (a callback URL the host received) and `await` (the loopback) work on any instance over the same store, in
 * any process, with the same key. Each opens the seal first (altered, foreign-key, foreign-issuer and expired values
 * are typed errors), validates the callback, claims the login's id in the ledger (single use), exchanges the code and
 * saves through the session (§10 and the lock). Nothing is saved on any failure.
 */
import { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import * as Environment from "@codex-auth/core/Environment"
import { LoginCancelled } from "@codex-auth/core/LoginError"
import type * as LoginFlow from "@codex-auth/core/LoginFlow"
import * as Pkce from "@codex-auth/core/Pkce"
import { ProviderProfile } from "@codex-auth/core/ProviderProfile"
import { Session } from "@codex-auth/core/Session"
import * as TwoStepLogin from "@codex-auth/core/TwoStepLogin"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { PendingLoginExpired, PendingLoginInvalid, PendingLoginKeyMissing } from "../../FacadeError.ts"
import * as PendingLogin from "../../PendingLogin.ts"
import { PendingLedger } from "./ledger.ts"
import * as FacadeLogin from "./login.ts"

export interface BeginOptions {
  /** How long the login can be finished, in milliseconds. Default: the instance's login timeout (15 minutes). */
  readonly ttlMillis?: number | undefined
  /** The allowed workspaces of this login. Default: the instance's `workspaceIds`. */
  readonly workspaceIds?: ReadonlyArray<string> | undefined
}

export interface Settings {
  /** The host's key (32 bytes, raw or base64); else `CODEX_AUTH_STORE_KEY`. */
  readonly sealKey: string | Uint8Array | undefined
  readonly ttlMillis: number
  readonly workspaceIds: ReadonlyArray<string> | undefined
}

interface Opened {
  readonly pending: PendingLogin.PendingLogin
  readonly expiresAtMillis: number
  readonly login: TwoStepLogin.PendingLogin
}

const summaryOf = (result: LoginFlow.LoginResult): FacadeLogin.LoginSummary => ({
  method: result.method,
  email: Option.getOrUndefined(result.tokens.idTokenInfo.email),
  accountId: Option.getOrUndefined(result.tokens.accountId),
  plan: Option.getOrUndefined(Option.map(result.tokens.idTokenInfo.chatgptPlanType, (plan) => plan.raw))
})

export const make = (settings: Settings) =>
  Effect.gen(function*() {
    // The key is looked up once (the option, else the variable); a missing one fails only the calls that need it.
    const lookup = yield* Effect.cached(Effect.gen(function*() {
      if (settings.sealKey !== undefined) return Option.some(yield* PendingLogin.importKey("sealKey", settings.sealKey))
      const variable = yield* Environment.storeKey.pipe(Effect.orDie)
      const text = Option.filter(Option.map(variable, (value) => Redacted.value(value).trim()), (value) => value !== "")
      return Option.isNone(text)
        ? Option.none<CryptoKey>()
        : Option.some(yield* PendingLogin.importKey(Environment.names.storeKey, text.value))
    }))
    const keyFor = (operation: string) =>
      Effect.flatMap(
        lookup,
        Option.match({
          onNone: () => Effect.fail(new PendingLoginKeyMissing({ operation })),
          onSome: Effect.succeed
        })
      )
    /** Awaits in flight in this instance, by login id: `cancel` ends them. */
    const waiting = new Map<string, Set<Deferred.Deferred<never, LoginCancelled>>>()
    /** Ids cancelled here, so an `await` that starts meanwhile ends at once. */
    const cancelledHere = new Set<string>()
    const cancelledError = () => new LoginCancelled({ reason: "cancelLogin() was called" })

    const open = (operation: string, input: unknown, options: { readonly expiry: boolean }) =>
      Effect.gen(function*() {
        const key = yield* keyFor(operation)
        const { pending, secrets } = yield* PendingLogin.unseal(key, input)
        const profile = yield* ProviderProfile
        if (secrets.issuer !== profile.issuer || secrets.clientId !== profile.clientId) {
          return yield* new PendingLoginInvalid({
            reason: `it was begun for another issuer or client (${secrets.issuer}); open the instance with that issuer`
          })
        }
        const expiresAtMillis = Date.parse(pending.expiresAt)
        const now = yield* Clock.currentTimeMillis
        if (options.expiry && !(now < expiresAtMillis)) {
          return yield* new PendingLoginExpired({ expiresAt: pending.expiresAt })
        }
        const login = TwoStepLogin.restore({
          authorizeUrl: pending.authorizeUrl,
          redirectUri: pending.redirectUri,
          state: secrets.state,
          codeVerifier: secrets.codeVerifier,
          allowedWorkspaceIds: secrets.workspaceIds,
          timeout: Duration.millis(Math.max(0, expiresAtMillis - now))
        })
        return { pending, expiresAtMillis, login } satisfies Opened
      })

    /** Claim (single use), exchange, save: what runs once a genuine callback is in hand. */
    const completeFor =
      (opened: Opened) => (exchange: Effect.Effect<LoginFlow.LoginResult, LoginFlow.CompletionError>) =>
        Effect.gen(function*() {
          const ledger = yield* PendingLedger
          const session = yield* Session
          yield* ledger.claim(opened.pending.id, opened.expiresAtMillis)
          const result = yield* exchange
          yield* session.saveLogin(FacadeLogin.toOutcome(result))
          return summaryOf(result)
        })

    const begin = (options: BeginOptions = {}) =>
      Effect.gen(function*() {
        const key = yield* keyFor("beginLogin")
        const ttlMillis = options.ttlMillis ?? settings.ttlMillis
        if (!Number.isFinite(ttlMillis) || ttlMillis <= 0) {
          return yield* new PendingLoginInvalid({
            reason: `ttlMillis must be a positive number of milliseconds, not ${String(ttlMillis)}`
          })
        }
        const profile = yield* ProviderProfile
        const workspaceIds = options.workspaceIds ?? settings.workspaceIds
        const started = yield* Effect.scoped(
          TwoStepLogin.beginLogin({ loopback: false, allowedWorkspaceIds: workspaceIds })
        )
        const id = Pkce.base64UrlNoPad(yield* Pkce.randomBytes(16))
        const now = yield* Clock.currentTimeMillis
        return yield* PendingLogin.seal(key, {
          id,
          authorizeUrl: started.authorizeUrl,
          redirectUri: started.redirectUri,
          expiresAt: new Date(now + ttlMillis).toISOString()
        }, {
          state: started.state,
          codeVerifier: started.codeVerifier,
          workspaceIds: workspaceIds !== undefined && workspaceIds.length > 0 ? workspaceIds : undefined,
          issuer: profile.issuer,
          clientId: profile.clientId
        })
      })

    const finish = (input: unknown, callbackUrl: string) =>
      Effect.flatMap(
        open("finishLogin", input, { expiry: true }),
        (opened) => TwoStepLogin.finishLoginWith(opened.login, callbackUrl, completeFor(opened))
      )

    const await_ = (input: unknown) =>
      Effect.gen(function*() {
        const opened = yield* open("awaitLogin", input, { expiry: true })
        const ledger = yield* PendingLedger
        // Finished or cancelled already (anywhere): say so now rather than wait for a callback that cannot succeed.
        yield* ledger.ensureUnused(opened.pending.id)
        const cancelled = yield* Deferred.make<never, LoginCancelled>()
        const id = opened.pending.id
        const register = Effect.suspend(() => {
          if (cancelledHere.has(id)) return Effect.fail(cancelledError())
          const set = waiting.get(id) ?? new Set()
          set.add(cancelled)
          waiting.set(id, set)
          return Effect.void
        })
        const unregister = Effect.sync(() => {
          const set = waiting.get(id)
          set?.delete(cancelled)
          if (set?.size === 0) waiting.delete(id)
        })
        return yield* Effect.acquireUseRelease(
          register,
          () =>
            Effect.scoped(Effect.flatMap(
              TwoStepLogin.listen(opened.login, completeFor(opened)),
              (result) => Effect.raceFirst(result, Deferred.await(cancelled))
            )),
          () => unregister
        )
      })

    const openInBrowser = (input: unknown) =>
      Effect.gen(function*() {
        const opened = yield* open("openInBrowser", input, { expiry: true })
        const opener = yield* BrowserOpener
        yield* opener.open(opened.pending.authorizeUrl)
      })

    const cancel = (input: unknown) =>
      Effect.gen(function*() {
        const opened = yield* open("cancelLogin", input, { expiry: false })
        const ledger = yield* PendingLedger
        yield* ledger.claim(opened.pending.id, opened.expiresAtMillis).pipe(
          Effect.catchTag("PendingLoginConsumed", () => Effect.void)
        )
        cancelledHere.add(opened.pending.id)
        const set = waiting.get(opened.pending.id)
        if (set !== undefined) {
          yield* Effect.forEach(set, (deferred) => Deferred.fail(deferred, cancelledError()), { discard: true })
        }
      })

    return { begin, finish, await: await_, openInBrowser, cancel }
  })
