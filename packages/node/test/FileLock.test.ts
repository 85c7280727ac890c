// The lock must exclude the Codex CLI, which takes flock(2) on CODEX_HOME/auth.lock. util-linux `flock` takes the
// same kind of lock, so it stands in for Codex here; strace shows the system call we make.
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { Readable, Writable } from "node:stream"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-lock-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** `flock -x path` holding the lock until told to stop; before letting go it writes `marker`. */
const holdWithFlockCommand = (path: string, marker: string) =>
  Effect.acquireRelease(
    Effect.async<ChildProcessByStdio<Writable, Readable, null>>((resume) => {
      const child = spawn("flock", ["-x", path, "-c", `echo locked; read line; echo released > '${marker}'`], {
        stdio: ["pipe", "pipe", "inherit"]
      })
      child.stdout.once("data", () => resume(Effect.succeed(child)))
    }),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

const release = (child: ChildProcessByStdio<Writable, Readable, null>) =>
  Effect.async<void>((resume) => {
    child.once("exit", () => resume(Effect.void))
    child.stdin.end("go\n")
  })

/** Whether util-linux `flock -n` could take the lock right now. */
const canFlockNow = (path: string): boolean => spawnSync("flock", ["-n", path, "true"]).status === 0

describe("NodeSecretFile lock (flock on auth.lock)", () => {
  it.scopedLive("a lock held by the flock command makes ours wait until it is released", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lockFile = Path.join(dir, "auth.lock")
      const marker = Path.join(dir, "released")
      const holder = yield* holdWithFlockCommand(lockFile, marker)
      const waiter = yield* Effect.fork(Effect.scoped(
        Effect.zipRight(NodeSecretFile.make.lock(lockFile), Effect.sync(() => Fs.existsSync(marker)))
      ))
      yield* release(holder)
      const markerExistedWhenWeGotIt = yield* Fiber.join(waiter)
      assert.isTrue(markerExistedWhenWeGotIt, "we acquired the lock only after the holder let go")
    }))

  it.scopedLive("while the flock command holds it, a bounded wait fails with a typed lock error", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lockFile = Path.join(dir, "auth.lock")
      const holder = yield* holdWithFlockCommand(lockFile, Path.join(dir, "released"))
      const exit = yield* Effect.exit(Effect.scoped(NodeSecretFile.make.lock(lockFile, { timeoutMillis: 200 })))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(Effect.scoped(NodeSecretFile.make.lock(lockFile, { timeoutMillis: 50 })))
      assert.strictEqual(error.operation, "lock")
      assert.include(error.message, lockFile)
      yield* release(holder)
      yield* Effect.scoped(NodeSecretFile.make.lock(lockFile, { timeoutMillis: 5_000 }))
    }))

  it.scopedLive("our lock excludes the flock command while held, and is released when the scope closes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lockFile = Path.join(dir, "auth.lock")
      yield* Effect.scoped(Effect.gen(function*() {
        yield* NodeSecretFile.make.lock(lockFile)
        assert.isFalse(canFlockNow(lockFile))
      }))
      assert.isTrue(canFlockNow(lockFile))
    }))

  it.scopedLive("two locks in one process exclude each other too", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lockFile = Path.join(dir, "auth.lock")
      yield* Effect.scoped(Effect.gen(function*() {
        yield* NodeSecretFile.make.lock(lockFile)
        const error = yield* Effect.flip(Effect.scoped(NodeSecretFile.make.lock(lockFile, { timeoutMillis: 50 })))
        assert.strictEqual(error._tag, "SecretFileError")
      }))
      yield* Effect.scoped(NodeSecretFile.make.lock(lockFile, { timeoutMillis: 1_000 }))
    }))

  it.scopedLive("the system call is flock(fd, LOCK_EX|LOCK_NB), the lock Codex takes (strace)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lockFile = Path.join(dir, "auth.lock")
      const script = Path.join(dir, "lock.mjs")
      const module = Path.resolve("packages/node/dist/NodeSecretFile.js")
      assert.isTrue(Fs.existsSync(module), "build first: npx tsc -b")
      const effectModule = Path.resolve("node_modules/effect/dist/esm/Effect.js")
      Fs.writeFileSync(
        script,
        `import { make } from ${JSON.stringify(module)}\nimport * as Effect from ${JSON.stringify(effectModule)}\n` +
          `await Effect.runPromise(Effect.scoped(make.lock(${JSON.stringify(lockFile)})))\n`
      )
      const run = spawnSync("strace", ["-f", "-e", "trace=flock,fcntl", "node", script], { encoding: "utf8" })
      assert.strictEqual(run.status, 0, run.stderr)
      const flocks = run.stderr.split("\n").filter((line) => /flock\(\d+, LOCK_/.test(line))
      assert.isTrue(flocks.some((line) => /LOCK_EX\|LOCK_NB\)\s+= 0/.test(line)), flocks.join("\n"))
      assert.isTrue(flocks.some((line) => /LOCK_UN\)\s+= 0/.test(line)), flocks.join("\n"))
      // No fcntl record lock on the lock file: those would not exclude Codex.
      assert.isFalse(/F_SETLK|F_OFD_SETLK/.test(run.stderr))
    }))
})
