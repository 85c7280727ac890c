// The writer a crash-safety round kills: writes auth.json through the real NodeSecretFile.writeAtomic in a loop,
// announcing each write before it starts ("begin N") and after it returns ("done N"). Stdout is a pipe, which Node
// writes synchronously on Linux, so every announcement the parent reads happened before the SIGKILL.
// argv: <path> <round>. The content of write N of round R is `contentOf(R, N)` (shared with the test).
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as Effect from "effect/Effect"
import { contentOf } from "./content.mjs"

const [path, round] = [process.argv[2], Number(process.argv[3])]
process.stdout.write("ready\n")
for (let n = 1;; n++) {
  const text = contentOf(round, n)
  process.stdout.write(`begin ${n}\n`)
  await Effect.runPromise(NodeSecretFile.make.writeAtomic(path, text, { mode: 0o600 }))
  process.stdout.write(`done ${n}\n`)
}
