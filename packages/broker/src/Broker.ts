/**
 * The refresh broker: a local token endpoint that the Codex CLI is pointed at (`CODEX_REFRESH_TOKEN_URL_OVERRIDE`),
 * answering its refresh grants from the session, so that any number of Codex processes on one login make one grant.
 *
 * - `POST /oauth/token` with Codex's JSON refresh body (PROTOCOL.md §5, `refresh_reason` included): the store's
 *   current refresh token → one real grant through the session (single flight in the process, the store's lock across
 *   processes), answered to every caller; a token the store held until a moment ago (another process or request
 *   rotated it, within the grace window) → the current tokens, no grant; any other token → the issuer's own
 *   `refresh_token_invalidated` answer, never tokens. Answers have the issuer's shape.
 * - `POST /oauth/revoke` passed through to the issuer recorded with the tokens (else the configured one).
 * - Anything else: 404.
 *
 * @since 0.1.0
 */
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import type { LoopbackListenFailed, LoopbackPortInUse } from "@codex-auth/core/LoopbackListener"
import type { ProviderProfile } from "@codex-auth/core/ProviderProfile"
import type { Session } from "@codex-auth/core/Session"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/broker.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How long a refresh token the store held until it was replaced still gets the current tokens (milliseconds). Codex
   * processes that read auth.json before another one's refresh ask with it. Default 60 000.
   */
  readonly graceMillis?: number | undefined
  /** How many superseded refresh tokens are remembered (as SHA-256 hashes, never the tokens). Default 16. */
  readonly historySize?: number | undefined
}

/**
 * What the broker answered since it started (never a token).
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  /** Refresh requests with a well-formed body. */
  readonly requests: number
  /** Requests that carried the store's current refresh token (each a grant, unless another process had just made it). */
  readonly current: number
  /** Requests answered with the current tokens because theirs was superseded within the grace window. */
  readonly grace: number
  /** Requests refused with the issuer's `refresh_token_invalidated` answer. */
  readonly refused: number
  /** Requests answered with an error because the grant or the store failed. */
  readonly failed: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Broker {
  /** The request handling, runtime-neutral. */
  readonly app: HttpApp.Default
  readonly stats: Effect.Effect<Stats>
}

/**
 * The broker over the session and its store (the same store the session uses: build both from one layer).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Broker, never, Session | CredentialStore | ProviderProfile | HttpClient.HttpClient> = internal.make

/**
 * 127.0.0.1:`port` is taken.
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokerPortInUse extends Schema.TaggedError<BrokerPortInUse>("@codex-auth/broker/BrokerPortInUse")(
  "BrokerPortInUse",
  { port: Schema.Number }
) {
  override get message(): string {
    return `127.0.0.1:${this.port} is already in use. Stop the program holding it, or start the broker on another ` +
      "port (--port 0 picks a free one)."
  }
}

/**
 * The broker could not listen.
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokerListenFailed extends Schema.TaggedError<BrokerListenFailed>("@codex-auth/broker/BrokerListenFailed")(
  "BrokerListenFailed",
  { port: Schema.Number, reason: Schema.String }
) {
  override get message(): string {
    return `The broker could not listen on 127.0.0.1:${this.port} (${this.reason}). Choose another port with --port.`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Running {
  /** `http://127.0.0.1:PORT`; Codex's override is this plus `/oauth/token`. */
  readonly url: string
  readonly port: number
  readonly stats: Effect.Effect<Stats>
}

/**
 * Serves the broker on `127.0.0.1:port` (0: a free port) through the runtime's loopback listener, for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = (
  options: Options & { readonly port?: number | undefined } = {}
): Effect.Effect<
  Running,
  BrokerPortInUse | BrokerListenFailed,
  Session | CredentialStore | ProviderProfile | HttpClient.HttpClient | LoopbackListener | Scope.Scope
> =>
  Effect.gen(function*() {
    const broker = yield* make(options)
    const listener = yield* LoopbackListener
    const port = options.port ?? 0
    const binding = yield* listener.serve({ port, app: broker.app }).pipe(
      Effect.catchTags({
        LoopbackPortInUse: (error: LoopbackPortInUse) => Effect.fail(new BrokerPortInUse({ port: error.port })),
        LoopbackListenFailed: (error: LoopbackListenFailed) =>
          Effect.fail(new BrokerListenFailed({ port: error.port, reason: error.reason }))
      })
    )
    return { url: `http://127.0.0.1:${binding.port}`, port: binding.port, stats: broker.stats }
  })
