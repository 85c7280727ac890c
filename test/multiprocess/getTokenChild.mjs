// One of the processes of the multi-process refresh test: waits for "go" on stdin, then asks its own session for a
// token from the shared CODEX_HOME and prints it as JSON. Runs the built packages (dist) so 16 of them start fast.
import * as Session from "@codex-auth/core/Session"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Readline from "node:readline"

const program = Effect.flatMap(Session.Session, (session) => session.getToken).pipe(
  Effect.provide(NodeSession.layer({ profile: { issuer: process.env.ISSUER } }))
)

const lines = Readline.createInterface({ input: process.stdin })
process.stdout.write("ready\n")
lines.once("line", async () => {
  lines.close()
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    process.stdout.write(JSON.stringify({ token: Redacted.value(exit.value) }) + "\n")
  } else {
    process.stdout.write(JSON.stringify({ error: String(exit.cause) }) + "\n")
    process.exitCode = 1
  }
})
