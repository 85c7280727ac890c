// N `codex-auth token` processes started at once on one expired token, against the rotation-enforcing emulator:
// exactly one refresh grant, N identical new tokens, and — counted from the bin's startup trace, not timed — only
// the process that took auth.lock loaded the engine; the others waited for the lock and answered from the fast path
// with the token it saved (internal/fast/waiter.ts).
import { startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"

const bin = Path.resolve("packages/node/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.async<Result>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
  })

/** What each process did: `fast` or `engine` (the engine's `code-cache …` line, counted apart, is left out). */
const traceLines = (path: string): Array<string> =>
  Fs.readFileSync(path, "utf8").trim().split("\n").map((line) => line.split(" ")[0]!).filter((w) => w !== "code-cache")
const codeCacheLines = (path: string): number =>
  Fs.readFileSync(path, "utf8").split("\n").filter((line) => line.startsWith("code-cache ")).length

describe("cold `codex-auth token` processes on one expired token", () => {
  for (const command of ["token", "headers"] as const) {
    it.scopedLive(
      `8 \`${command}\` processes: one grant, one engine, the same new token for all`,
      () =>
        Effect.gen(function*() {
          assert.isTrue(Fs.existsSync(Path.resolve("packages/node/dist/bundle/cli.js")), "build first: npm run build")
          const emulator = yield* startEmulator()
          const home = yield* tempCodexHome
          const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
          writeAuthJson(home, authJsonText(minted, emulator.url))
          const trace = Path.join(home, "startup-trace")
          const env = {
            CODEX_HOME: home,
            CODEX_AUTH_ISSUER: emulator.url,
            CODEX_AUTH_STARTUP_TRACE: trace,
            CODEX_CA_CERTIFICATE: "",
            SSL_CERT_FILE: ""
          }
          const results = yield* Effect.all(
            Array.from({ length: 8 }, () => run([command, "--json"], env)),
            { concurrency: "unbounded" }
          )
          for (const result of results) assert.strictEqual(result.code, 0, result.stderr)
          const tokens = new Set(
            results.map((result) => {
              const json = JSON.parse(result.stdout) as Record<string, string>
              return command === "token" ? json["token"]! : json["Authorization"]!.replace(/^Bearer /, "")
            })
          )
          assert.strictEqual(tokens.size, 1, "all 8 got the same token")
          const [token] = tokens
          assert.notStrictEqual(token, minted.access_token)
          assert.strictEqual(readAuthJson(home).tokens.access_token, token)
          const requests = yield* emulator.admin.requests
          const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
          assert.strictEqual(grants.length, 1, "exactly one refresh grant")
          assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"))
          const lines = traceLines(trace)
          assert.strictEqual(lines.length, 8)
          assert.deepStrictEqual(
            lines.filter((line) => line === "engine").length,
            1,
            `only the lock holder loads the engine: ${lines.join(", ")}`
          )
          assert.strictEqual(codeCacheLines(trace), 1, "and only it loads the engine's code (cached or not)")
        }),
      { timeout: 120_000 }
    )
  }

  it.scopedLive(
    "a lone process on an expired token hands its lock to its own engine, which refreshes under it",
    () =>
      Effect.gen(function*() {
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        writeAuthJson(home, authJsonText(minted, emulator.url))
        const trace = Path.join(home, "startup-trace")
        const env = { CODEX_HOME: home, CODEX_AUTH_ISSUER: emulator.url, CODEX_AUTH_STARTUP_TRACE: trace }
        // No other process: the lone process takes the lock, finds the token still stale and hands the lock to its
        // engine, which refreshes under it (a self-deadlock would time out after 30 s instead).
        const result = yield* run(["token"], env)
        assert.strictEqual(result.code, 0, result.stderr)
        assert.deepStrictEqual(traceLines(trace), ["engine"])
        assert.strictEqual(result.stdout.trim(), readAuthJson(home).tokens.access_token)
        const again = yield* run(["token"], env)
        assert.strictEqual(again.stdout, result.stdout)
        assert.deepStrictEqual(traceLines(trace), ["engine", "fast"])
      }),
    { timeout: 60_000 }
  )
})
