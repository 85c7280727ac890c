// Run under strace by ports.test.ts: takes and releases the lock on argv[0], then writes argv[1] atomically.
import * as Effect from "effect/Effect"
import * as DenoSecretFile from "../../src/DenoSecretFile.ts"

const [lockFile, target] = Deno.args
await Effect.runPromise(Effect.scoped(DenoSecretFile.make.lock(lockFile!)))
await Effect.runPromise(DenoSecretFile.make.writeAtomic(target!, "hello", { mode: 0o600 }))
