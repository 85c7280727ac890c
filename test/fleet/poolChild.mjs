// One replica of the fleet's account pool (test/fleet/pool.test.ts): its own process, the pool's accounts rows of
// PostgreSQL (CODEX_AUTH_DATABASE_URL), the issuer ISSUER, the accounts ACCOUNTS (comma-separated). Commands on
// stdin, one JSON answer per line on stdout:
//   pick <n>        n picks (round-robin): { picks: [{ account, token } | { error }] }
//   health <name>   { health: "Healthy" | "CoolingDown" | "NeedsLogin" | "Failing" }
// Runs the built packages (dist).
import * as AccountPool from "@codex-auth/accounts/AccountPool"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as NodeHttpClient from "@codex-auth/node/NodeHttpClient"
import * as PostgresAccountPool from "@codex-auth/postgres/PostgresAccountPool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Readline from "node:readline"

const services = Layer.provideMerge(
  OAuthClient.layer,
  Layer.mergeAll(ProviderProfile.layerConfig({ issuer: process.env.ISSUER }), NodeHttpClient.layerConfig)
)
const layer = PostgresAccountPool.layer({
  url: Redacted.make(process.env.CODEX_AUTH_DATABASE_URL),
  accounts: process.env.ACCOUNTS.split(","),
  strategy: "round-robin"
}).pipe(Layer.provide(services))

const answer = (value) => process.stdout.write(JSON.stringify(value) + "\n")
const scope = Effect.runSync(Scope.make())
const pool = Context.get(await Effect.runPromise(Layer.buildWithScope(layer, scope)), AccountPool.AccountPool)

const pick = (count) =>
  Effect.forEach(Array.from({ length: count }), () =>
    pool.getToken().pipe(
      Effect.map((selection) => ({ account: selection.account, token: Redacted.value(selection.token) })),
      Effect.catchAll((error) => Effect.succeed({ error: error.message }))
    ))

const lines = Readline.createInterface({ input: process.stdin })
answer({ ready: true })
lines.on("line", async (line) => {
  const [command, argument] = line.trim().split(" ")
  if (command === "pick") {
    answer({ picks: await Effect.runPromise(pick(Number(argument))) })
  } else if (command === "health") {
    answer({ health: (await Effect.runPromise(pool.health(argument)))._tag })
  } else if (command === "quit") {
    lines.close()
    process.exit(0)
  }
})
