// Footprint of a long-lived session: heap and RSS across 10,000 refresh cycles (must stay flat), and the peak RSS.
// Two setups, both through the real Session (single flight, lock, TokenSet merge, auth.json document, save):
//  A. 10,000 cycles with an in-memory OAuthClient minting fresh JWTs and the memory store — isolates the session's
//     own memory behaviour from the wire (at ~7 ms a round trip the emulator would take minutes);
//  B. 1,000 cycles against the emulator over HTTP with the file store in a temporary CODEX_HOME (NodeSession.layer).
// Each cycle is a forced `session.refresh` — the code path the proactive refresh fiber runs on its timer.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as MemoryCredentialStore from "@codex-auth/core/MemoryCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { authJsonText, fmt, machine, table, tempCodexHome, writeAuthJson } from "./support.ts"

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
let serial = 0
const jwt = (expSeconds: number) =>
  [
    b64({ alg: "none", typ: "JWT" }),
    b64({
      exp: expSeconds,
      email: "bench@example.com",
      n: ++serial,
      "https://api.openai.com/auth": { chatgpt_account_id: "acct-bench", chatgpt_plan_type: "plus" }
    }),
    "c2ln"
  ].join(".")

const memoryOAuth: OAuthClient.OAuthClient.Service = OAuthClient.makeTest({
  refresh: () =>
    Effect.sync(() => ({
      idToken: Option.some(Redacted.make(jwt(Math.floor(Date.now() / 1000) + 3600))),
      accessToken: Option.some(Redacted.make(jwt(Math.floor(Date.now() / 1000) + 3600))),
      refreshToken: Option.some(Redacted.make(`rt_${serial}_${"x".repeat(40)}`))
    })),
  revoke: () => Effect.void
})

interface Sample {
  readonly cycle: number
  readonly heapMiB: number
  readonly rssMiB: number
}

const sample = (cycle: number): Sample => {
  gc()
  gc()
  const usage = process.memoryUsage()
  return { cycle, heapMiB: usage.heapUsed / 2 ** 20, rssMiB: usage.rss / 2 ** 20 }
}

const cycles = (total: number, every: number) =>
  Effect.gen(function*() {
    const session = yield* Session.Session
    yield* session.getToken
    const samples: Array<Sample> = [sample(0)]
    let peakRss = process.memoryUsage().rss
    for (let i = 1; i <= total; i++) {
      yield* session.refresh
      if (i % every === 0) {
        samples.push(sample(i))
        peakRss = Math.max(peakRss, process.memoryUsage().rss)
      }
    }
    return { samples, peakRssMiB: peakRss / 2 ** 20 }
  })

const report = (title: string, result: { samples: ReadonlyArray<Sample>; peakRssMiB: number }) => {
  const first = result.samples[1] ?? result.samples[0]!
  table(
    title,
    ["cycles", "heap used MiB (after gc)", "RSS MiB"],
    result.samples.map((s) => [fmt(s.cycle, 0), fmt(s.heapMiB, 2), fmt(s.rssMiB, 1)])
  )
  const last = result.samples[result.samples.length - 1]!
  console.log(
    `\nHeap growth from cycle ${fmt(first.cycle, 0)} to ${fmt(last.cycle, 0)}: ${
      fmt(last.heapMiB - first.heapMiB, 2)
    } MiB ` +
      `(${fmt(((last.heapMiB - first.heapMiB) * 2 ** 20) / Math.max(1, last.cycle - first.cycle), 1)} bytes/cycle); ` +
      `peak RSS ${fmt(result.peakRssMiB, 1)} MiB.`
  )
}

const main = async () => {
  // A: in-memory OAuth client, memory store.
  const initial = AuthJson.parseEither(
    JSON.stringify({
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: jwt(Math.floor(Date.now() / 1000) + 3600),
        access_token: jwt(Math.floor(Date.now() / 1000) + 3600),
        refresh_token: "rt_initial_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        account_id: "acct-bench"
      },
      last_refresh: new Date().toISOString()
    }),
    { path: "memory" }
  )
  if (initial._tag === "Left") throw initial.left
  const memoryLayer = Session.layer({}).pipe(
    Layer.provide(Layer.mergeAll(
      MemoryCredentialStore.layer(initial.right),
      Layer.succeed(OAuthClient.OAuthClient, memoryOAuth),
      ProviderProfile.layer()
    ))
  )
  const a = await Effect.runPromise(cycles(10_000, 1000).pipe(Effect.scoped, Effect.provide(memoryLayer)))
  report(`A. 10,000 refresh cycles, in-memory OAuth client + memory store — ${machine()}`, a)

  // B: the emulator over HTTP, file store.
  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  try {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuthJson(home.path, authJsonText(minted, emulator.url))
    process.env["CODEX_HOME"] = home.path
    const start = Date.now()
    const b = await Effect.runPromise(
      cycles(1000, 100).pipe(Effect.scoped, Effect.provide(NodeSession.layer({ profile: { issuer: emulator.url } })))
    )
    report(`B. 1,000 refresh cycles against the emulator over HTTP, file store (fsync) — ${machine()}`, b)
    console.log(
      `(B took ${fmt((Date.now() - start) / 1000, 1)} s: ${fmt((Date.now() - start) / 1000, 2)} ms per cycle.)`
    )
  } finally {
    home.cleanup()
    await emulator.close()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
