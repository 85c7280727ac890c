// Real processes on one CODEX_HOME: 16 sessions refreshing an expired token against the rotation-enforcing
// emulator make exactly one grant; a writer killed with SIGKILL at random points never leaves a torn auth.json.
import * as AuthJson from "@codex-auth/core/AuthJson"
import { startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import type { Readable, Writable } from "node:stream"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"

const here = Path.dirname(new URL(import.meta.url).pathname)
const requireBuild = () =>
  assert.isTrue(Fs.existsSync(Path.resolve("packages/node/dist/NodeSession.js")), "build first: npx tsc -b")

type Child = ChildProcessByStdio<Writable, Readable, null>

const spawnChild = (script: string, args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: Child; readonly lines: AsyncIterator<string> }>((resume) => {
      const child = spawn(process.execPath, [Path.join(here, script), ...args], {
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "inherit"]
      })
      const lines = Readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      void lines.next().then(() => resume(Effect.succeed({ child, lines })))
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

describe("many processes, one CODEX_HOME", () => {
  it.scopedLive(
    "16 processes with an expired token: exactly one refresh grant, all get the same new token",
    () =>
      Effect.gen(function*() {
        requireBuild()
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        writeAuthJson(home, authJsonText(minted, emulator.url))
        const env = { CODEX_HOME: home, ISSUER: emulator.url }
        const children = yield* Effect.all(
          Array.from({ length: 16 }, () => spawnChild("getTokenChild.mjs", [], env)),
          { concurrency: "unbounded" }
        )
        // Every process is loaded and waiting: let them all go at once.
        for (const { child } of children) child.stdin.write("go\n")
        const answers = yield* Effect.all(
          children.map(({ lines }) => Effect.promise(() => lines.next().then((r) => JSON.parse(String(r.value))))),
          { concurrency: "unbounded" }
        )
        for (const answer of answers) assert.isUndefined(answer.error, answer.error)
        const tokens = new Set(answers.map((a) => a.token as string))
        assert.strictEqual(tokens.size, 1, "all 16 got the same token")
        const [token] = tokens
        assert.notStrictEqual(token, minted.access_token)
        const requests = yield* emulator.admin.requests
        const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
        assert.strictEqual(grants.length, 1, "exactly one refresh grant")
        assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"))
        assert.strictEqual(readAuthJson(home).tokens.access_token, token)
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "a writer killed with SIGKILL at random points never leaves an auth.json that fails to parse",
    () =>
      Effect.gen(function*() {
        requireBuild()
        const home = yield* tempCodexHome
        const path = Path.join(home, "auth.json")
        let totalWrites = 0
        for (let round = 0; round < 20; round++) {
          yield* Effect.scoped(Effect.gen(function*() {
            const { child, lines } = yield* spawnChild("writerChild.mjs", [path], {})
            const target = 1 + Math.floor(Math.random() * 8)
            let last = 0
            for (let i = 0; i < target; i++) {
              const line = yield* Effect.promise(() => lines.next())
              last = Number(String(line.value).split(" ")[1])
            }
            // A random extra delay puts the kill anywhere in the write cycle.
            yield* Effect.sleep(Math.floor(Math.random() * 20))
            child.kill("SIGKILL")
            yield* Effect.async<void>((resume) => {
              if (child.exitCode !== null || child.signalCode !== null) resume(Effect.void)
              else child.once("exit", () => resume(Effect.void))
            })
            totalWrites += last
          }))
          const text = Fs.readFileSync(path, "utf8")
          const parsed = AuthJson.parseEither(text, { path })
          assert.isTrue(Either.isRight(parsed), `round ${round}: auth.json does not parse`)
        }
        assert.isAbove(totalWrites, 300, "hundreds of writes were interrupted")
      }),
    { timeout: 120_000 }
  )
})
