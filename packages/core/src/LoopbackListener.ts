/**
 * Port: serve a runtime-neutral `HttpApp` on `127.0.0.1:{port}` for the lifetime of a scope.
 * The runtime packages implement it (Node: its http server; Deno: its serve).
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/**
 * The port is held by another socket (`EADDRINUSE`).
 *
 * @since 0.1.0
 */
export class LoopbackPortInUse extends Schema.TaggedError<LoopbackPortInUse>("@codex-auth/core/LoopbackPortInUse")(
  "LoopbackPortInUse",
  { port: Schema.Number }
) {
  override get message(): string {
    return `127.0.0.1:${this.port} is already in use. Stop the program holding it, or sign in with the device code.`
  }
}

/**
 * Binding failed for another reason (permissions, no loopback interface, …).
 *
 * @since 0.1.0
 */
export class LoopbackListenFailed extends Schema.TaggedError<LoopbackListenFailed>(
  "@codex-auth/core/LoopbackListenFailed"
)("LoopbackListenFailed", { port: Schema.Number, reason: Schema.String }) {
  override get message(): string {
    return `Could not listen on 127.0.0.1:${this.port} (${this.reason}). Sign in with the device code instead.`
  }
}

/**
 * A bound listener.
 *
 * @since 0.1.0
 */
export interface Binding {
  readonly port: number
}

/**
 * @since 0.1.0
 */
export declare namespace LoopbackListener {
  /**
   * @since 0.1.0
   */
  export interface Service {
    /**
     * Bind `127.0.0.1:{port}` (never any other interface) and serve `app` until the scope closes. Closing the
     * scope stops listening at once, so the port is free again on every exit path.
     */
    readonly serve: (options: {
      readonly port: number
      readonly app: HttpApp.Default<never, never>
    }) => Effect.Effect<Binding, LoopbackPortInUse | LoopbackListenFailed, Scope.Scope>
    /**
     * Send one raw `GET /cancel` to whatever holds `127.0.0.1:{port}` (it may be another Codex login).
     * Best effort: never fails.
     */
    readonly requestCancel: (port: number) => Effect.Effect<void>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class LoopbackListener
  extends Context.Tag("@codex-auth/core/LoopbackListener")<LoopbackListener, LoopbackListener.Service>()
{}
