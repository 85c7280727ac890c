// Run by Deno (packages/node/test/Sweep.test.ts): DenoSecretFile.removeTemporaries on the path given, from the
// TypeScript sources (`--conditions=source`); prints how many temporaries it removed as JSON.
import * as Effect from "effect/Effect"
import * as DenoSecretFile from "../../packages/deno/src/DenoSecretFile.ts"

const removed = await Effect.runPromise(DenoSecretFile.make.removeTemporaries(Deno.args[0]))
console.log(JSON.stringify({ removed }))
