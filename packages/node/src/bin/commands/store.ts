// `codex-auth store`: the PostgreSQL store's schema (`migrate`, `migrate --print` for a DBA) and copying a login
// between stores (`copy --from file --to postgres` seeds a fleet from a laptop's login; the reverse takes it back).
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Facade from "@codex-auth/facade/Facade"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { platform } from "../../NodePlatform.ts"

type Side = "file" | "keyring" | "postgres"
const sides: ReadonlyArray<Side> = ["file", "keyring", "postgres"]

const loadPostgres = Effect.promise(() => import("@codex-auth/postgres/PostgresCredentialStore"))

const fail = (message: string) =>
  Effect.zipRight(
    Console.error(`✗ codex-auth store: ${message}`),
    Effect.flatMap(
      Effect.promise(() => import("@codex-auth/cli/Cli")),
      (run) => Effect.fail(new run.ExitWith({ code: run.exitCodes.failure }))
    )
  )

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)

const account = Options.text("account").pipe(
  Options.withDescription("The PostgreSQL row's account name (default: $CODEX_AUTH_STORE_ACCOUNT, else default)."),
  Options.optional
)

const accountOf = (side: "from" | "to") =>
  Options.text(`${side}-account`).pipe(
    Options.withDescription(
      `The PostgreSQL row's account name on the ${side === "from" ? "source" : "target"} side (default: --account).`
    ),
    Options.optional
  )

const migrateCommand = Command.make("migrate", {
  print: Options.boolean("print").pipe(
    Options.withDescription("Print the SQL instead of running it (for a DBA to apply; idempotent).")
  )
}, ({ print }) =>
  Effect.gen(function*() {
    const postgres = yield* loadPostgres
    if (print) {
      yield* Console.log(postgres.migrationSql.trimEnd())
      return
    }
    const location = yield* Effect.scoped(
      Effect.map(Layer.build(postgres.layerConfig({ migrate: true })), (context) =>
        Context.get(context, CredentialStore).location)
    )
    yield* Console.error(`✓ The codex-auth schema is ready at ${location}`)
  }).pipe(Effect.catchAll((error) =>
    fail(messageOf(error))
  ))).pipe(
    Command.withDescription("Create the PostgreSQL store's schema (CODEX_AUTH_DATABASE_URL), or print it.")
  )

const sideLayer = (side: Side, codexHome: string | undefined, name: string | undefined) =>
  side === "postgres"
    ? Layer.unwrapEffect(Effect.map(loadPostgres, (postgres) => postgres.layerConfig({ account: name })))
    : Facade.layer(platform, { codexHome, store: side })

const copyCommand = Command.make("copy", {
  from: Options.choice("from", sides).pipe(Options.withDescription("The store to read the login from.")),
  to: Options.choice("to", sides).pipe(Options.withDescription("The store to write it to.")),
  codexHome: Options.directory("codex-home").pipe(
    Options.withDescription("CODEX_HOME of the file side (default: $CODEX_HOME, else ~/.codex)."),
    Options.optional
  ),
  account,
  fromAccount: accountOf("from"),
  toAccount: accountOf("to")
}, (args) =>
  Effect.gen(function*() {
    if (args.from === args.to && args.from !== "postgres") {
      return yield* fail(`--from and --to are both ${args.from}: name two different stores.`)
    }
    const codexHome = Option.getOrUndefined(args.codexHome)
    // An account name per side (a row of PostgreSQL); --account names both.
    const fromName = Option.getOrUndefined(Option.orElse(args.fromAccount, () => args.account))
    const toName = Option.getOrUndefined(Option.orElse(args.toAccount, () => args.account))
    const notARow = (flag: string, side: Side) =>
      fail(`${flag} names a PostgreSQL row, and that side is ${side}: use --codex-home for it.`)
    if (Option.isSome(args.fromAccount) && args.from !== "postgres") return yield* notARow("--from-account", args.from)
    if (Option.isSome(args.toAccount) && args.to !== "postgres") return yield* notARow("--to-account", args.to)
    const source = yield* Effect.scoped(Effect.flatMap(
      Layer.build(sideLayer(args.from, codexHome, fromName)),
      (context) => {
        const store = Context.get(context, CredentialStore)
        return Effect.map(store.load, (document) => ({ document, location: store.location }))
      }
    ))
    if (Option.isNone(source.document)) {
      return yield* fail(
        `there is no login in the ${args.from} store (${source.location}) to copy: sign in there first ` +
          "(codex-auth login), or name the right --codex-home / --from-account."
      )
    }
    const document = source.document.value
    const target = yield* Effect.scoped(Effect.flatMap(
      Layer.build(sideLayer(args.to, codexHome, toName)),
      (context) => {
        const store = Context.get(context, CredentialStore)
        // Under the target's lock, like a refresh: no replica of the fleet refreshes halfway through the copy.
        return Effect.as(store.withLock(Effect.zipRight(store.load, store.save(document))), store.location)
      }
    ))
    yield* Console.error(`✓ Copied the login from ${args.from} (${source.location}) to ${args.to} (${target})`)
  }).pipe(Effect.catchAll((error) => fail(messageOf(error))))).pipe(
    Command.withDescription(
      "Copy a login between stores: --from file --to postgres seeds a fleet from a login done on a laptop."
    )
  )

export const storeCommand = Command.make("store").pipe(
  Command.withDescription("The credential stores: PostgreSQL's schema, and copying a login between stores."),
  Command.withSubcommands([migrateCommand, copyCommand])
)
