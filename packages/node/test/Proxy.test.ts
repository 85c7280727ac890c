// §12 HTTPS_PROXY / NO_PROXY on the wire under Node: the emulator served over TLS (a private CA trusted through
// CODEX_CA_CERTIFICATE) and a real CONNECT proxy on 127.0.0.1 that logs every tunnel it opens. A session's refresh
// reaches a host only the proxy can resolve; a host in NO_PROXY is reached directly.
import * as Session from "@codex-auth/core/Session"
import * as Emulator from "@codex-auth/emulator/Emulator"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

/** `issuer.test` resolves nowhere (a reserved TLD): only the proxy, which maps every host to 127.0.0.1, reaches it. */
const proxiedHost = "issuer.test"

/** A private CA and a certificate for 127.0.0.1 and `issuer.test`, signed by it. */
const makeCa = (dir: string) => {
  const run = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" })
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=proxy CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem"
  )
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
  Fs.writeFileSync(Path.join(dir, "server.ext"), `subjectAltName=IP:127.0.0.1,DNS:${proxiedHost}\n`)
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "server.ext",
    "-out",
    "server.pem"
  )
  return {
    ca: Path.join(dir, "ca.pem"),
    cert: Fs.readFileSync(Path.join(dir, "server.pem")),
    key: Fs.readFileSync(Path.join(dir, "server.key"))
  }
}

/** The emulator over HTTPS on 127.0.0.1. */
const tlsEmulator = (cert: Buffer, key: Buffer) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ users: [Emulator.user({ email: "proxy@example.com" })] })
    const server = yield* NodeHttpServer.make(
      () => Https.createServer({ cert, key }) as unknown as Http.Server,
      { port: 0, host: "127.0.0.1" }
    )
    yield* server.serve(emulator.app)
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    return { emulator, port }
  })

/** A CONNECT proxy: logs each tunnel's target and connects every host to 127.0.0.1. */
const connectProxy = Effect.acquireRelease(
  Effect.async<{ readonly server: Http.Server; readonly url: string; readonly tunnels: Array<string> }>((resume) => {
    const tunnels: Array<string> = []
    const sockets = new Set<Net.Socket>()
    const server = Http.createServer((_req, res) => {
      // Only tunnels are expected: a plain request through the proxy would be a client bug.
      res.writeHead(405).end()
    })
    server.on("connect", (req: Http.IncomingMessage, client: Net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? "")
      sockets.add(client)
      const port = Number((req.url ?? "").split(":").pop())
      const upstream = Net.connect(port, "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n")
        if (head.length > 0) upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      sockets.add(upstream)
      const close = () => {
        client.destroy()
        upstream.destroy()
      }
      upstream.on("error", close)
      client.on("error", close)
    })
    server.on("close", () => sockets.forEach((socket) => socket.destroy()))
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as Net.AddressInfo
      resume(Effect.succeed({ server, url: `http://127.0.0.1:${address.port}`, tunnels }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

/** An `auth.json` with an expired access token minted by the emulator for `issuer`. */
const writeExpiredLogin = (codexHome: string, emulator: Emulator.Emulator.Service, issuer: string) =>
  Effect.gen(function*() {
    const minted = yield* emulator.mintTokens({ accessTokenTtlSeconds: -60 }, issuer)
    const document = {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: Emulator.codexClientId },
        account_id: minted.account_id
      },
      last_refresh: "2026-11-01T00:00:00Z"
    }
    Fs.writeFileSync(Path.join(codexHome, "auth.json"), JSON.stringify(document, null, 2), { mode: 0o600 })
    return minted
  })

/** `getToken` of a Node session whose environment is exactly `env` (plus `CODEX_HOME`). */
const getToken = (codexHome: string, issuer: string, env: Record<string, string>) =>
  Effect.scoped(
    Effect.flatMap(Session.Session, (session) => session.getToken).pipe(
      Effect.provide(
        NodeSession.layer({ profile: { issuer }, refreshRetries: 0 }).pipe(
          Layer.provide(
            Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...env, CODEX_HOME: codexHome }))))
          )
        )
      )
    )
  )

const setup = Effect.gen(function*() {
  const dir = yield* tempDir("codex-auth-proxy-")
  const codexHome = yield* tempDir("codex-home-proxy-")
  const pki = makeCa(dir)
  const { emulator, port } = yield* tlsEmulator(pki.cert, pki.key)
  const proxy = yield* connectProxy
  const refreshes = Effect.map(
    emulator.requests,
    (requests) =>
      requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token" && r.status === 200)
  )
  return { codexHome, ca: pki.ca, emulator, port, proxy, refreshes }
})

describe("§12 proxy on the wire (Node)", () => {
  it.scopedLive("HTTPS_PROXY: the refresh goes through a CONNECT tunnel and verifies the issuer with the CA bundle", () =>
    Effect.gen(function*() {
      const { ca, codexHome, emulator, port, proxy, refreshes } = yield* setup
      const issuer = `https://${proxiedHost}:${port}`
      const minted = yield* writeExpiredLogin(codexHome, emulator, issuer)
      const token = yield* getToken(codexHome, issuer, {
        HTTPS_PROXY: proxy.url,
        NO_PROXY: "127.0.0.1,localhost",
        CODEX_CA_CERTIFICATE: ca
      })
      assert.notStrictEqual(Redacted.value(token), minted.access_token)
      assert.deepStrictEqual(proxy.tunnels, [`${proxiedHost}:${port}`])
      assert.strictEqual((yield* refreshes).length, 1)
      const stored = JSON.parse(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"))
      assert.strictEqual(stored.tokens.access_token, Redacted.value(token))
    }))

  it.scopedLive("a host in NO_PROXY is reached directly; the same host without NO_PROXY goes through the proxy", () =>
    Effect.gen(function*() {
      const { ca, codexHome, emulator, port, proxy, refreshes } = yield* setup
      const issuer = `https://127.0.0.1:${port}`
      yield* writeExpiredLogin(codexHome, emulator, issuer)
      yield* getToken(codexHome, issuer, {
        HTTPS_PROXY: proxy.url,
        NO_PROXY: "localhost, 127.0.0.1",
        CODEX_CA_CERTIFICATE: ca
      })
      assert.deepStrictEqual(proxy.tunnels, [], "NO_PROXY host: no tunnel")
      assert.strictEqual((yield* refreshes).length, 1)

      // No NO_PROXY in the session's configuration: whatever the process environment says, the proxy is used.
      yield* writeExpiredLogin(codexHome, emulator, issuer)
      const saved = { NO_PROXY: process.env["NO_PROXY"], no_proxy: process.env["no_proxy"] }
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          process.env["NO_PROXY"] = "127.0.0.1"
          process.env["no_proxy"] = "127.0.0.1"
        }),
        () =>
          Effect.sync(() => {
            for (const [name, value] of Object.entries(saved)) {
              if (value === undefined) delete process.env[name]
              else process.env[name] = value
            }
          })
      )
      yield* getToken(codexHome, issuer, { HTTPS_PROXY: proxy.url, CODEX_CA_CERTIFICATE: ca })
      assert.deepStrictEqual(proxy.tunnels, [`127.0.0.1:${port}`])
      assert.strictEqual((yield* refreshes).length, 2)
    }))

  it.scopedLive("a named host in NO_PROXY is not tunnelled (so one only the proxy can resolve fails)", () =>
    Effect.gen(function*() {
      const { ca, codexHome, emulator, port, proxy, refreshes } = yield* setup
      const issuer = `https://${proxiedHost}:${port}`
      yield* writeExpiredLogin(codexHome, emulator, issuer)
      const error = yield* Effect.flip(
        getToken(codexHome, issuer, { HTTPS_PROXY: proxy.url, NO_PROXY: ".test", CODEX_CA_CERTIFICATE: ca })
      )
      assert.strictEqual(error._tag, "RefreshTransientError")
      assert.deepStrictEqual(proxy.tunnels, [])
      assert.strictEqual((yield* refreshes).length, 0)
    }))
})
