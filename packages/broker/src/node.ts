/**
 * The refresh broker on Node, for hosts that run the Codex CLI themselves (the `@openai/codex-sdk`, worker pools):
 *
 * ```ts
 * const broker = await Broker.start({ codexHome })
 * spawn("codex", ["exec", …], { env: { ...process.env, CODEX_HOME: codexHome,
 *   CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${broker.url}/oauth/token` } })
 * await broker.close()
 * ```
 *
 * It binds 127.0.0.1 only, and refreshes through the same session, store and lock as every `codex-auth` command.
 *
 * @since 0.1.0
 */
import * as Environment from "@codex-auth/core/Environment"
import { layer as environmentLayer } from "@codex-auth/facade/Facade"
import { platform } from "@codex-auth/node/NodePlatform"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Broker from "./Broker.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface StartOptions extends Broker.Options {
  /** `CODEX_HOME`. Default: the `CODEX_HOME` variable, else `~/.codex`. */
  readonly codexHome?: string | undefined
  /** `file` (default: `CODEX_AUTH_STORE`, else file), `keyring`, `auto`, `memory` or `postgres`. */
  readonly store?: "file" | "keyring" | "auto" | "memory" | "postgres" | undefined
  /** The issuer for tokens that record none. Default `CODEX_AUTH_ISSUER`, else the OpenAI issuer. */
  readonly issuer?: string | undefined
  /** The port on 127.0.0.1. Default 0: a free one. */
  readonly port?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StartedBroker {
  /** `http://127.0.0.1:PORT`: give Codex `CODEX_REFRESH_TOKEN_URL_OVERRIDE=${url}/oauth/token`. */
  readonly url: string
  readonly port: number
  readonly stats: () => Promise<Broker.Stats>
  /** Stops listening (open requests get a second to finish) and releases the store. */
  readonly close: () => Promise<void>
}

/**
 * Codex's endpoint overrides are for the Codex processes (whose refresh URL is this broker): the broker itself
 * refreshes at the issuer recorded with the tokens, or the configured one, never at an override (that would be itself).
 */
const brokerEnvironment = (): ConfigProvider.ConfigProvider => {
  const hidden = new Set<string>([Environment.names.refreshTokenUrlOverride, Environment.names.revokeTokenUrlOverride])
  const entries = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !hidden.has(entry[0])
  )
  return ConfigProvider.fromMap(new Map(entries), { pathDelim: "_", seqDelim: "," })
}

/**
 * The broker as an Effect, for the scope: the session environment every `codex-auth` command uses, served on
 * 127.0.0.1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = (
  options: StartOptions = {}
): Effect.Effect<
  Broker.Running,
  | Effect.Effect.Error<ReturnType<typeof Broker.serve>>
  | Layer.Layer.Error<ReturnType<typeof environmentLayer>>,
  Scope.Scope
> =>
  Effect.gen(function*() {
    // The session, its store and the HTTP client live as long as the server: built into the caller's scope.
    const scope = yield* Effect.scope
    const context = yield* Layer.buildWithScope(
      Layer.merge(
        environmentLayer(platform, { codexHome: options.codexHome, store: options.store, issuer: options.issuer }),
        platform.loopbackListener
      ),
      scope
    )
    return yield* Broker.serve(options).pipe(Effect.provide(context))
  }).pipe(Effect.withConfigProvider(brokerEnvironment()))

/**
 * Starts the broker; rejects with a typed error (`BrokerPortInUse`, `CodexHomeNotFound`, …) whose message says what
 * to do.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: StartOptions = {}): Promise<StartedBroker> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(serve(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw Cause.squash(exit.cause)
  }
  const running = exit.value
  let closed: Promise<void> | undefined
  return {
    url: running.url,
    port: running.port,
    stats: () => Effect.runPromise(running.stats),
    close: () => (closed ??= Effect.runPromise(Scope.close(scope, Exit.void)))
  }
}
