// Running under Deno: the same engine with Deno's ports (Deno.serve, Deno.Command, FsFile.lock).
//
//   npx deno run -A --conditions=source examples/deno.ts     (after `npx codex-auth login`)
import { Session } from "@codex-auth/core/Session"
import { DenoSession } from "@codex-auth/deno"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

const issuer = Deno.env.get("CODEX_AUTH_ISSUER")
const program = Effect.gen(function*() {
  const session = yield* Session
  const status = yield* session.status
  if (!status.loggedIn) return yield* Effect.fail(new Error("Not logged in: run `npx codex-auth login` first."))
  const headers = yield* session.getHeaders
  console.log(
    `Deno: signed in as ${Option.getOrElse(status.email, () => "?")}; headers: ${Object.keys(headers).join(", ")}`
  )
})

await Effect.runPromise(program.pipe(Effect.provide(DenoSession.layer(issuer ? { profile: { issuer } } : {}))))
  .catch((error) => {
    console.error(error.message)
    Deno.exit(1)
  })
