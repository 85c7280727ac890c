// Cross-runtime proof: Deno processes and Node processes refreshing on one CODEX_HOME at once, against the
// rotation-enforcing emulator, make exactly one refresh grant and all get the same token — the Deno lock
// (FsFile.tryLock) and the Node lock (libc flock) are the same flock(2) on auth.lock and exclude each other.
import { startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import type { Readable, Writable } from "node:stream"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"

const here = Path.dirname(new URL(import.meta.url).pathname)
const root = Path.resolve(here, "../..")
const deno = Path.join(root, "node_modules/.bin/deno")
const nodeChild = Path.join(here, "getTokenChild.mjs")
const denoChild = Path.join(root, "packages/deno/test/support/getTokenChild.ts")

type Child = ChildProcessByStdio<Writable, Readable, null>

const spawnChild = (command: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: Child; readonly lines: AsyncIterator<string> }>((resume) => {
      const child = spawn(command, [...args], {
        cwd: root,
        env: { ...process.env, ...env, NO_COLOR: "1" },
        stdio: ["pipe", "pipe", "inherit"]
      })
      const lines = Readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      void lines.next().then(() => resume(Effect.succeed({ child, lines })))
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

const runtimes = {
  node: (env: Record<string, string>) => spawnChild(process.execPath, [nodeChild], env),
  deno: (env: Record<string, string>) =>
    spawnChild(deno, ["run", "--allow-all", "--no-prompt", "--conditions=source", denoChild], env)
}

describe("Deno and Node processes, one CODEX_HOME", () => {
  it.scopedLive(
    "expired token, Deno and Node refreshing at once (5 rounds): one refresh grant each round, everyone the same token",
    () =>
      Effect.gen(function*() {
        assert.isTrue(Fs.existsSync(Path.join(root, "packages/node/dist/NodeSession.js")), "build first: npx tsc -b")
        assert.isTrue(Fs.existsSync(deno), "the deno npm package is installed")
        const emulator = yield* startEmulator()
        for (let round = 0; round < 5; round++) {
          yield* Effect.scoped(Effect.gen(function*() {
            yield* emulator.admin.clearRequests
            const home = yield* tempCodexHome
            const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
            writeAuthJson(home, authJsonText(minted, emulator.url))
            const env = { CODEX_HOME: home, ISSUER: emulator.url }
            // Two of each runtime, all loaded and waiting before anyone starts.
            const children = yield* Effect.all(
              [runtimes.deno(env), runtimes.node(env), runtimes.deno(env), runtimes.node(env)],
              { concurrency: "unbounded" }
            )
            for (const { child } of children) child.stdin.write("go\n")
            const answers = yield* Effect.all(
              children.map(({ lines }) => Effect.promise(() => lines.next().then((r) => JSON.parse(String(r.value))))),
              { concurrency: "unbounded" }
            )
            for (const answer of answers) assert.isUndefined(answer.error, answer.error)
            const tokens = new Set(answers.map((answer) => answer.token as string))
            assert.strictEqual(tokens.size, 1, `round ${round}: all four processes got the same token`)
            const [token] = tokens
            assert.notStrictEqual(token, minted.access_token)
            const requests = yield* emulator.admin.requests
            const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
            assert.strictEqual(grants.length, 1, `round ${round}: exactly one refresh grant`)
            assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"))
            assert.strictEqual(readAuthJson(home).tokens.access_token, token)
          }))
        }
      }),
    { timeout: 120_000 }
  )
})
