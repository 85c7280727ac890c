// Writes auth.json atomically in a loop, as fast as it can, until it is killed. Every write is a valid document of
// a different size, so a torn write would show up as a parse failure.
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as Effect from "effect/Effect"

const path = process.argv[2]
let n = 0
process.stdout.write("ready\n")
for (;;) {
  n++
  const padding = "x".repeat((n * 7919) % 20_000)
  const text = JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: `sk-${n}`, padding }, null, 2)
  await Effect.runPromise(NodeSecretFile.make.writeAtomic(path, text, { mode: 0o600 }))
  if (n % 25 === 0) process.stdout.write(`wrote ${n}\n`)
}
