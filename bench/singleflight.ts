// Single flight: 10,000 concurrent callers of getToken on an expired token (file store, emulator over HTTP). How many
// refresh requests reached the issuer (must be 1), and the callers' latency beside one refresh round trip.
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as NodeHttpClient from "@codex-auth/node/NodeHttpClient"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { authJsonText, fmt, machine, median, quantile, table, tempCodexHome, writeAuthJson } from "./support.ts"

const callers = Number(process.env["BENCH_CALLERS"] ?? 10_000)
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5)

const main = async () => {
  const emulator = await startEmulatorPromise()
  const rows: Array<Array<string>> = []
  const roundTrips: Array<number> = []
  try {
    // The refresh round trip alone: the OAuth client against the same emulator.
    for (let i = 0; i < 20; i++) {
      const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
      const start = process.hrtime.bigint()
      await Effect.runPromise(
        Effect.flatMap(OAuthClient.OAuthClient, (oauth) => oauth.refresh(Redacted.make(minted.refresh_token))).pipe(
          Effect.provide(OAuthClient.layer),
          Effect.provide(
            Layer.merge(
              NodeHttpClient.layerConfig,
              ProviderProfile.layer(ProviderProfile.make({ issuer: emulator.url }))
            )
          )
        )
      )
      roundTrips.push(Number(process.hrtime.bigint() - start) / 1e6)
    }

    for (let round = 1; round <= rounds; round++) {
      const home = tempCodexHome()
      process.env["CODEX_HOME"] = home.path
      const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      writeAuthJson(home.path, authJsonText(minted, emulator.url))
      await emulator.admin.clearRequests()
      const fanOut = (session: Session.Session.Service) =>
        Effect.suspend(() => {
          const start = process.hrtime.bigint()
          return Effect.forEach(
            Array.from({ length: callers }),
            () => Effect.map(session.getToken, () => Number(process.hrtime.bigint() - start) / 1e6),
            { concurrency: "unbounded" }
          )
        })
      const [latencies, warmLatencies] = await Effect.runPromise(
        Effect.gen(function*() {
          const session = yield* Session.Session
          const expired = yield* fanOut(session)
          // The same fan-out once the token is fresh: the cost of 10,000 fibers alone, for comparison.
          const warm = yield* fanOut(session)
          return [expired, warm] as const
        }).pipe(Effect.scoped, Effect.provide(NodeSession.layer({ profile: { issuer: emulator.url } })))
      )
      const grants = (await emulator.admin.requests()).filter((r) =>
        r.path === "/oauth/token" && r.grantType === "refresh_token"
      ).length
      rows.push([
        String(round),
        fmt(callers, 0),
        String(grants),
        fmt(median(latencies), 1),
        fmt(quantile(latencies, 0.99), 1),
        fmt(Math.max(...latencies), 1),
        fmt(quantile(warmLatencies, 0.99), 1)
      ])
      home.cleanup()
    }
    table(
      `Single flight: ${fmt(callers, 0)} concurrent getToken on an expired token — ${machine()}`,
      [
        "round",
        "callers",
        "refresh grants",
        "waiter p50 ms",
        "waiter p99 ms",
        "waiter max ms",
        "same fan-out, fresh token: p99 ms"
      ],
      rows
    )
    console.log(
      `\nOne refresh round trip alone (OAuthClient.refresh, same emulator, median of 20): ${
        fmt(median(roundTrips), 2)
      } ms ` +
        `(p90 ${
          fmt(quantile(roundTrips, 0.9), 2)
        } ms). Waiter latency includes starting 10,000 fibers, the first load ` +
        "(read + parse auth.json), the flock, the refresh, the atomic write (fsync) and waking every waiter."
    )
  } finally {
    await emulator.close()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
