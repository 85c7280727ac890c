// One Deno process of the cross-runtime refresh race (test/multiprocess/crossRuntime.test.ts): prints "ready", waits
// for a line on stdin, then asks its own Deno session for a token from the shared CODEX_HOME and prints it as JSON.
import * as Session from "@codex-auth/core/Session"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as DenoSession from "../../src/DenoSession.ts"

const program = Effect.flatMap(Session.Session, (session) => session.getToken).pipe(
  Effect.provide(DenoSession.layer({ profile: { issuer: Deno.env.get("ISSUER") } }))
)

const encoder = new TextEncoder()
await Deno.stdout.write(encoder.encode("ready\n"))
const reader = Deno.stdin.readable.getReader()
await reader.read()
reader.releaseLock()
const exit = await Effect.runPromiseExit(program)
if (exit._tag === "Success") {
  await Deno.stdout.write(encoder.encode(JSON.stringify({ token: Redacted.value(exit.value) }) + "\n"))
} else {
  await Deno.stdout.write(encoder.encode(JSON.stringify({ error: String(exit.cause) }) + "\n"))
  Deno.exitCode = 1
}
