/**
 * `codex-auth broker`: `@codex-auth/broker/node` under the CLI's conventions. The URL is the first line of stdout;
 * notes go to stderr; SIGINT/SIGTERM close it (exit 130). The broker is loaded from its own package (an optional
 * peer, like the PostgreSQL store): it depends on this one, so this one names it only at run time.
 */
import type { Common } from "@codex-auth/cli/Cli"
import { human, runCommand } from "@codex-auth/cli/Cli"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export interface BrokerArgs extends Pick<Common, "codexHome" | "store" | "issuer" | "verbose"> {
  readonly port: number
}

/** What this command uses of `@codex-auth/broker/node`. */
interface BrokerModule {
  readonly start: (options: {
    readonly codexHome?: string | undefined
    readonly store?: Common["store"]
    readonly issuer?: string | undefined
    readonly port?: number | undefined
  }) => Promise<{ readonly url: string; readonly close: () => Promise<void> }>
}

/** `@codex-auth/broker` is not installed. */
export class BrokerNotInstalled extends Schema.TaggedError<BrokerNotInstalled>()("BrokerNotInstalled", {}) {
  override get message(): string {
    return "The broker is a package of its own: install it beside this one (npm install @codex-auth/broker)."
  }
}

// A plain string, so that neither tsc nor the bundler follows it (the broker package depends on this one).
const brokerModule: string = "@codex-auth/broker/node"

export const broker = (args: BrokerArgs) => {
  const common: Common = { ...args, clientId: Option.none(), json: false }
  const body = Effect.gen(function*() {
    const module = yield* Effect.tryPromise({
      try: () => import(brokerModule) as Promise<BrokerModule>,
      catch: () => new BrokerNotInstalled()
    })
    return yield* Effect.acquireUseRelease(
      Effect.tryPromise({
        try: () =>
          module.start({
            codexHome: Option.getOrUndefined(args.codexHome),
            store: args.store,
            issuer: Option.getOrUndefined(args.issuer),
            port: args.port
          }),
        // The broker's errors are typed (a message that says what to do next); the CLI prints them as they are.
        catch: (error) => error
      }),
      (running) =>
        Effect.gen(function*() {
          // The first line of stdout is the URL: scripts read it to find the port.
          yield* Effect.sync(() => process.stdout.write(`${running.url}\n`))
          yield* human(
            `codex-auth broker: point Codex at CODEX_REFRESH_TOKEN_URL_OVERRIDE=${running.url}/oauth/token; Ctrl-C to stop`
          )
          return yield* Effect.never
        }),
      (running) => Effect.promise(() => running.close())
    )
  })
  return runCommand(common, body)
}
