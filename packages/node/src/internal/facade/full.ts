/**
 * The facade over the Effect runtime: a `ManagedRuntime` over the session, the login planner and flows, and the
 * event-stream presenter. `CodexAuth.open` loads this module only when the fast path cannot serve (see
 * internal/fast/facade.ts), so an embedder that only reads a fresh token never loads Effect.
 */
import * as ConsolePresenter from "@codex-auth/adapters/ConsolePresenter"
import * as EventStreamPresenter from "@codex-auth/adapters/EventStreamPresenter"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as CustomLoginHandler from "@codex-auth/core/CustomLoginHandler"
import * as Login from "@codex-auth/core/Login"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import * as Session from "@codex-auth/core/Session"
import { Terminal } from "@effect/platform/Terminal"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { CodexAuthClosed, CodexAuthUnexpected } from "../../FacadeErrors.ts"
import * as Environment from "./environment.ts"
import * as FacadeLogin from "./login.ts"
import * as StderrTerminal from "./terminal.ts"

import type { CodexAuth, LoginSummary, OpenOptions, Status } from "../../CodexAuth.ts"

const toDate = (millis: Option.Option<number>): Date | null =>
  Option.match(millis, { onNone: () => null, onSome: (value) => new Date(value) })

const presenterLayer = (
  choice: OpenOptions["presenter"]
): Layer.Layer<LoginPresenter.LoginPresenter | EventStreamPresenter.LoginEvents> =>
  Layer.scopedContext(Effect.gen(function*() {
    const { events, presenter } = yield* EventStreamPresenter.make()
    const shown: ReadonlyArray<LoginPresenter.LoginPresenter.Service> = choice === "console"
      ? [
        yield* Effect.flatMap(
          StderrTerminal.make,
          (terminal) =>
            ConsolePresenter.make({ pressEnterToOpen: false, paste: false }).pipe(
              Effect.provideService(Terminal, terminal)
            )
        )
      ]
      : typeof choice === "function"
      ? [LoginPresenter.make({ present: (event) => Effect.sync(() => choice(event)) })]
      : []
    const combined = LoginPresenter.make({
      present: (event) => Effect.forEach([presenter, ...shown], (one) => one.present(event), { discard: true })
    })
    return Context.make(LoginPresenter.LoginPresenter, combined).pipe(
      Context.add(EventStreamPresenter.LoginEvents, events)
    )
  }))

export const open = async (options: OpenOptions = {}): Promise<CodexAuth> => {
  const flow = options.loginHandler !== undefined && (options.flow === undefined || options.flow === "auto")
    ? "custom"
    : options.flow ?? "auto"
  const loginOptions: Login.Options = {
    method: flow === "auto" ? undefined : flow,
    allowedWorkspaceIds: options.workspaceIds,
    timeout: options.loginTimeoutMillis === undefined ? undefined : Duration.millis(options.loginTimeoutMillis)
  }
  // The session's on-demand login runs in this same runtime, once it is built.
  const built_: { runtime?: ManagedRuntime.ManagedRuntime<any, any> } = {}
  const loginOnDemand = Effect.suspend(() =>
    Effect.map(Login.login(loginOptions), FacadeLogin.toOutcome).pipe(Effect.provide(built_.runtime!))
  )
  const loginLayers = Layer.mergeAll(
    FacadeLogin.portsLayer({ flow, noBrowser: options.openBrowser === false, interactive: options.interactive }),
    presenterLayer(options.presenter),
    options.loginHandler === undefined ? Layer.empty : CustomLoginHandler.layer(options.loginHandler)
  )
  const layer = Layer.merge(
    Environment.layer({
      codexHome: options.codexHome,
      store: options.store,
      issuer: options.issuer,
      clientId: options.clientId,
      loopbackPorts: options.loopbackPorts,
      session: {
        login: options.loginOnDemand === true ? loginOnDemand : undefined,
        forcedWorkspaceIds: options.workspaceIds,
        proactiveRefresh: options.proactiveRefresh
      }
    }),
    loginLayers
  )
  const managed = ManagedRuntime.make(layer)
  built_.runtime = managed
  const closing = new AbortController()
  let closed = false

  const run = async <A>(operation: string, effect: Effect.Effect<A, unknown, any>): Promise<A> => {
    if (closed) throw new CodexAuthClosed({ operation })
    const exit = await managed.runPromiseExit(effect, { signal: closing.signal })
    if (Exit.isSuccess(exit)) return exit.value
    if (Cause.isInterruptedOnly(exit.cause)) throw new CodexAuthClosed({ operation })
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && failure.value instanceof Error) throw failure.value
    const squashed = Cause.squash(exit.cause)
    const detail = squashed instanceof Error ? squashed.message : String(squashed)
    throw new CodexAuthUnexpected({ operation, detail: detail.split("\n")[0] ?? "unknown" })
  }

  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    closing.abort()
    await managed.dispose()
  }
  options.signal?.addEventListener("abort", () => void close(), { once: true })

  // Build now, so a bad CODEX_HOME or CA bundle rejects `open` rather than the first call.
  await run("open", Effect.void).catch(async (error) => {
    await close()
    throw error
  })
  if (options.signal?.aborted === true) {
    await close()
    throw new CodexAuthClosed({ operation: "open" })
  }
  const built = await managed.runtime()

  const instance: CodexAuth = {
    getToken: () => run("getToken", Effect.flatMap(Session.Session, (s) => Effect.map(s.getToken, Redacted.value))),
    getHeaders: () =>
      run("getHeaders", Effect.flatMap(Session.Session, (s) => Effect.map(s.getHeaders, (h) => ({ ...h })))),
    status: () =>
      run(
        "status",
        Effect.flatMap(Session.Session, (s) =>
          Effect.map(s.status, (status): Status => ({
            loggedIn: status.loggedIn,
            mode: Option.getOrNull(status.mode),
            email: Option.getOrNull(status.email),
            plan: Option.getOrNull(status.plan),
            accountId: Option.getOrNull(status.accountId),
            accessTokenExpiresAt: toDate(status.accessTokenExpiresAt),
            lastRefresh: toDate(status.lastRefresh),
            store: status.store,
            location: status.location
          })))
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
          const store = yield* CredentialStore
          if (logoutOptions.revoke === false) {
            return { removed: yield* store.withLock(store.remove), revoke: "skipped" as const }
          }
          return yield* session.logout
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
    events: () => {
      const stream = Stream.unwrap(Effect.map(EventStreamPresenter.LoginEvents, (service) => service.events)).pipe(
        Stream.interruptWhen(Effect.async<void>((resume) => {
          if (closing.signal.aborted) return resume(Effect.void)
          closing.signal.addEventListener("abort", () => resume(Effect.void), { once: true })
        }))
      )
      return Stream.toAsyncIterableRuntime(stream, built)
    },
    close,
    [Symbol.asyncDispose]: close
  }
  return instance
}
