/**
 * `codex app-server` with codex-auth owning its ChatGPT login, on Node: spawns the Codex CLI's app-server and puts an
 * {@link AppServerBridge} between it and the host (the bridge signs it in and answers its refresh requests; every
 * other line passes through unchanged). `codex-auth app-server` is this with the process's stdio as the host.
 *
 * @since 0.1.0
 */
import * as AppServerBridge from "@codex-auth/app-server/AppServerBridge"
import { Session } from "@codex-auth/core/Session"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { spawn as spawnChild } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as Environment from "./internal/facade/environment.ts"

/**
 * The app-server could not be started (the binary is missing or not executable).
 *
 * @since 0.1.0
 * @category errors
 */
export class AppServerSpawnFailed extends Schema.TaggedError<AppServerSpawnFailed>(
  "@codex-auth/node/AppServerSpawnFailed"
)("AppServerSpawnFailed", {
  command: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Could not start \`${this.command} app-server\`: ${this.reason}. Install the Codex CLI ` +
      "(npm install -g @openai/codex) or pass its path with --codex-bin."
  }
}

/**
 * How the app-server ended: its exit code, or the signal that ended it.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppServerExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SpawnOptions extends Omit<AppServerBridge.Options, "toServer" | "toHost"> {
  /** The Codex CLI. Default `codex` (on PATH). */
  readonly codexBin?: string | undefined
  /** Arguments after `app-server` (e.g. `-c key=value` overrides). */
  readonly args?: ReadonlyArray<string> | undefined
  /** The app-server's environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv | undefined
  /** Receives every line (without its line end) for the host. */
  readonly toHost: (line: string) => void
  /**
   * With an auth.json in its CODEX_HOME the app-server starts signed in with it (before the bridge's login) and, on a
   * 401, refreshes that file itself — rotating the refresh token behind the session's back. `blocked` (default)
   * points its `CODEX_REFRESH_TOKEN_URL_OVERRIDE` at a closed loopback port, so only the session ever refreshes.
   */
  readonly childRefresh?: "blocked" | "allowed" | undefined
  /** Where the app-server's stderr goes. Default: inherited. */
  readonly stderr?: "inherit" | "ignore" | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RunningAppServer {
  readonly bridge: AppServerBridge.AppServerBridge
  /** Sends one line from the host (without its line end); lines are handled in order. */
  readonly send: (line: string) => void
  /** Sends raw bytes from the host (e.g. stdin chunks): split into lines here, a `\r` kept as part of its line. */
  readonly sendBytes: (chunk: Buffer | string) => void
  /** Ends the app-server's stdin once every line sent so far has been forwarded (what the host's EOF does). */
  readonly end: () => void
  /** Sends a signal to the app-server. */
  readonly kill: (signal?: NodeJS.Signals) => void
  /** Completes when the app-server has exited and every line it wrote has reached the host. */
  readonly exited: Effect.Effect<AppServerExit>
  readonly pid: number | undefined
}

/** Splits a byte stream into lines, keeping a `\r` before the `\n` as part of the line (the framing is the host's). */
const lineSplitter = (onLine: (line: string) => void) => {
  let buffered = ""
  return {
    push: (chunk: Buffer | string) => {
      buffered += typeof chunk === "string" ? chunk : chunk.toString("utf8")
      let index: number
      while ((index = buffered.indexOf("\n")) >= 0) {
        onLine(buffered.slice(0, index))
        buffered = buffered.slice(index + 1)
      }
    },
    /** The rest at EOF: a last line without a line end. */
    flush: (): string | undefined => {
      const rest = buffered
      buffered = ""
      return rest === "" ? undefined : rest
    }
  }
}

/** Port 9 (discard) on loopback: nothing listens there, so a refresh by the app-server fails before it is sent. */
const blockedRefreshUrl = "http://127.0.0.1:9/codex-auth-owns-this-login/oauth/token"

/**
 * The environment the bridge gives the app-server: `env` (default this process's) with its own refresh of auth.json
 * pointed at a closed loopback port.
 *
 * @since 0.1.0
 * @category helpers
 */
export const blockChildRefresh = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({
  ...env,
  CODEX_REFRESH_TOKEN_URL_OVERRIDE: blockedRefreshUrl
})

type Item = { readonly _tag: "line"; readonly line: string; readonly final: boolean } | { readonly _tag: "end" }

/**
 * Spawns `codexBin app-server args…` with the session's bridge between it and the host. The app-server is killed
 * (SIGTERM) when the scope closes before it exits.
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawn = (
  options: SpawnOptions
): Effect.Effect<RunningAppServer, AppServerSpawnFailed, Session | Scope.Scope> =>
  Effect.gen(function*() {
    const session = yield* Session
    const command = options.codexBin ?? "codex"
    const child: ChildProcess = yield* Effect.try({
      try: () =>
        spawnChild(command, ["app-server", ...(options.args ?? [])], {
          stdio: ["pipe", "pipe", options.stderr ?? "inherit"],
          env: options.childRefresh === "allowed" ? options.env ?? process.env : blockChildRefresh(options.env)
        }),
      catch: (error) => new AppServerSpawnFailed({ command, reason: String(error) })
    })
    const started = yield* Deferred.make<void, AppServerSpawnFailed>()
    child.once("spawn", () => Deferred.unsafeDone(started, Exit.void))
    child.once("error", (error: NodeJS.ErrnoException) => {
      const reason = error.code === "ENOENT" ? "no such file on PATH" : error.code ?? error.message
      Deferred.unsafeDone(started, Exit.fail(new AppServerSpawnFailed({ command, reason })))
    })
    yield* Deferred.await(started)

    const exited = yield* Deferred.make<AppServerExit>()
    const serverDone = yield* Deferred.make<void>()
    child.once("exit", (code, signal) => Deferred.unsafeDone(exited, Exit.succeed({ code, signal })))
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      })
    )

    const stdin = child.stdin!
    stdin.on("error", () => {}) // EPIPE after the server exits: its exit code says what happened
    const bridge = yield* AppServerBridge.make(session, {
      ...options,
      toServer: (line) =>
        Effect.sync(() => {
          if (stdin.writable) stdin.write(`${line}\n`)
        }),
      toHost: (line) => Effect.sync(() => options.toHost(line))
    })

    // Both directions in order: a queue per direction, one fiber each.
    const fromServer = yield* Queue.unbounded<Item>()
    const fromHost = yield* Queue.unbounded<Item>()
    const serverLines = lineSplitter((line) => Queue.unsafeOffer(fromServer, { _tag: "line", line, final: false }))
    child.stdout!.on("data", serverLines.push)
    child.stdout!.once("end", () => {
      const rest = serverLines.flush()
      if (rest !== undefined) Queue.unsafeOffer(fromServer, { _tag: "line", line: rest, final: true })
      Queue.unsafeOffer(fromServer, { _tag: "end" })
    })
    yield* Effect.forkScoped(Effect.gen(function*() {
      while (true) {
        const item = yield* Queue.take(fromServer)
        if (item._tag === "end") return yield* Deferred.succeed(serverDone, undefined)
        yield* bridge.fromServer(item.line)
      }
    }))
    yield* Effect.forkScoped(Effect.gen(function*() {
      while (true) {
        const item = yield* Queue.take(fromHost)
        if (item._tag === "end") return yield* Effect.sync(() => stdin.end())
        if (item.final) yield* Effect.sync(() => stdin.write(item.line))
        else yield* bridge.fromHost(item.line)
      }
    }))
    const hostLines = lineSplitter((line) => Queue.unsafeOffer(fromHost, { _tag: "line", line, final: false }))

    return {
      bridge,
      send: (line) => Queue.unsafeOffer(fromHost, { _tag: "line", line, final: false }),
      end: () => {
        const rest = hostLines.flush()
        if (rest !== undefined) Queue.unsafeOffer(fromHost, { _tag: "line", line: rest, final: true })
        Queue.unsafeOffer(fromHost, { _tag: "end" })
      },
      kill: (signal = "SIGTERM") => {
        child.kill(signal)
      },
      exited: Effect.zipLeft(Deferred.await(exited), Deferred.await(serverDone)),
      pid: child.pid,
      sendBytes: hostLines.push
    }
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface StartOptions extends Omit<SpawnOptions, "toHost" | "onEvent"> {
  /** CODEX_HOME (default: $CODEX_HOME, else ~/.codex). */
  readonly codexHome?: string | undefined
  /** The credential store (default `file`). */
  readonly store?: Environment.EnvironmentOptions["store"]
  /** The auth server the session refreshes at (default: $CODEX_AUTH_ISSUER, else https://auth.openai.com). */
  readonly issuer?: string | undefined
  /** Receives every message the app-server sends the host (refresh requests and the bridge's answers excepted). */
  readonly onMessage: (message: unknown) => void
  /** Told what the bridge did. */
  readonly onEvent?: ((event: AppServerBridge.BridgeEvent) => void) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AppServerHandle {
  /** Sends a message to the app-server, as to `codex app-server` itself. */
  readonly send: (message: unknown) => void
  readonly stats: () => Promise<AppServerBridge.BridgeStats>
  /** Compares the session with what the server holds, and signs in again (or out) if they differ. */
  readonly resync: () => Promise<void>
  /** Resolves when the app-server has exited. */
  readonly exited: Promise<AppServerExit>
  /** Ends the app-server's stdin, waits for it to exit (SIGTERM after 5 s), and releases the session. */
  readonly close: () => Promise<AppServerExit>
}

/**
 * The Promise form: starts `codex app-server` signed in with the stored ChatGPT login. Speak to it with `send` and
 * `onMessage` exactly as to the app-server (its `initialize` gains `experimentalApi`; the login happens before your
 * first request after `initialized`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: StartOptions): Promise<AppServerHandle> => {
  const runtime = ManagedRuntime.make(
    Environment.layer({ codexHome: options.codexHome, store: options.store, issuer: options.issuer })
  )
  const scope = await runtime.runPromise(Scope.make())
  const { codexHome, issuer: _issuer, onEvent, onMessage, store: _store, ...rest } = options
  try {
    const running = await runtime.runPromise(
      spawn({
        ...rest,
        // The app-server keeps its config and threads in the CODEX_HOME of the login it is given.
        env: codexHome === undefined ? rest.env : { ...(rest.env ?? process.env), CODEX_HOME: codexHome },
        toHost: (line) => {
          try {
            onMessage(JSON.parse(line))
          } catch {
            onMessage(line)
          }
        },
        onEvent: onEvent === undefined ? undefined : (event) => Effect.sync(() => onEvent(event))
      }).pipe(Scope.extend(scope))
    )
    const exited = runtime.runPromise(running.exited)
    const close = async () => {
      running.end()
      const timer = setTimeout(() => running.kill("SIGTERM"), 5_000)
      const exit = await exited
      clearTimeout(timer)
      await runtime.runPromise(Scope.close(scope, Exit.void))
      await runtime.dispose()
      return exit
    }
    return {
      send: (message) => running.send(typeof message === "string" ? message : JSON.stringify(message)),
      stats: () => runtime.runPromise(running.bridge.stats),
      resync: () => runtime.runPromise(running.bridge.resync),
      exited,
      close
    }
  } catch (error) {
    await runtime.runPromise(Scope.close(scope, Exit.void))
    await runtime.dispose()
    throw error
  }
}
