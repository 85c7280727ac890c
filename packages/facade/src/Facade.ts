/**
 * The Promise facade for embedders that do not use Effect, once for every runtime: a `ManagedRuntime` over the
 * session, the login planner and flows, and the event-stream presenter. A runtime package supplies its ports as a
 * {@link Platform} and re-exports `open` with them (`CodexAuth.open` of `@codex-auth/node` and `@codex-auth/deno`).
 *
 * Every method rejects with a typed error carrying a stable `_tag`: the engine's own errors, or
 * `CodexAuthClosed` / `CodexAuthUnexpected` (`@codex-auth/facade/FacadeError`).
 *
 * @since 0.1.0
 */
/// <reference lib="esnext.disposable" />
import * as ConsolePresenter from "@codex-auth/adapters/ConsolePresenter"
import * as EventStreamPresenter from "@codex-auth/adapters/EventStreamPresenter"
import type { BrowserOpener } from "@codex-auth/core/BrowserOpener"
import type { CodexConfigInvalid, PolicyConflict } from "@codex-auth/core/CodexConfig"
import type { CodexHomeNotFound } from "@codex-auth/core/CodexHome"
import type { CredentialStore, CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as CustomLoginHandler from "@codex-auth/core/CustomLoginHandler"
import type { CaCertificateInvalid } from "@codex-auth/core/HttpClientConfig"
import * as Login from "@codex-auth/core/Login"
import { LoginCancelled } from "@codex-auth/core/LoginError"
import type { LoginResult } from "@codex-auth/core/LoginFlow"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import type { LoginEvent, PasteRequest } from "@codex-auth/core/LoginPresenter"
import type { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import * as OnDemandLogin from "@codex-auth/core/OnDemandLogin"
import * as ReadModel from "@codex-auth/core/ReadModel"
import type { Overrides, RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import type { SecretFile, SecretFileError } from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Terminal } from "@effect/platform/Terminal"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Environment from "./internal/facade/environment.ts"
import * as FacadeLogin from "./internal/facade/login.ts"
import * as TwoStep from "./internal/facade/twoStep.ts"
import type { PendingLogin } from "./PendingLogin.ts"
import * as PromiseRuntime from "./PromiseRuntime.ts"

/**
 * What a login reports (the same events the Effect API's presenters receive). No event carries a secret.
 *
 * @since 0.1.0
 * @category models
 */
export type { LoginEvent } from "@codex-auth/core/LoginPresenter"

/**
 * The ports of one runtime (Node, Deno): everything the facade and the CLI need that only a runtime can provide.
 *
 * @since 0.1.0
 * @category models
 */
export interface Platform {
  /** The file port: the file store, `CODEX_HOME` and its lock. */
  readonly secretFile: Layer.Layer<SecretFile>
  /** The user's home directory (`~/.codex` is the default `CODEX_HOME`). */
  readonly homeDirectory: () => string
  /** The §12 HTTP client, configured from the environment (CA bundle, proxy). */
  readonly httpClient: Layer.Layer<HttpClient.HttpClient, CaCertificateInvalid | ConfigError.ConfigError>
  /** Codex's `User-Agent` for this machine. */
  readonly userAgent: (originator: string, version: string) => string
  readonly loopbackListener: Layer.Layer<LoopbackListener>
  readonly browserOpener: Layer.Layer<BrowserOpener>
  /** The observed facts, with explicit overrides on top. */
  readonly runtimeFacts: (overrides: Overrides) => Layer.Layer<RuntimeFacts>
  /** Human output on stderr and lines read from stdin (the console presenter's terminal). */
  readonly terminal: Layer.Layer<Terminal>
  /**
   * The PostgreSQL store from the environment (`CODEX_AUTH_DATABASE_URL`, …), where this runtime ships it: loaded
   * only when `store: "postgres"` is chosen, so a file-only embedder loads no database driver.
   */
  readonly postgresStore?:
    | (() => Layer.Layer<CredentialStore, CredentialStoreError | ConfigError.ConfigError>)
    | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** `CODEX_HOME`. Default: the `CODEX_HOME` variable, else `~/.codex`. */
  readonly codexHome?: string | undefined
  /**
   * `file` (`CODEX_HOME/auth.json`), `keyring`, `auto` (keyring, else file), `memory`, or `postgres` (a fleet's
   * shared store: `CODEX_AUTH_DATABASE_URL`). Default: `CODEX_AUTH_STORE`, else `file`.
   */
  readonly store?: "file" | "keyring" | "auto" | "memory" | "postgres" | undefined
  /** The login method: `auto` (default: the planner picks for this machine), or force one. */
  readonly flow?: "auto" | "browser" | "device" | "paste" | "custom" | undefined
  /**
   * How a login shows itself: `silent` (default: read `events()` and show it yourself), `console` (gh-style lines
   * on stderr), or a function called with every event.
   */
  readonly presenter?: "silent" | "console" | ((event: LoginEvent) => void) | undefined
  /** Your own login UI: receives the authorize URL and redirect URI, returns the callback URL. Implies `custom`. */
  readonly loginHandler?: ((request: PasteRequest) => Promise<string> | string) | undefined
  /** Aborting it closes the instance: operations in flight reject with `CodexAuthClosed`. */
  readonly signal?: AbortSignal | undefined
  /** `getToken()` / `getHeaders()` start a login when there are no credentials. Default false (`LoginRequired`). */
  readonly loginOnDemand?: boolean | undefined
  /** Someone is there to complete a login, whatever the TTYs say (e.g. a GUI). */
  readonly interactive?: boolean | undefined
  /** Launch a browser for the browser flow. Default true. */
  readonly openBrowser?: boolean | undefined
  /** The auth server. Default: `CODEX_AUTH_ISSUER`, else `https://auth.openai.com`. */
  readonly issuer?: string | undefined
  readonly clientId?: string | undefined
  /** Loopback ports of the browser flow. Default 1455, then 1457 (the only ones the issuer accepts). */
  readonly loopbackPorts?: ReadonlyArray<number> | undefined
  /** `forced_chatgpt_workspace_id`: the allowed workspaces. */
  readonly workspaceIds?: ReadonlyArray<string> | undefined
  /** Overall login timeout in milliseconds. Default 15 minutes. */
  readonly loginTimeoutMillis?: number | undefined
  /** Refresh in the background shortly before the access token needs it. Default false. */
  readonly proactiveRefresh?: boolean | undefined
  /**
   * The key that seals two-step logins (`beginLogin`): 32 random bytes, raw or base64. Default:
   * `CODEX_AUTH_STORE_KEY`. Every process that finishes a login needs the key that began it.
   */
  readonly sealKey?: string | Uint8Array | undefined
}

/**
 * A begun two-step login: plain JSON (keep it in a cookie, a session store, a queue) whose secrets are sealed.
 *
 * @since 0.1.0
 * @category models
 */
export type { PendingLogin } from "./PendingLogin.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface BeginLoginOptions {
  /** How long the login can be finished, in milliseconds. Default: `loginTimeoutMillis` (15 minutes). */
  readonly ttlMillis?: number | undefined
  /** The allowed workspaces of this login. Default: the instance's `workspaceIds`. */
  readonly workspaceIds?: ReadonlyArray<string> | undefined
}

/**
 * What `status` resolves to: the read model's fields (`ReadModel.Status`), `null` when unknown, instants as `Date`s.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = ReadModel.NullableStatus

/**
 * @since 0.1.0
 * @category models
 */
export interface LoginSummary {
  readonly method: "browser" | "device" | "paste" | "custom"
  readonly email: string | null
  readonly accountId: string | null
  readonly plan: string | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LogoutResult {
  readonly removed: boolean
  readonly revoke: "revoked" | "failed" | "skipped"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CodexAuth {
  /**
   * A valid bearer (access token, or API key), refreshed when needed. An access-token (Agent Identity) login has
   * none: `BearerTokenUnavailable` (`getHeaders` likewise).
   */
  readonly getToken: () => Promise<string>
  /** The headers for the ChatGPT backend (PROTOCOL.md §11). */
  readonly getHeaders: () => Promise<Record<string, string>>
  readonly status: () => Promise<Status>
  /** Signs in (the planner's flow, or the one forced) and saves the credentials. */
  readonly login: () => Promise<LoginSummary>
  /** Revokes the refresh token (unless `revoke: false`; best effort) and removes the credentials. */
  readonly logout: (options?: { readonly revoke?: boolean | undefined }) => Promise<LogoutResult>
  /** Refreshes now; resolves with the new access token's expiry (null for an API key or an unreadable token). */
  readonly refresh: () => Promise<{ readonly accessTokenExpiresAt: Date | null }>
  /** After a 401 from the backend: re-read the store, refresh once if nothing newer is there; the new bearer. */
  readonly recoverUnauthorized: () => Promise<string>
  /**
   * Two-step login, step one: opens nothing, binds nothing; the pending login to show (`authorizeUrl`) and keep. Its
   * secrets are sealed with `sealKey` (or `CODEX_AUTH_STORE_KEY`); without a key, `PendingLoginKeyMissing`.
   */
  readonly beginLogin: (options?: BeginLoginOptions) => Promise<PendingLogin>
  /**
   * Two-step login, step two, on any instance over the same store with the same key: validates the callback URL the
   * browser was sent to (address, state, `error=`, code), exchanges the code, applies the workspace and method
   * restrictions and saves. A pending login is single use (`PendingLoginConsumed`) and expires
   * (`PendingLoginExpired`); an altered or foreign one is `PendingLoginInvalid`. Nothing is saved on any failure.
   */
  readonly finishLogin: (pending: PendingLogin | string, callbackUrl: string) => Promise<LoginSummary>
  /** Serves the pending login's loopback (its redirect URI's port) and finishes it when the browser arrives there. */
  readonly awaitLogin: (pending: PendingLogin | string) => Promise<LoginSummary>
  /** Opens the pending login's authorize URL in the browser (only after its seal is checked). */
  readonly openInBrowser: (pending: PendingLogin | string) => Promise<void>
  /** Uses the pending login up without signing in (nowhere can finish it after this); ends its `awaitLogin`. */
  readonly cancelLogin: (pending: PendingLogin | string) => Promise<void>
  /** The login events, from (a few events before) now until `close()`. */
  readonly events: () => AsyncIterable<LoginEvent>
  /** Stops background work and operations in flight. Safe to call more than once. */
  readonly close: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * What the session environment is built from: `CODEX_HOME`, the store, the issuer, client id and loopback ports,
 * and the session's options.
 *
 * @since 0.1.0
 * @category models
 */
export type { EnvironmentOptions } from "./internal/facade/environment.ts"

/**
 * The session environment the facade and the CLI run in (the session, the store, the OAuth client, the profile and
 * the HTTP client) with a runtime's ports: explicit options, then `CODEX_HOME` / `CODEX_AUTH_ISSUER`, then the
 * defaults, and Codex's env overrides on top.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  platform: Platform,
  options: Environment.EnvironmentOptions = {}
): Layer.Layer<
  Environment.Services,
  | SecretFileError
  | ConfigError.ConfigError
  | CodexHomeNotFound
  | CaCertificateInvalid
  | CodexConfigInvalid
  | PolicyConflict
  | CredentialStoreError
> => Environment.layer(platform, options)

/**
 * What the session saves for a finished login.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loginOutcome: (result: LoginResult) => Session.LoginOutcome = FacadeLogin.toOutcome

const toDate = (millis: Option.Option<number>): Date | null =>
  Option.match(millis, { onNone: () => null, onSome: (value) => new Date(value) })

const presenterLayer = (
  platform: Platform,
  choice: OpenOptions["presenter"],
  pasteAnswer?: ((request: PasteRequest) => Effect.Effect<string, LoginCancelled>) | undefined
): Layer.Layer<LoginPresenter.LoginPresenter | EventStreamPresenter.LoginEvents> =>
  Layer.scopedContext(Effect.gen(function*() {
    const { events, presenter } = yield* EventStreamPresenter.make()
    const shown: ReadonlyArray<LoginPresenter.LoginPresenter.Service> = choice === "console"
      ? [
        // The terminal lives as long as the presenter (this layer's scope), not just while it is made.
        yield* ConsolePresenter.make({ pressEnterToOpen: false, paste: false }).pipe(
          Effect.provide(yield* Layer.build(platform.terminal))
        )
      ]
      : typeof choice === "function"
      ? [LoginPresenter.make({ present: (event) => Effect.sync(() => choice(event)) })]
      : []
    const combined = LoginPresenter.make({
      present: (event) => Effect.forEach([presenter, ...shown], (one) => one.present(event), { discard: true }),
      promptCallbackUrl: pasteAnswer
    })
    return Context.make(LoginPresenter.LoginPresenter, combined).pipe(
      Context.add(EventStreamPresenter.LoginEvents, events)
    )
  }))

const pasteAnswer = (handler: OpenOptions["loginHandler"]) =>
  handler === undefined ?
    undefined :
    (request: PasteRequest): Effect.Effect<string, LoginCancelled> =>
      Effect.tryPromise({
        try: async () => handler(request),
        catch: (error) =>
          new LoginCancelled({
            reason: `the login handler failed (${error instanceof Error ? error.message : "error"})`
          })
      })

/**
 * Opens an instance over a runtime's ports: resolves `CODEX_HOME` and the store (rejecting with their typed errors,
 * e.g. `CodexHomeNotFound`); a bad CA bundle or proxy setting fails only the operations that need the network
 * (`CaCertificateInvalid`, `HttpClientSettingInvalid`). Nothing is read from the store until an operation needs it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = async (platform: Platform, options: OpenOptions = {}): Promise<CodexAuth> => {
  const flow = options.loginHandler !== undefined && (options.flow === undefined || options.flow === "auto")
    ? "custom"
    : options.flow ?? "auto"
  const loginOptions: Login.Options = {
    method: flow === "auto" ? undefined : flow,
    allowedWorkspaceIds: options.workspaceIds,
    timeout: options.loginTimeoutMillis === undefined ? undefined : Duration.millis(options.loginTimeoutMillis)
  }
  const loginLayers = Layer.mergeAll(
    FacadeLogin.layerPorts(platform, {
      flow,
      noBrowser: options.openBrowser === false,
      interactive: options.interactive
    }),
    // `flow: "paste"` with a `loginHandler`: the handler answers the paste prompt (asked again on a wrong URL),
    // and `events()` shows the URL as `PasteRequested`.
    presenterLayer(platform, options.presenter, flow === "paste" ? pasteAnswer(options.loginHandler) : undefined),
    options.loginHandler === undefined ? Layer.empty : CustomLoginHandler.layer(options.loginHandler)
  )
  const environment = Layer.merge(
    Environment.layer(platform, {
      codexHome: options.codexHome,
      store: options.store,
      issuer: options.issuer,
      clientId: options.clientId,
      loopbackPorts: options.loopbackPorts,
      session: {
        forcedWorkspaceIds: options.workspaceIds,
        proactiveRefresh: options.proactiveRefresh
      }
    }),
    loginLayers
  )
  // The session's on-demand login is a service over the same ports (OnDemandLogin), which the session asks for.
  const layer = options.loginOnDemand === true
    ? Layer.provideMerge(
      // The session saves what the flow hands `persist` (before the browser's /success, before "Logged in").
      OnDemandLogin.layer((persist) =>
        FacadeLogin.withPolicy(loginOptions).pipe(
          Effect.flatMap((policy) =>
            Login.login({ ...policy, persist: (result) => persist(FacadeLogin.toOutcome(result)) })
          ),
          Effect.map(FacadeLogin.toOutcome)
        )
      ),
      environment
    )
    : environment
  // Built now, so a bad CODEX_HOME or CA bundle rejects `open` rather than the first call.
  const runtime = await PromiseRuntime.open(layer, { signal: options.signal })
  const { close, run } = runtime
  const built = await runtime.managed.runtime()
  const twoStep = Effect.runSync(TwoStep.make({
    sealKey: options.sealKey,
    ttlMillis: options.loginTimeoutMillis ?? Duration.toMillis(Duration.minutes(15)),
    workspaceIds: options.workspaceIds
  }))
  const summaryOf = (summary: FacadeLogin.LoginSummary): LoginSummary => ({
    method: summary.method as LoginSummary["method"],
    email: summary.email ?? null,
    accountId: summary.accountId ?? null,
    plan: summary.plan ?? null
  })

  const instance: CodexAuth = {
    getToken: () => run("getToken", Effect.flatMap(Session.Session, (s) => Effect.map(s.getToken, Redacted.value))),
    getHeaders: () =>
      run("getHeaders", Effect.flatMap(Session.Session, (s) => Effect.map(s.getHeaders, (h) => ({ ...h })))),
    status: () =>
      run(
        "status",
        Effect.flatMap(Session.Session, (s) =>
          Effect.map(s.status, (status): Status =>
            ReadModel.nullable(ReadModel.mapStatus(status, Option.getOrUndefined))))
      ),
    login: () =>
      run(
        "login",
        Effect.map(FacadeLogin.run(loginOptions), (summary): LoginSummary => ({
          method: summary.method,
          email: summary.email ?? null,
          accountId: summary.accountId ?? null,
          plan: summary.plan ?? null
        }))
      ),
    logout: (logoutOptions = {}) =>
      run(
        "logout",
        Effect.gen(function*() {
          const session = yield* Session.Session
          return yield* session.logoutWith({ revoke: logoutOptions.revoke })
        })
      ),
    refresh: () =>
      run(
        "refresh",
        Effect.flatMap(Session.Session, (s) =>
          Effect.map(s.refresh, (credentials) => ({
            accessTokenExpiresAt: credentials._tag === "ChatGpt"
              ? toDate(credentials.tokenSet.accessTokenExpiresAt)
              : null
          })))
      ),
    recoverUnauthorized: () =>
      run(
        "recoverUnauthorized",
        Effect.flatMap(Session.Session, (s) => Effect.map(s.recoverUnauthorized, Redacted.value))
      ),
    beginLogin: (beginOptions) => run("beginLogin", twoStep.begin(beginOptions)),
    finishLogin: (pending, callbackUrl) =>
      run("finishLogin", Effect.map(twoStep.finish(pending, callbackUrl), summaryOf)),
    awaitLogin: (pending) => run("awaitLogin", Effect.map(twoStep.await(pending), summaryOf)),
    openInBrowser: (pending) => run("openInBrowser", twoStep.openInBrowser(pending)),
    cancelLogin: (pending) => run("cancelLogin", twoStep.cancel(pending)),
    events: () => {
      const stream = Stream.unwrap(Effect.map(EventStreamPresenter.LoginEvents, (service) => service.events)).pipe(
        Stream.interruptWhen(Effect.async<void>((resume) => {
          if (runtime.closing.aborted) return resume(Effect.void)
          runtime.closing.addEventListener("abort", () => resume(Effect.void), { once: true })
        }))
      )
      return Stream.toAsyncIterableRuntime(stream, built)
    },
    close,
    [Symbol.asyncDispose]: close
  }
  return instance
}
