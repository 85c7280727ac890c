// One replica of the fleet tests: its own CODEX_HOME (empty: it shares nothing on disk), its credentials in
// PostgreSQL (CODEX_AUTH_DATABASE_URL). Commands on stdin, one JSON answer per line on stdout:
//   go <n>    a fresh session (a replica's start) asks for a token; prints { round, token, millis }
//   hold      takes the store's lock and keeps it (to be killed while holding it); prints { held: true }
// Runs the built packages (dist), so 32 of them start fast.
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as Session from "@codex-auth/core/Session"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as PostgresCredentialStore from "@codex-auth/postgres/PostgresCredentialStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { performance } from "node:perf_hooks"
import * as Readline from "node:readline"

const store = PostgresCredentialStore.layerConfig()
const session = NodeSession.layer({ profile: { issuer: process.env.ISSUER }, store })

const getToken = (round) =>
  Effect.gen(function*() {
    const started = performance.now()
    const token = yield* Effect.flatMap(Session.Session, (s) => s.getToken)
    return { round, token: Redacted.value(token), millis: performance.now() - started }
  }).pipe(Effect.provide(session))

const hold = Effect.flatMap(
  CredentialStore,
  (s) =>
    s.withLock(
      Effect.zipRight(Effect.sync(() => process.stdout.write(JSON.stringify({ held: true }) + "\n")), Effect.never)
    )
).pipe(Effect.provide(Layer.orDie(store)))

const answer = (value) => process.stdout.write(JSON.stringify(value) + "\n")

const lines = Readline.createInterface({ input: process.stdin })
answer({ ready: true })
lines.on("line", async (line) => {
  const [command, argument] = line.trim().split(" ")
  if (command === "go") {
    const exit = await Effect.runPromiseExit(getToken(Number(argument)))
    answer(exit._tag === "Success" ? exit.value : { round: Number(argument), error: String(exit.cause) })
  } else if (command === "hold") {
    void Effect.runPromise(hold)
  } else if (command === "quit") {
    lines.close()
    process.exit(0)
  }
})
