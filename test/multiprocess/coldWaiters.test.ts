// N `codex-auth token` processes started at once on one expired token, against the rotation-enforcing emulator:
// exactly one refresh grant, N identical new tokens, and — counted from the bin's startup trace, not timed — only
// the process that took auth.lock refreshed (the startup path itself, or the engine with CODEX_AUTH_FAST_REFRESH=0);
// the others waited for the lock and answered from the fast path with the token it saved (internal/fast/waiter.ts).
import { startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"
import { runBin } from "../support/bin.ts"

const run = (args: ReadonlyArray<string>, env: Record<string, string>) => Effect.promise(() => runBin(args, env))

/**
 * What each process did: `fast`, `fast refresh` (the startup path's own refresh), `engine refresh` or `engine` (the
 * `code-cache …` line of a bundle loaded through the code cache, counted apart, is left out).
 */
const traceLines = (path: string): Array<string> =>
  Fs.readFileSync(path, "utf8").trim().split("\n").map((line) => line.replace(/ \d+$/, ""))
    .filter((line) => !line.startsWith("code-cache "))

// Who sends the one grant: the startup path itself, or (CODEX_AUTH_FAST_REFRESH=0) the engine.
const senders = [
  { name: "the startup path", env: {}, line: "fast refresh" },
  { name: "the engine", env: { CODEX_AUTH_FAST_REFRESH: "0" }, line: "engine refresh" }
] as const
const codeCacheLines = (path: string): number =>
  Fs.readFileSync(path, "utf8").split("\n").filter((line) => line.startsWith("code-cache ")).length

/** The emulator and a CODEX_HOME whose token expired, with the bin's environment for them (plus `extra`). */
const expired = (extra: Record<string, string>) =>
  Effect.gen(function*() {
    const emulator = yield* startEmulator()
    const home = yield* tempCodexHome
    const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    writeAuthJson(home, authJsonText(minted, emulator.url))
    const trace = Path.join(home, "startup-trace")
    const env = { CODEX_HOME: home, CODEX_AUTH_ISSUER: emulator.url, CODEX_AUTH_STARTUP_TRACE: trace, ...extra }
    return { emulator, home, minted, trace, env }
  })

describe("cold `codex-auth token` processes on one expired token", () => {
  for (const command of ["token", "headers"] as const) {
    for (const sender of senders) {
      it.scopedLive(
        `8 \`${command}\` processes, ${sender.name} refreshing: one grant, one refresher, the same new token for all`,
        () =>
          Effect.gen(function*() {
            assert.isTrue(Fs.existsSync(Path.resolve("packages/node/dist/bundle/cli.js")), "build first: npm run build")
            const { emulator, env, home, minted, trace } = yield* expired({
              CODEX_CA_CERTIFICATE: "",
              SSL_CERT_FILE: "",
              ...sender.env
            })
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
              lines.filter((line) => line === sender.line).length,
              1,
              `only the lock holder refreshes: ${lines.join(", ")}`
            )
            assert.deepStrictEqual(
              lines.filter((line) => line === "fast").length,
              7,
              "the others answered from the file"
            )
            assert.strictEqual(codeCacheLines(trace), 1, "and only it loads the refresh's code (cached or not)")
          }),
        { timeout: 120_000 }
      )
    }
  }

  for (const sender of senders) {
    it.scopedLive(
      `a lone process on an expired token keeps its lock for ${sender.name}, which refreshes under it`,
      () =>
        Effect.gen(function*() {
          const { env, home, trace } = yield* expired(sender.env)
          // No other process: the lone process takes the lock, finds the token still stale and hands the lock to its
          // engine, which refreshes under it (a self-deadlock would time out after 30 s instead).
          const result = yield* run(["token"], env)
          assert.strictEqual(result.code, 0, result.stderr)
          assert.deepStrictEqual(traceLines(trace), [sender.line])
          assert.strictEqual(result.stdout.trim(), readAuthJson(home).tokens.access_token)
          const again = yield* run(["token"], env)
          assert.strictEqual(again.stdout, result.stdout)
          assert.deepStrictEqual(traceLines(trace), [sender.line, "fast"])
        }),
      { timeout: 60_000 }
    )
  }
})
