// A live fuzz of the loopback callback server over real sockets, during a real browser login against the emulator:
// thousands of malformed requests (wrong state, wrong or missing Host, oversized URLs and headers, wrong methods,
// garbage request lines, pipelined junk) and slow-loris connections, sent after the server is listening and before
// the "browser" delivers the genuine callback. Then: the genuine callback still succeeds, no token request reached the
// issuer and no auth.json existed before it, every junk request got an answer (or was dropped) within its deadline and
// none made the handler fail (no 5xx), and the slow connections were closed when the login ended.
import * as BrowserFlow from "@codex-auth/core/BrowserFlow"
import * as BrowserOpener from "@codex-auth/core/BrowserOpener"
import * as LoginPresenter from "@codex-auth/core/LoginPresenter"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeLoopbackListener from "@codex-auth/node/NodeLoopbackListener"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import fc from "fast-check"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { exchange, type RawAnswer, slowLoris } from "./rawHttp.ts"

const junkCount = Number(process.env["LIVE_FUZZ_REQUESTS"] ?? 2000)
const concurrency = 32
const slowLorisCount = 16

const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const address = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(address.port)))
  })
})

/** Malformed requests for a server on `port` whose login expects `state`; none of them may end the login. */
const junkRequests = (port: number, state: string, count: number, seed: number): ReadonlyArray<string> => {
  const host = `127.0.0.1:${port}`
  const wrongState = fc.oneof(
    fc.constantFrom("", "x", state.slice(1), `${state}x`, state.toUpperCase(), encodeURIComponent(` ${state}`)),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/)
  )
  const callbackQuery = fc.tuple(wrongState, fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/)).map(([s, code]) =>
    `/auth/callback?state=${s}&code=${code}`
  )
  const path = fc.oneof(
    callbackQuery,
    fc.constantFrom("/", "/success", "/auth/callback", "/favicon.ico", "/auth/callback/", "//", "//evil/auth/callback"),
    fc.constantFrom("/%", "/%zz", "/auth/callback?%", "*", "http://evil.example/auth/callback", "/\u00ff"),
    fc.webPath()
  )
  const request = (method: string, target: string, headers: ReadonlyArray<string>) =>
    `${method} ${target} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join("")}Connection: close\r\n\r\n`
  const payload = fc.oneof(
    // a wrong state with a good Host
    callbackQuery.map((target) => request("GET", target, [`Host: ${host}`])),
    // bad, odd or missing Host (with the right state: only the Host check stands between it and the exchange)
    fc.constantFrom(
      "Host: evil.example",
      `Host: evil.example:${port}`,
      `Host: 127.0.0.1:${port + 1}`,
      "Host: 127.0.0.1",
      `Host: localhost.:${port}`,
      `Host: [::1]:${port}`,
      // Node keeps the first of duplicate Host headers: the foreign one must be the first to be refused.
      `Host: evil.example\r\nHost: ${host}`,
      ""
    ).map((header) => request("GET", `/auth/callback?state=${state}&code=stolen`, header === "" ? [] : [header])),
    // wrong methods
    fc.tuple(fc.constantFrom("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW", "get"), path).map(
      (
        [method, target]
      ) => request(method, target, [`Host: ${host}`, "Content-Length: 0"])
    ),
    // any path with a good Host
    path.map((target) => request("GET", target, [`Host: ${host}`])),
    // oversized URLs and headers
    fc.integer({ min: 8_000, max: 200_000 }).map((size) =>
      request("GET", `/auth/callback?state=${"s".repeat(size)}`, [`Host: ${host}`])
    ),
    fc.integer({ min: 8_000, max: 200_000 }).map((size) =>
      request("GET", "/auth/callback", [`Host: ${host}`, `X-Junk: ${"j".repeat(size)}`])
    ),
    fc.integer({ min: 100, max: 3000 }).map((count) =>
      request("GET", "/", [`Host: ${host}`, ...Array.from({ length: count }, (_, i) => `X-${i}: ${i}`)])
    ),
    // broken framing: garbage lines, bare LF, bad versions, bodies that lie about their length, pipelining
    fc.constantFrom(
      "GARBAGE\r\n\r\n",
      "\r\n\r\n",
      "GET\r\n\r\n",
      `GET /auth/callback HTTP/9.9\r\nHost: ${host}\r\n\r\n`,
      `GET /auth/callback HTTP/1.1\nHost: ${host}\n\n`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 99999\r\n\r\nshort`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `GET /a HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /b HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /success HTTP/1.1\r\n\r\n`,
      `GET /auth/callback?state=${state}&code=x HTTP/1.0\r\n\r\n`
    ),
    fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((bytes) => Buffer.from(bytes).toString("latin1"))
  )
  return fc.sample(payload, { numRuns: count, seed })
}

describe("loopback server under a live fuzz", () => {
  it.scopedLive(
    "thousands of malformed requests and slow-loris connections; then the genuine callback",
    () =>
      Effect.gen(function*() {
        const port = yield* freePort
        const emulator = yield* startEmulator({ redirectPorts: [port], autoApprove: true })
        const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-fuzz-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(codexHome, { recursive: true, force: true })))
        const authFile = Path.join(codexHome, "auth.json")
        const profile = ProviderProfile.make({ issuer: emulator.url, loopbackPorts: [port] })
        const seed = Date.now() % 1_000_000
        let answers: ReadonlyArray<RawAnswer & { readonly payload: string }> = []
        let loris: ReadonlyArray<ReturnType<typeof slowLoris>> = []
        let tokenRequestsBefore = -1
        let fileExistedBefore = true

        // The "browser": first the barrage, then the genuine round trip through the emulator's authorize endpoint.
        const opener = (url: string) =>
          Effect.promise(async () => {
            const state = new URL(url).searchParams.get("state")!
            loris = Array.from(
              { length: slowLorisCount },
              (_, i) =>
                slowLoris(port, i % 2 === 0 ? "GET /auth/callback?state=" : `GET / HTTP/1.1\r\nX-Slow: `, 50, 30_000)
            )
            const payloads = junkRequests(port, state, junkCount, seed)
            const results: Array<RawAnswer & { readonly payload: string }> = []
            let next = 0
            await Promise.all(Array.from({ length: concurrency }, async () => {
              while (next < payloads.length) {
                const payload = payloads[next++]!
                results.push({ ...(await exchange(port, payload, 5000)), payload })
              }
            }))
            answers = results
            const requests = await Effect.runPromise(emulator.admin.requests)
            tokenRequestsBefore = requests.filter((r) => r.path === "/oauth/token").length
            fileExistedBefore = Fs.existsSync(authFile)
            await fetch(url).then((response) => response.text())
          })

        const layer = Layer.mergeAll(
          OAuthClient.layer.pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, ProviderProfile.layer(profile)))),
          ProviderProfile.layer(profile),
          Layer.succeed(LoginPresenter.LoginPresenter, LoginPresenter.make({ present: () => Effect.void })),
          NodeLoopbackListener.layer,
          BrowserOpener.layerCallback(opener)
        )
        const result = yield* BrowserFlow.run({ timeout: "5 minutes" }).pipe(Effect.provide(layer))

        assert.isTrue(Option.isSome(result.tokens.accountId), `the genuine login succeeded (seed ${seed})`)
        assert.strictEqual(answers.length, junkCount)
        assert.strictEqual(tokenRequestsBefore, 0, "no code reached the issuer before the genuine callback")
        assert.isFalse(fileExistedBefore, "nothing was written before the genuine callback")
        const timedOut = answers.filter((answer) => answer.timedOut)
        assert.strictEqual(timedOut.length, 0, `${timedOut.length} requests hung past their deadline`)
        const serverErrors = answers.filter((answer) => answer.status !== undefined && answer.status >= 500)
        assert.strictEqual(
          serverErrors.length,
          0,
          `the handler failed on ${serverErrors.length} requests: ${
            serverErrors.slice(0, 3).map((a) => JSON.stringify(a.payload.slice(0, 120))).join(" | ")
          }`
        )
        // Nothing got past the checks: every answered request was refused or not found, never a redirect to /success.
        for (const answer of answers) {
          if (answer.status !== undefined) assert.include([400, 403, 404, 405, 409, 413, 414, 431, 505], answer.status)
        }
        // The login is over and its server closed: the slow connections were cut (not left to run out their own clock).
        const closedByServer = yield* Effect.promise(() => Promise.all(loris.map((l) => l.closed)))
        assert.strictEqual(closedByServer.filter(Boolean).length, slowLorisCount, "slow-loris sockets closed")
        const tokenRequests = (yield* emulator.admin.requests).filter((r) => r.path === "/oauth/token")
        assert.isAtLeast(tokenRequests.length, 1)
      }),
    { timeout: 180_000 }
  )
})
