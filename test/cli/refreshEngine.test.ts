// The engine of a cold refresh (internal/cli/refresh.ts, dist/bundle/refresh.js): a `token` / `headers` whose
// startup path found the token stale and took auth.lock runs the full CLI's command body without @effect/cli's
// parser (here with CODEX_AUTH_FAST_REFRESH=0, so that the engine, not the startup path, sends the grant: the startup
// path's own refresh is test/cli/fastRefresh.test.ts). Against the emulator, each case on a newly expired token: the bin (which takes that path, as its startup
// trace says) and the full CLI (CODEX_AUTH_NO_FAST_PATH=1) print the same bytes — tokens masked, as each run mints
// its own — and exit the same way, on success and when the issuer refuses the refresh token.
import { startEmulator } from "@codex-auth/emulator/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"
import { runBin } from "../support/bin.ts"

const run = (args: ReadonlyArray<string>, env: Record<string, string>) => Effect.promise(() => runBin(args, env))

const mask = (text: string): string =>
  text.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, "<jwt>").replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")

const cases: ReadonlyArray<{ readonly args: ReadonlyArray<string>; readonly revoked: boolean }> = [
  { args: ["token"], revoked: false },
  { args: ["token", "--json"], revoked: false },
  { args: ["headers"], revoked: false },
  { args: ["headers", "--json", "--store", "file"], revoked: false },
  { args: ["token"], revoked: true },
  { args: ["headers", "--json"], revoked: true }
]

describe("the cold refresh engine", () => {
  for (const { args, revoked } of cases) {
    it.scopedLive(
      `${args.join(" ")}${revoked ? ", refresh token revoked" : ""}: the same answer as the full CLI`,
      () =>
        Effect.gen(function*() {
          assert.isTrue(
            Fs.existsSync(Path.resolve("packages/node/dist/bundle/refresh.cjs")),
            "build first: npm run build"
          )
          const emulator = yield* startEmulator()
          const answer = (extra: Record<string, string>) =>
            Effect.gen(function*() {
              const home = yield* tempCodexHome
              const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
              writeAuthJson(home, authJsonText(minted, emulator.url))
              if (revoked) yield* emulator.admin.revoke({ refreshToken: minted.refresh_token })
              const trace = Path.join(home, "startup-trace")
              const result = yield* run(args, {
                CODEX_HOME: home,
                CODEX_AUTH_ISSUER: emulator.url,
                CODEX_AUTH_STARTUP_TRACE: trace,
                CODEX_CA_CERTIFICATE: "",
                SSL_CERT_FILE: "",
                CODEX_AUTH_FAST_REFRESH: "0",
                ...extra
              })
              const lines = Fs.readFileSync(trace, "utf8").trim().split("\n").map((l) => l.replace(/ \d+$/, ""))
              const saved = readAuthJson(home).tokens.access_token
              return { result, lines, saved, minted }
            })
          const cache = yield* tempCodexHome
          const engine = yield* answer({ CODEX_AUTH_CODE_CACHE: cache })
          const full = yield* answer({ CODEX_AUTH_NO_FAST_PATH: "1" })
          assert.deepStrictEqual(engine.lines, ["engine refresh", "code-cache miss"], "the bin ran the refresh engine")
          assert.deepStrictEqual(full.lines, ["engine"])
          assert.deepStrictEqual(
            { code: engine.result.code, stdout: mask(engine.result.stdout), stderr: mask(engine.result.stderr) },
            { code: full.result.code, stdout: mask(full.result.stdout), stderr: mask(full.result.stderr) }
          )
          if (revoked) {
            assert.strictEqual(engine.result.code, 1)
            assert.strictEqual(engine.saved, engine.minted.access_token, "nothing saved over the stored login")
          } else {
            assert.strictEqual(engine.result.code, 0, engine.result.stderr)
            assert.notStrictEqual(engine.saved, engine.minted.access_token)
            assert.include(engine.result.stdout, engine.saved, "it printed the token it saved")
          }
        }),
      { timeout: 180_000 }
    )
  }

  it.scopedLive(
    "the code cache: written by the first refresh, used by the next, and a refused one is rewritten",
    () =>
      Effect.gen(function*() {
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const cache = Path.join(yield* tempCodexHome, "code-cache")
        const trace = Path.join(home, "startup-trace")
        const refresh = (codeCache: string) =>
          Effect.gen(function*() {
            const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
            writeAuthJson(home, authJsonText(minted, emulator.url))
            Fs.rmSync(trace, { force: true })
            yield* emulator.admin.clearRequests
            const result = yield* run(["token"], {
              CODEX_HOME: home,
              CODEX_AUTH_ISSUER: emulator.url,
              CODEX_AUTH_STARTUP_TRACE: trace,
              CODEX_AUTH_CODE_CACHE: codeCache,
              CODEX_AUTH_FAST_REFRESH: "0"
            })
            assert.strictEqual(result.code, 0, result.stderr)
            const saved = readAuthJson(home).tokens.access_token
            assert.notStrictEqual(saved, minted.access_token, "the engine refreshed")
            assert.strictEqual(result.stdout.trim(), saved, "it printed the token it saved")
            const grants = (yield* emulator.admin.requests).filter((r) => r.path === "/oauth/token").length
            assert.strictEqual(grants, 1)
            return Fs.readFileSync(trace, "utf8").trim().split("\n").map((l) => l.replace(/ \d+$/, ""))
          })
        const files = () => Fs.existsSync(cache) ? Fs.readdirSync(cache) : []
        assert.deepStrictEqual(yield* refresh("off"), ["engine refresh", "code-cache off"])
        assert.deepStrictEqual(files(), [], "off: no cache")
        assert.deepStrictEqual(yield* refresh(cache), ["engine refresh", "code-cache miss"])
        const [name] = files()
        assert.match(name!, /^refresh\.cjs-v[\d.]+-\w+-[0-9a-f]{32}\.cache$/)
        const written = Fs.readFileSync(Path.join(cache, name!))
        assert.deepStrictEqual(yield* refresh(cache), ["engine refresh", "code-cache hit"])
        Fs.writeFileSync(Path.join(cache, name!), Buffer.alloc(written.length, 1))
        assert.deepStrictEqual(yield* refresh(cache), ["engine refresh", "code-cache rejected"])
        assert.deepStrictEqual(files(), [name])
        assert.notDeepEqual(Fs.readFileSync(Path.join(cache, name!)), Buffer.alloc(written.length, 1), "rewritten")
        assert.deepStrictEqual(yield* refresh(cache), ["engine refresh", "code-cache hit"])
      }),
    { timeout: 180_000 }
  )
})
