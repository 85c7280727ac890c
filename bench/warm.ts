// Warm getToken: a fresh access token already in memory. Through the Effect API (inside one program, and one
// runPromise per call as a non-Effect caller would), through the Promise facade, against the naive baseline most
// peers use: read and parse auth.json (and the access token's exp) on every call.
import * as Session from "@codex-auth/core/Session"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, fmt, machine, table, tempCodexHome, writeAuthJson } from "./support.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 2)

/** Runs `call` in batches until `seconds` have passed; returns calls per second and ns per call. */
const measure = async (call: () => unknown | Promise<unknown>, isAsync: boolean) => {
  for (let i = 0; i < 10_000; i++) { // warm-up (JIT)
    if (isAsync) await call()
    else call()
  }
  let calls = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(seconds * 1e9)
  let now = start
  while (now < deadline) {
    if (isAsync) { for (let i = 0; i < 1000; i++) await call() }
    else for (let i = 0; i < 1000; i++) call()
    calls += 1000
    now = process.hrtime.bigint()
  }
  const nanos = Number(now - start)
  return { perSecond: calls / (nanos / 1e9), nsPerCall: nanos / calls }
}

/** The baseline: what a typical peer does on every call. */
const naiveGetToken = (authFile: string): string => {
  const json = JSON.parse(Fs.readFileSync(authFile, "utf8"))
  const access: string = json.tokens.access_token
  const payload = JSON.parse(Buffer.from(access.split(".")[1]!, "base64url").toString("utf8"))
  if (payload.exp * 1000 - Date.now() < 5 * 60_000) throw new Error("would refresh")
  return access
}

const naiveGetTokenAsync = async (authFile: string): Promise<string> => {
  const json = JSON.parse(await Fs.promises.readFile(authFile, "utf8"))
  const access: string = json.tokens.access_token
  const payload = JSON.parse(Buffer.from(access.split(".")[1]!, "base64url").toString("utf8"))
  if (payload.exp * 1000 - Date.now() < 5 * 60_000) throw new Error("would refresh")
  return access
}

const main = async () => {
  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  try {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuthJson(home.path, authJsonText(minted, emulator.url))
    const authFile = Path.join(home.path, "auth.json")

    const results: Array<[string, { perSecond: number; nsPerCall: number }]> = []
    results.push(["baseline: readFileSync + JSON.parse per call", await measure(() => naiveGetToken(authFile), false)])
    results.push([
      "baseline: fs.promises.readFile + JSON.parse per call",
      await measure(() => naiveGetTokenAsync(authFile), true)
    ])

    // Effect API: the session as an Effect user holds it.
    const program = Effect.gen(function*() {
      const session = yield* Session.Session
      yield* session.getToken // load once
      const inside = yield* Effect.promise(() => measure(() => Redacted.value(Effect.runSync(session.getToken)), false))
      const perCall = yield* Effect.promise(() => measure(() => Effect.runPromise(session.getToken), true))
      // One program that yields getToken n times: the cost an Effect caller pays inside its own fiber.
      const n = 1_000_000
      const start = process.hrtime.bigint()
      for (let i = 0; i < n; i++) yield* session.getToken
      const nanos = Number(process.hrtime.bigint() - start)
      return { inside, perCall, inFiber: { perSecond: n / (nanos / 1e9), nsPerCall: nanos / n } }
    }).pipe(Effect.scoped, Effect.provide(NodeSession.layer({ profile: { issuer: emulator.url } })))
    process.env["CODEX_HOME"] = home.path
    const effect = await Effect.runPromise(program)
    results.push(["Effect API: yield* session.getToken in one fiber", effect.inFiber])
    results.push(["Effect API: Effect.runSync(session.getToken) per call", effect.inside])
    results.push(["Effect API: Effect.runPromise(session.getToken) per call", effect.perCall])

    // The facade keeps the last fresh bearer in plain memory (internal/fast/hot.ts): first as served by its startup
    // path (auth.json read without Effect), then with the Effect runtime behind it once a refresh has opened it.
    const auth = await CodexAuth.open({ codexHome: home.path, issuer: emulator.url, loginOnDemand: false })
    await auth.getToken()
    results.push([
      "Promise facade: await auth.getToken() (startup path behind)",
      await measure(() => auth.getToken(), true)
    ])
    results.push([
      "Promise facade: await auth.getHeaders() (a new object per call)",
      await measure(() => auth.getHeaders(), true)
    ])
    await auth.refresh()
    await auth.getToken()
    results.push([
      "Promise facade: await auth.getToken() after refresh() (Effect runtime behind)",
      await measure(() => auth.getToken(), true)
    ])
    await auth.close()

    const syncBaseline = results[0]![1].perSecond
    const asyncBaseline = results[1]![1].perSecond
    table(
      `Warm getToken (fresh token in memory) — ${machine()}`,
      ["path", "calls/s", "ns/call", "× sync-read baseline", "× async-read baseline"],
      results.map(([name, r]) => [
        name,
        fmt(r.perSecond, 0),
        fmt(r.nsPerCall, 0),
        `${fmt(r.perSecond / syncBaseline, 1)}×`,
        `${fmt(r.perSecond / asyncBaseline, 1)}×`
      ])
    )
    console.log("\nTarget: ≥ 20× the baseline's throughput.")
  } finally {
    home.cleanup()
    await emulator.close()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
