// The startup path's own refresh (internal/fast/refresh.ts, dist/bundle/fast-refresh.cjs): a `token` / `headers` on a
// stale token, in the process that took auth.lock, sends the grant without the Effect runtime. Against the emulator,
// each case beside the engine doing the same (CODEX_AUTH_FAST_REFRESH=0) on a newly minted token of the same shape:
// the same output, the same auth.json (unknown fields kept, the same key order), the same grant on the wire — and
// when the issuer refuses, answers garbage, fails after the grant, answers slowly or cannot be reached, the engine
// takes over (the startup trace says why) and the grants the issuer sees are the engine's own, never one more.
import type * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { authJsonText } from "../session/fixtures.ts"
import { runBin, startBin } from "../support/bin.ts"

let emulator: StartedEmulatorPromise
let dir: string

beforeAll(async () => {
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-fast-refresh-"))
  emulator = await startEmulatorPromise()
}, 60_000)

afterAll(async () => {
  await emulator.close()
  Fs.rmSync(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  await emulator.admin.clearFaults()
})

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly lines: ReadonlyArray<string>
  readonly home: string
  readonly before: string
  readonly after: string
  readonly minted: Emulator.MintedTokens
  readonly grants: ReadonlyArray<Emulator.RequestLogEntry>
}

/** An expired auth.json as Codex writes it, with fields of a later Codex at every level (they must survive). */
const expiredText = (minted: Emulator.MintedTokens, issuer: string): string => {
  const document = JSON.parse(authJsonText(minted, issuer))
  document.tokens.oauth_provenance.future_provenance = 1
  document.tokens.future_token_field = ["kept", 2.50]
  document.future_top_level = { nested: true }
  return JSON.stringify(document, null, 2)
}

/**
 * One run of the bin on a newly expired token in a CODEX_HOME of its own. `prepare` may add faults or files first;
 * `issuer` defaults to the emulator.
 */
const refresh = async (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: {
    readonly prepare?: (home: string, minted: Emulator.MintedTokens) => Promise<void>
    readonly issuer?: string
  } = {}
): Promise<Run> => {
  const home = Fs.mkdtempSync(Path.join(dir, "home-"))
  const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
  const before = expiredText(minted, emulator.url)
  Fs.writeFileSync(Path.join(home, "auth.json"), before, { mode: 0o600 })
  await options.prepare?.(home, minted)
  await emulator.admin.clearRequests()
  const trace = Path.join(home, "startup-trace")
  const result = await runBin(args, {
    CODEX_HOME: home,
    CODEX_AUTH_ISSUER: options.issuer ?? emulator.url,
    CODEX_AUTH_STARTUP_TRACE: trace,
    CODEX_AUTH_CODE_CACHE: "off",
    ...env
  })
  const lines = Fs.readFileSync(trace, "utf8").trim().split("\n").map((line) => line.replace(/ \d+$/, ""))
  const grants = (await emulator.admin.requests()).filter((r) => r.path === "/oauth/token")
  const after = Fs.readFileSync(Path.join(home, "auth.json"), "utf8")
  return { ...result, lines, home, before, after, minted, grants }
}

const fast = (args: ReadonlyArray<string>, options?: Parameters<typeof refresh>[2]) => refresh(args, {}, options)
const engineEnv = { CODEX_AUTH_FAST_REFRESH: "0" }
const viaEngine = (args: ReadonlyArray<string>, options?: Parameters<typeof refresh>[2]) =>
  refresh(args, engineEnv, options)

/** Tokens and times masked: each run has its own. */
const mask = (text: string): string =>
  text.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, "<jwt>")
    .replace(/"refresh_token": "[^"]*"/g, "\"refresh_token\": \"<rt>\"")
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")

const output = (run: Run) => ({ code: run.code, stdout: mask(run.stdout), stderr: mask(run.stderr) })

/** What the issuer saw of a grant, without what differs from run to run. */
const wire = (entry: Emulator.RequestLogEntry) => {
  const { atMillis: _at, refreshToken: _token, seq: _seq, tokenFamily: _family, ...rest } = entry
  return rest
}

const engineLines = ["engine refresh", "code-cache off"]

describe("the startup path's own refresh", () => {
  const commands: ReadonlyArray<ReadonlyArray<string>> = [
    ["token"],
    ["token", "--json"],
    ["headers"],
    ["headers", "--json", "--store", "file"]
  ]
  for (const args of commands) {
    it(`${args.join(" ")}: the same answer, auth.json and grant as the engine's`, async () => {
      const mine = await fast(args)
      const theirs = await viaEngine(args)
      assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh"], "the startup path refreshed")
      assert.deepStrictEqual(theirs.lines, engineLines)
      assert.strictEqual(mine.code, 0, mine.stderr)
      assert.deepStrictEqual(output(mine), output(theirs))
      const saved = JSON.parse(mine.after)
      assert.notStrictEqual(saved.tokens.access_token, mine.minted.access_token, "a new token was saved")
      assert.notStrictEqual(saved.tokens.refresh_token, mine.minted.refresh_token, "the rotated refresh token too")
      assert.include(mine.stdout, saved.tokens.access_token, "it printed the token it saved")
      assert.deepStrictEqual(saved.future_top_level, { nested: true })
      assert.strictEqual(mask(mine.after), mask(theirs.after), "auth.json byte for byte, tokens and times aside")
      assert.strictEqual(Fs.statSync(Path.join(mine.home, "auth.json")).mode & 0o777, 0o600)
      assert.isFalse(Fs.existsSync(Path.join(mine.home, "auth.next")), "no journal left behind")
      assert.deepStrictEqual(
        Fs.readdirSync(mine.home).sort(),
        Fs.readdirSync(theirs.home).sort(),
        "the same files in CODEX_HOME"
      )
      assert.strictEqual(mine.grants.length, 1)
      assert.strictEqual(theirs.grants.length, 1)
      assert.deepStrictEqual(wire(mine.grants[0]!), wire(theirs.grants[0]!), "the same request on the wire")
    }, 120_000)
  }

  const refusals: ReadonlyArray<{
    readonly name: string
    readonly reason: string
    readonly prepare: (home: string, minted: Emulator.MintedTokens) => Promise<void>
  }> = [
    {
      name: "a revoked refresh token",
      reason: "refused",
      prepare: async (_home, minted) => {
        await emulator.admin.revoke({ refreshToken: minted.refresh_token })
      }
    },
    {
      name: "an expired refresh token (401 refresh_token_expired)",
      reason: "refused",
      prepare: () =>
        emulator.admin.addFault({
          path: "/oauth/token",
          kind: "error_code",
          code: "refresh_token_expired",
          status: 401
        })
    },
    {
      name: "a reused refresh token, nothing newer stored",
      reason: "refused",
      prepare: () =>
        emulator.admin.addFault({ path: "/oauth/token", kind: "error_code", code: "refresh_token_reused", status: 401 })
    },
    {
      name: "a 502 after the grant",
      reason: "refused",
      prepare: () => emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", status: 502 })
    },
    {
      name: "a 200 without tokens",
      reason: "malformed",
      prepare: () => emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", status: 200, body: "{}" })
    },
    {
      name: "a 200 that is not JSON",
      reason: "malformed",
      prepare: () => emulator.admin.addFault({ path: "/oauth/token", kind: "malformed_json" })
    }
  ]
  for (const refusal of refusals) {
    it(`${refusal.name}: the engine reads the answer the startup path got, and sends nothing more`, async () => {
      const mine = await fast(["token"], { prepare: refusal.prepare })
      const theirs = await viaEngine(["token"], { prepare: refusal.prepare })
      assert.deepStrictEqual(mine.lines, [
        "code-cache off",
        `fast refresh declined: ${refusal.reason}`,
        ...engineLines
      ])
      assert.deepStrictEqual(theirs.lines, engineLines)
      assert.notStrictEqual(mine.code, 0)
      assert.deepStrictEqual(output(mine), output(theirs))
      assert.strictEqual(mine.after, mine.before, "the stored sign-in is intact")
      assert.strictEqual(theirs.after, theirs.before)
      assert.isAtLeast(mine.grants.length, 1)
      assert.strictEqual(mine.grants.length, theirs.grants.length, "the grants the engine alone sends")
      assert.deepStrictEqual(
        mine.grants.map((grant) => grant.status),
        theirs.grants.map((grant) => grant.status)
      )
    }, 120_000)
  }

  it(
    "an issuer minting tokens that live less than the 5-minute skew: served once saved, as the engine does",
    async () => {
      await emulator.admin.updateSettings({ accessTokenTtlSeconds: 120 })
      try {
        const mine = await fast(["token"])
        const theirs = await viaEngine(["token"])
        assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh"])
        assert.strictEqual(mine.code, 0, mine.stderr)
        assert.deepStrictEqual(output(mine), output(theirs))
        assert.strictEqual(mine.stdout.trim(), JSON.parse(mine.after).tokens.access_token)
        assert.strictEqual(mine.grants.length, 1, "no second refresh for a token already inside the skew")
        assert.strictEqual(theirs.grants.length, 1)
      } finally {
        await emulator.admin.updateSettings({ accessTokenTtlSeconds: 3600 })
      }
    },
    120_000
  )

  it("an answer slower than 2 s: the engine takes over the wait for it, and saves it", async () => {
    const prepare = () => emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 2_500 })
    const mine = await fast(["token"], { prepare })
    assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh declined: slow", ...engineLines])
    assert.strictEqual(mine.code, 0, mine.stderr)
    assert.strictEqual(mine.grants.length, 1, "one grant: the engine did not send its own")
    const saved = JSON.parse(mine.after)
    assert.notStrictEqual(saved.tokens.access_token, mine.minted.access_token)
    assert.strictEqual(mine.stdout.trim(), saved.tokens.access_token)
  }, 120_000)

  it("an answer that never comes: the engine's timeout, the stored sign-in intact", async () => {
    const prepare = () => emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 60_000 })
    const mine = await fast(["token"], { prepare })
    assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh declined: slow", ...engineLines])
    assert.strictEqual(mine.code, 1)
    assert.include(mine.stderr, "no answer within 15s")
    assert.strictEqual(mine.grants.length, 1, "the grant was not sent again")
    assert.strictEqual(mine.after, mine.before)
  }, 120_000)

  it("a journal in CODEX_HOME: the engine's store deals with it first", async () => {
    const prepare = async (home: string) => {
      Fs.writeFileSync(Path.join(home, "auth.next"), "{\"codex_auth_journal\":0,\"reserved\":true}", { mode: 0o600 })
    }
    const mine = await fast(["token"], { prepare })
    assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh declined: journal", ...engineLines])
    assert.strictEqual(mine.code, 0, mine.stderr)
    assert.strictEqual(mine.grants.length, 1)
    assert.isFalse(Fs.existsSync(Path.join(mine.home, "auth.next")), "the engine swept the stale journal")
  }, 120_000)

  it("an issuer that cannot be reached: nothing was sent, so the engine sends (and fails) as it would", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = Net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as Net.AddressInfo
        server.close(() => resolve(port))
      })
    })
    const issuer = `http://127.0.0.1:${closed}`
    const prepare = async (home: string, minted: Emulator.MintedTokens) => {
      Fs.writeFileSync(Path.join(home, "auth.json"), expiredText(minted, issuer), { mode: 0o600 })
    }
    const mine = await fast(["token"], { prepare, issuer })
    const theirs = await viaEngine(["token"], { prepare, issuer })
    assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh declined: unsent", ...engineLines])
    assert.strictEqual(mine.code, 1)
    assert.deepStrictEqual(output(mine), output(theirs))
    assert.strictEqual(mine.after, expiredText(mine.minted, issuer), "the stored sign-in is intact")
    assert.isFalse(Fs.existsSync(Path.join(mine.home, "auth.next")))
  }, 120_000)

  it("HTTPS_PROXY set: undici's proxy is the engine's, before anything is sent", async () => {
    const mine = await fast(["token"], { prepare: async () => {} })
    assert.deepStrictEqual(mine.lines, ["code-cache off", "fast refresh"], "the control: no proxy, no engine")
    const proxied = await refresh(["token"], { HTTPS_PROXY: "http://127.0.0.1:9", NO_PROXY: "127.0.0.1" })
    assert.deepStrictEqual(proxied.lines, ["code-cache off", "fast refresh declined: proxy", ...engineLines])
    assert.strictEqual(proxied.code, 0, proxied.stderr)
    assert.strictEqual(proxied.grants.length, 1)
  }, 120_000)

  const interruptions = [
    { name: "SIGINT while the startup path's grant is in flight", env: {}, handedOver: false },
    // Past the 2 s hand-over, as the engine loads: it waits for the answer it took over before it stops.
    { name: "SIGINT as the engine takes over the startup path's slow grant", env: {}, handedOver: true },
    { name: "SIGINT while the engine's grant is in flight", env: engineEnv, handedOver: false }
  ]
  for (const sender of interruptions) {
    it(`${sender.name}: the answer is saved, then exit 130`, async () => {
      const home = Fs.mkdtempSync(Path.join(dir, "home-"))
      const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      Fs.writeFileSync(Path.join(home, "auth.json"), expiredText(minted, emulator.url), { mode: 0o600 })
      // The issuer rotates at once; its answer takes 4 s to come back (past the startup path's 2 s hand-over).
      await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 4_000 })
      await emulator.admin.clearRequests()
      const trace = Path.join(home, "startup-trace")
      const env = {
        CODEX_HOME: home,
        CODEX_AUTH_ISSUER: emulator.url,
        CODEX_AUTH_CODE_CACHE: "off",
        CODEX_AUTH_STARTUP_TRACE: trace,
        ...sender.env
      }
      const { child, exited } = startBin(["token", "--json"], env)
      const deadline = Date.now() + 60_000
      while ((await emulator.admin.requests()).filter((r) => r.path === "/oauth/token").length === 0) {
        if (Date.now() > deadline) throw new Error("no grant")
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      while (
        sender.handedOver && !(Fs.existsSync(trace) && Fs.readFileSync(trace, "utf8").includes("engine refresh"))
      ) {
        if (Date.now() > deadline) throw new Error("no hand-over")
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      child.kill("SIGINT")
      const result = await exited
      assert.strictEqual(result.code, 130, result.stderr)
      assert.strictEqual(JSON.parse(result.stdout).error._tag, "Interrupted", result.stdout)
      const saved = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"))
      assert.notStrictEqual(saved.tokens.refresh_token, minted.refresh_token, "the rotated tokens were saved")
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.next")))
      const next = await runBin(["token"], env)
      assert.strictEqual(next.code, 0, next.stderr)
      assert.strictEqual(next.stdout.trim(), saved.tokens.access_token)
      assert.strictEqual((await emulator.admin.requests()).filter((r) => r.path === "/oauth/token").length, 1)
    }, 120_000)
  }

  it("a second SIGINT still stops at once", async () => {
    const home = Fs.mkdtempSync(Path.join(dir, "home-"))
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    Fs.writeFileSync(Path.join(home, "auth.json"), expiredText(minted, emulator.url), { mode: 0o600 })
    await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 60_000 })
    await emulator.admin.clearRequests()
    const { child, exited } = startBin(["token"], {
      CODEX_HOME: home,
      CODEX_AUTH_ISSUER: emulator.url,
      CODEX_AUTH_CODE_CACHE: "off"
    })
    const deadline = Date.now() + 60_000
    while ((await emulator.admin.requests()).filter((r) => r.path === "/oauth/token").length === 0) {
      if (Date.now() > deadline) throw new Error("no grant")
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    child.kill("SIGINT")
    await new Promise((resolve) => setTimeout(resolve, 200))
    child.kill("SIGINT")
    assert.strictEqual((await exited).signal, "SIGINT", "killed by the second signal, long before the 60 s answer")
  }, 120_000)
})
