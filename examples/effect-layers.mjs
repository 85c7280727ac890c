// The Effect API (the primary one): the Node session layer provides `Session`; programs ask it for tokens.
//
//   node examples/effect-layers.mjs            (after `npx codex-auth login`)
import { Session } from "@codex-auth/core/Session"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

const program = Effect.gen(function*() {
  const session = yield* Session
  const status = yield* session.status
  if (!status.loggedIn) return yield* Effect.fail(new Error("Not logged in: run `npx codex-auth login` first."))
  const token = yield* session.getToken // Redacted: printing it shows <redacted>
  const headers = yield* session.getHeaders
  console.log(`signed in as ${Option.getOrElse(status.email, () => "?")} (${status.store}: ${status.location})`)
  console.log(
    `token ${String(token)} of ${Redacted.value(token).length} chars; headers: ${Object.keys(headers).join(", ")}`
  )
})

// NodeSession.layer reads CODEX_HOME and Codex's env overrides; the profile points at another issuer if asked.
const issuer = process.env.CODEX_AUTH_ISSUER
const SessionLive = NodeSession.layer(issuer ? { profile: { issuer } } : {})

await Effect.runPromise(program.pipe(Effect.provide(SessionLive))).catch((error) => {
  console.error(error.message)
  process.exitCode = 1
})
