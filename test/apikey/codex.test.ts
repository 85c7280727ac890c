// API-key sign-in against the real Codex CLI 0.169, both directions: what `codex login --with-api-key` writes our
// session reads (and rewrites byte for byte), what we write `codex login status` reports as `API key configured - …`
// with the same mask we print, and a forced_login_method refusal reads the same from both.
// Runs only inside scripts/netns.sh (loopback only):
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh npx vitest run test/apikey
import * as ApiKeyAuth from "@codex-auth/accounts/ApiKeyAuth"
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as Session from "@codex-auth/core/Session"
import * as NodeAccountPool from "@codex-auth/node/NodeAccountPool"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { codexBin, type CodexHome, interopEnabled, makeCodexHome } from "../support/codex.ts"

const bin = codexBin()
const enabled = interopEnabled("apikey interop")

const key = "sk-proj-Zx8mQ2vL9pR4tY7wK1nB5cF3hJ6dS0gA-ABCDE"

/** Runs Codex with `input` on stdin (the one thing `CodexHome.run` does not do). */
const codexWithStdin = (home: CodexHome, args: ReadonlyArray<string>, input: string) =>
  new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    let output = ""
    const child = spawn(bin!, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CODEX_HOME: home.codexHome, HOME: home.home, RUST_LOG: "error" }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
    child.stdin.end(input)
  })

/** Runs `effect` with a session over the file store of `codexHome`. */
const withSession = <A, E>(
  codexHome: string,
  effect: Effect.Effect<A, E, Session.Session>,
  options: NodeSession.Options = {}
): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(
        Layer.build(NodeSession.layer({ ...options, store: NodeAccountPool.layerStore(codexHome) })),
        (context) => Effect.provide(effect, context)
      )
    ) as Effect.Effect<A>
  )

describe.skipIf(!enabled)("API keys and the real Codex CLI", () => {
  let home: CodexHome | undefined
  afterEach(async () => {
    await home?.remove()
    home = undefined
  })

  it("codex login --with-api-key writes; our session reads it and rewrites it byte for byte", async () => {
    home = await makeCodexHome(bin!)
    const login = await codexWithStdin(home, ["login", "--with-api-key"], `${key}\n`)
    expect(login.code, login.output).toBe(0)
    const path = Path.join(home.codexHome, "auth.json")
    const text = Fs.readFileSync(path, "utf8")
    const document = Either.getOrThrow(AuthJson.parseEither(text, { path }))
    expect(AuthJson.stringify(document)).toBe(text)
    expect(AuthJson.stringify(AuthJson.fromApiKey(Redacted.make(key)))).toBe(text)

    const headers = await withSession(home.codexHome, Effect.flatMap(Session.Session, (s) => s.getHeaders))
    expect(headers["authorization"]).toBe(`Bearer ${key}`)
    expect(headers["chatgpt-account-id"]).toBeUndefined()

    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.stdout + status.stderr).toContain(ApiKeyAuth.statusLine(Option.some(document)))
  })

  it("we write an API-key login; codex login status says `API key configured - sk-proj-***ABCDE`", async () => {
    home = await makeCodexHome(bin!)
    const apiKey = Either.getOrThrow(ApiKeyAuth.parseInput(`  ${key}\n`))
    await withSession(home.codexHome, ApiKeyAuth.login(apiKey))
    const path = Path.join(home.codexHome, "auth.json")
    expect(Fs.statSync(path).mode & 0o777).toBe(0o600)
    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(status.stdout + status.stderr).toContain("API key configured - sk-proj-***ABCDE")
    expect(ApiKeyAuth.mask(key)).toBe("sk-proj-***ABCDE")
  })

  it("forced_login_method=chatgpt refuses an API-key login with the same words in Codex and here", async () => {
    home = await makeCodexHome(bin!)
    const codex = await codexWithStdin(
      home,
      ["-c", "forced_login_method=chatgpt", "login", "--with-api-key"],
      `${key}\n`
    )
    expect(Fs.existsSync(Path.join(home.codexHome, "auth.json"))).toBe(false)
    const ours = await withSession(
      home.codexHome,
      Effect.flip(ApiKeyAuth.login(Redacted.make(key))),
      { forcedLoginMethod: "chatgpt" }
    )
    expect(codex.output).toContain(ours.message)
    expect(Fs.existsSync(Path.join(home.codexHome, "auth.json"))).toBe(false)
  })
})
