import * as Core from "@codex-auth/core"
import * as Effect from "effect/Effect"

Deno.test("effect loads from node_modules", async () => {
  const n = await Effect.runPromise(Effect.succeed(Object.keys(Core).length + 1))
  if (n < 1) throw new Error("no")
})
