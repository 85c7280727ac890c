// Eight real processes share one pool config (three accounts, each in its own CODEX_HOME with an expired access
// token) and all ask every account for a token at once: exactly one refresh grant per account, and every process
// ends up with the same token per account.
import * as AccountPoolConfig from "@codex-auth/accounts/AccountPoolConfig"
import * as Emulator from "@codex-auth/emulator/Emulator"
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
const names = ["work", "personal", "spare"]
const users = names.map((name) => Emulator.user({ email: `${name}@example.com` }))

type Child = ChildProcessByStdio<Writable, Readable, null>

const spawnChild = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: Child; readonly lines: AsyncIterator<string> }>((resume) => {
      const child = spawn(process.execPath, [Path.join(here, "poolChild.mjs"), ...names], {
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "inherit"]
      })
      const lines = Readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      void lines.next().then(() => resume(Effect.succeed({ child, lines })))
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

describe("many processes, one pool config", () => {
  it.scopedLive(
    "8 processes × 3 accounts with expired tokens: one refresh grant per account, one token per account",
    () =>
      Effect.gen(function*() {
        assert.isTrue(
          Fs.existsSync(Path.resolve("packages/node/dist/NodeAccountPool.js")),
          "build first: npx tsc -b"
        )
        const emulator = yield* startEmulator({ users })
        const root = yield* tempCodexHome
        const minted: Record<string, Emulator.MintedTokens> = {}
        for (const name of names) {
          const home = Path.join(root, name)
          Fs.mkdirSync(home)
          minted[name] = yield* emulator.admin.mintTokens({ email: `${name}@example.com`, accessTokenTtlSeconds: -60 })
          writeAuthJson(home, authJsonText(minted[name]!, emulator.url))
        }
        const configPath = Path.join(root, "pool.json")
        Fs.writeFileSync(
          configPath,
          AccountPoolConfig.stringify({
            strategy: "round-robin",
            accounts: names.map((name) => ({ name, codexHome: name }))
          })
        )
        const env = { CODEX_AUTH_POOL: configPath, ISSUER: emulator.url }
        const children = yield* Effect.all(Array.from({ length: 8 }, () => spawnChild(env)), {
          concurrency: "unbounded"
        })
        for (const { child } of children) child.stdin.write("go\n")
        const answers = yield* Effect.all(
          children.map(({ lines }) => Effect.promise(() => lines.next().then((r) => JSON.parse(String(r.value))))),
          { concurrency: "unbounded" }
        )
        for (const answer of answers) assert.isUndefined(answer.error, answer.error)
        const requests = yield* emulator.admin.requests
        const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
        for (const name of names) {
          const tokens = new Set(answers.map((a) => a.tokens[name] as string))
          assert.strictEqual(tokens.size, 1, `all 8 processes got the same token for ${name}`)
          const [token] = tokens
          assert.notStrictEqual(token, minted[name]!.access_token)
          assert.strictEqual(readAuthJson(Path.join(root, name)).tokens.access_token, token)
          const ofAccount = grants.filter((g) => g.tokenFamily === minted[name]!.family)
          assert.strictEqual(ofAccount.length, 1, `exactly one refresh grant for ${name}`)
        }
        assert.strictEqual(grants.length, 3)
        assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"))
      }),
    { timeout: 120_000 }
  )
})
