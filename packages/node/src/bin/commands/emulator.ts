// `codex-auth emulator`: serve the auth-server emulator on 127.0.0.1 until SIGINT/SIGTERM. The emulator
// (`@codex-auth/emulator`, an optional peer) loads only when the command runs.
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { loadEmulator } from "../../internal/cli/loadEmulator.ts"

const seconds = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

const options = {
  port: Options.integer("port").pipe(
    Options.withDescription("Port on 127.0.0.1 (0 picks a free one)."),
    Options.withDefault(0)
  ),
  autoApprove: Options.boolean("auto-approve").pipe(
    Options.withDescription("Approve every authorization and device code at once, without the consent page.")
  ),
  accessTokenTtl: seconds("access-token-ttl", "Lifetime of minted access and id tokens, in seconds (default 3600)."),
  refreshTokenTtl: seconds("refresh-token-ttl", "Lifetime of a refresh token family, in seconds (default 30 days)."),
  deviceCodeLifetime: seconds("device-code-lifetime", "Lifetime of a device code, in seconds (default 900)."),
  deviceInterval: Options.text("device-interval").pipe(
    Options.withDescription("The polling interval the usercode endpoint announces, in seconds (default \"5\")."),
    Options.optional
  ),
  disableDeviceCode: Options.boolean("disable-device-code").pipe(
    Options.withDescription("Answer 404 on the usercode endpoint (device code login not enabled).")
  ),
  clientIds: Options.text("client-id").pipe(
    Options.withDescription("An accepted OAuth client id (repeatable; default the Codex CLI's)."),
    Options.repeated
  ),
  users: Options.text("user").pipe(
    Options.withDescription("A test user's email (repeatable; the first is the default account)."),
    Options.repeated
  ),
  issuer: Options.text("issuer").pipe(
    Options.withDescription("Issuer URL for claims and links (default: derived from each request's Host)."),
    Options.optional
  )
}

export const emulatorCommand = Command.make("emulator", options, (args) =>
  Effect.scoped(
    Effect.gen(function*() {
      const duration = (value: Option.Option<number>) => Option.getOrUndefined(Option.map(value, Duration.seconds))
      const { Emulator, NodeEmulator } = yield* loadEmulator
      const running = yield* NodeEmulator.serve({
        port: args.port,
        autoApprove: args.autoApprove,
        accessTokenTtl: duration(args.accessTokenTtl),
        refreshTokenTtl: duration(args.refreshTokenTtl),
        deviceCodeLifetime: duration(args.deviceCodeLifetime),
        deviceInterval: Option.getOrUndefined(args.deviceInterval),
        deviceCodeEnabled: !args.disableDeviceCode,
        clientIds: args.clientIds.length > 0 ? args.clientIds : undefined,
        users: args.users.length > 0 ? args.users.map((email) => Emulator.user({ email })) : undefined,
        issuer: Option.getOrUndefined(args.issuer)
      })
      // The first line of stdout is the base URL: scripts read it to find the ephemeral port.
      yield* Console.log(running.url)
      yield* Console.error(`codex-auth emulator: admin API at ${running.url}/__emulator/; Ctrl-C to stop`)
      return yield* Effect.never
    }).pipe(
      // The message says what failed and what to do; the process then exits 1 (the root's ExitWith convention).
      Effect.catchAll((error) =>
        Effect.zipRight(
          Console.error(`✗ codex-auth emulator: ${error.message}`),
          Effect.flatMap(
            Effect.promise(() => import("@codex-auth/cli/Cli")),
            (run) => Effect.fail(new run.ExitWith({ code: run.exitCodes.failure }))
          )
        )
      )
    )
  )).pipe(Command.withDescription("Run a local emulator of auth.openai.com for tests and demos."))
