/**
 * The Codex app-server bridge: a session signs in a `codex app-server` connection (JSON-RPC over stdio, external
 * ChatGPT auth, APP-SERVER.md) and answers its `account/chatgptAuthTokens/refresh` requests.
 *
 * The bridge sits on the connection as a filter of lines: every line the host sends goes through `fromHost`, every
 * line the server sends through `fromServer`; the bridge passes them on unchanged through `toServer` / `toHost`,
 * except that the host's `initialize` gains `capabilities.experimentalApi: true` (which `chatgptAuthTokens` needs), the
 * server is signed in before the host's first request after `initialized`, and refresh requests are answered by the
 * bridge and never reach the host. An embedder with its own client calls `handshake` and routes the server's lines
 * through `fromServer`.
 *
 * - A refresh request is answered from the session's single flight: one real refresh however many requests arrive;
 *   a request repeated within `repeatWindow` of an answer (the server serializes but does not deduplicate concurrent
 *   401s) is answered with the token just given, without another refresh.
 * - Always within `answerDeadline` (default 8 s, under the server's 10 s): an error answer in time, never a timeout.
 * - The server never refreshes on its own, even past `exp`: the bridge signs it in again with a fresh token once the
 *   access token enters the session's refresh window, and after the session's own refresh, login or logout (noticed
 *   every `watchInterval`, or at once with `resync`).
 *
 * @since 0.1.0
 */
import type * as Session from "@codex-auth/core/Session"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/appServer/bridge.ts"

/**
 * The app-server could not be signed in: the session has no ChatGPT login, the server refused the tokens, or it did
 * not answer in time.
 *
 * @since 0.1.0
 * @category errors
 */
export class AppServerSignInFailed extends Schema.TaggedError<AppServerSignInFailed>(
  "@codex-auth/adapters/AppServerSignInFailed"
)("AppServerSignInFailed", {
  reason: Schema.String
}) {
  override get message(): string {
    return `Could not sign in the Codex app-server: ${this.reason}`
  }
}

/**
 * What the bridge did, for a host's log (never a token).
 *
 * @since 0.1.0
 * @category models
 */
export type BridgeEvent =
  | { readonly _tag: "SignedIn"; readonly reason: SignInReason; readonly accountId: string }
  | { readonly _tag: "SignInFailed"; readonly reason: SignInReason; readonly message: string }
  | { readonly _tag: "SignedOut" }
  | {
    readonly _tag: "RefreshAnswered"
    readonly refreshed: boolean
    readonly previousAccountId: string | undefined
    readonly accountId: string
  }
  | { readonly _tag: "RefreshFailed"; readonly message: string; readonly timedOut: boolean }

/**
 * Why the bridge signed the server in: the first request, a fresh token before expiry, or a change of the session.
 *
 * @since 0.1.0
 * @category models
 */
export type SignInReason = "initial" | "proactive" | "session-changed" | "explicit"

/**
 * Counters of what the bridge did.
 *
 * @since 0.1.0
 * @category models
 */
export interface BridgeStats {
  readonly signIns: number
  readonly refreshRequests: number
  /** Refresh requests answered with a token (fresh or the one just given). */
  readonly refreshAnswers: number
  /** Refresh requests answered with an error (the session failed, or the deadline came first). */
  readonly refreshErrors: number
  /** Refresh requests for which the session really refreshed (or adopted another process's refresh). */
  readonly sessionRefreshes: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Sends one line (without its line end) to the app-server. */
  readonly toServer: (line: string) => Effect.Effect<void>
  /** Sends one line (without its line end) to the host. Default: drops it (an embedder talking to the server alone). */
  readonly toHost?: ((line: string) => Effect.Effect<void>) | undefined
  /** The longest a refresh request waits for the session before an error answer. Default 8 s (the server gives 10). */
  readonly answerDeadline?: Duration.DurationInput | undefined
  /** A refresh request this soon after an answer gets the same token, without a refresh. Default 10 s. */
  readonly repeatWindow?: Duration.DurationInput | undefined
  /** How often the bridge looks for a changed (refreshed, replaced, logged out) session. Default 30 s. */
  readonly watchInterval?: Duration.DurationInput | undefined
  /** Sign in again with a fresh token before the access token needs refreshing. Default true. */
  readonly proactive?: boolean | undefined
  /** For pools: the session of the account a refresh request names in `previousAccountId`. Default: the session. */
  readonly sessionFor?: ((accountId: string) => Effect.Effect<Session.Session.Service | undefined>) | undefined
  /** Told what the bridge did (sign-ins, refresh answers, failures). */
  readonly onEvent?: ((event: BridgeEvent) => Effect.Effect<void>) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AppServerBridge {
  /** A line from the host: forwarded (the `initialize` amended; the first request after `initialized` held until the
   * server is signed in). */
  readonly fromHost: (line: string) => Effect.Effect<void>
  /** A line from the server: refresh requests and answers to the bridge's own requests are consumed; the rest goes
   * to the host. */
  readonly fromServer: (line: string) => Effect.Effect<void>
  /** For an embedder without a host: `initialize` (with `experimentalApi`), `initialized`, then the sign-in. */
  readonly handshake: (
    clientInfo: { readonly name: string; readonly title?: string; readonly version: string }
  ) => Effect.Effect<void, AppServerSignInFailed>
  /** Signs the server in now with the session's current token. */
  readonly signIn: Effect.Effect<void, AppServerSignInFailed>
  /** Compares the session with what the server holds and signs in again (or out) if they differ. */
  readonly resync: Effect.Effect<void>
  readonly stats: Effect.Effect<BridgeStats>
}

/**
 * Builds a bridge for one connection; its background work (refresh answers, the proactive re-sign-in, the watch)
 * lives in the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  session: Session.Session.Service,
  options: Options
) => Effect.Effect<AppServerBridge, never, Scope.Scope> = internal.make

/**
 * The method of the server's refresh request.
 *
 * @since 0.1.0
 */
export const refreshMethod: string = "account/chatgptAuthTokens/refresh"
