// §12 with NODE_EXTRA_CA_CERTS: the CLI refreshes against an issuer behind HTTPS on 127.0.0.1 whose private CA is
// given only through NODE_EXTRA_CA_CERTS, and — with CODEX_CA_CERTIFICATE naming another private CA — both CAs stay
// trusted (an explicit `ca` list replaces Node's default store, so the client must start from Node's own list).
// Runs the built bin (npm run build first); the issuer is the emulator behind a TLS-terminating forwarder. Each case
// runs twice: the startup path sending the grant itself (node:https) and the engine sending it (undici).
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { runBin } from "../support/bin.ts"

let dir: string
let emulator: StartedEmulatorPromise
const servers: Array<Https.Server> = []

/** A private CA and a certificate for 127.0.0.1 signed by it. */
const ca = (name: string) => {
  const run = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" })
  run(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name} CA`],
    ...["-keyout", `${name}-ca.key`, "-out", `${name}-ca.pem`]
  )
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", `${name}.key`, "-out", `${name}.csr`)
  Fs.writeFileSync(Path.join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1\n")
  run(
    ...["x509", "-req", "-in", `${name}.csr`, "-CA", `${name}-ca.pem`, "-CAkey", `${name}-ca.key`],
    ...["-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`]
  )
  return {
    ca: Path.join(dir, `${name}-ca.pem`),
    cert: Fs.readFileSync(Path.join(dir, `${name}.pem`)),
    key: Fs.readFileSync(Path.join(dir, `${name}.key`))
  }
}

/** HTTPS on 127.0.0.1 with `cert`, forwarding every request to the emulator over HTTP. */
const frontOfEmulator = (cert: Buffer, key: Buffer): Promise<string> =>
  new Promise((resolve) => {
    const target = new URL(emulator.url)
    const server = Https.createServer({ cert, key }, (req, res) => {
      const upstream = Http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        }
      )
      upstream.on("error", () => res.destroy())
      req.pipe(upstream)
    })
    servers.push(server)
    server.listen(0, "127.0.0.1", () => resolve(`https://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  runBin(args, env, { without: ["SSL_CERT_FILE", "CODEX_CA_CERTIFICATE", "NODE_EXTRA_CA_CERTS"] })

/** A CODEX_HOME whose access token expired. */
const expiredHome = async (): Promise<string> => {
  const home = Fs.mkdtempSync(Path.join(dir, "home-"))
  const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
  const auth = {
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: {
      id_token: minted.id_token,
      access_token: minted.access_token,
      refresh_token: minted.refresh_token,
      account_id: minted.account_id
    },
    last_refresh: new Date(Date.now() - 30 * 24 * 3600_000).toISOString()
  }
  Fs.writeFileSync(Path.join(home, "auth.json"), JSON.stringify(auth), { mode: 0o600 })
  return home
}

let mine: ReturnType<typeof ca>
let other: ReturnType<typeof ca>
let mineIssuer: string
let otherIssuer: string

beforeAll(async () => {
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-extra-ca-"))
  emulator = await startEmulatorPromise()
  mine = ca("mine")
  other = ca("other")
  mineIssuer = await frontOfEmulator(mine.cert, mine.key)
  otherIssuer = await frontOfEmulator(other.cert, other.key)
}, 60_000)

afterAll(async () => {
  for (const server of servers) server.close()
  await emulator.close()
  Fs.rmSync(dir, { recursive: true, force: true })
})

const refresh = async (issuer: string, env: Record<string, string>) => {
  const home = await expiredHome()
  const trace = Path.join(home, "startup-trace")
  const result = await run(["token"], {
    CODEX_HOME: home,
    CODEX_AUTH_ISSUER: issuer,
    CODEX_AUTH_STARTUP_TRACE: trace,
    ...env
  })
  const saved = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8")).tokens.access_token as string
  const lines = Fs.readFileSync(trace, "utf8").trim().split("\n").map((line) => line.replace(/ \d+$/, ""))
  return { ...result, saved, lines }
}

// Both senders of the grant: the startup path's own (node:https) and the engine's (undici).
for (
  const sender of [
    { name: "the startup path's refresh", env: {}, line: "fast refresh" },
    { name: "the engine's refresh", env: { CODEX_AUTH_FAST_REFRESH: "0" }, line: "engine refresh" }
  ]
) {
  describe(`NODE_EXTRA_CA_CERTS on ${sender.name}`, () => {
    it("a private CA given only through NODE_EXTRA_CA_CERTS is trusted", async () => {
      const result = await refresh(mineIssuer, { NODE_EXTRA_CA_CERTS: mine.ca, ...sender.env })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stdout.trim(), result.saved)
      assert.include(result.lines, sender.line)
    })

    it("without it the private CA is not trusted (the test can fail)", async () => {
      const result = await refresh(mineIssuer, sender.env)
      assert.notStrictEqual(result.code, 0)
    })

    it("with CODEX_CA_CERTIFICATE too, both CAs are trusted", async () => {
      const env = { NODE_EXTRA_CA_CERTS: mine.ca, CODEX_CA_CERTIFICATE: other.ca, ...sender.env }
      const viaExtra = await refresh(mineIssuer, env)
      assert.strictEqual(viaExtra.code, 0, viaExtra.stderr)
      assert.strictEqual(viaExtra.stdout.trim(), viaExtra.saved)
      assert.include(viaExtra.lines, sender.line)
      const viaBundle = await refresh(otherIssuer, env)
      assert.strictEqual(viaBundle.code, 0, viaBundle.stderr)
      assert.strictEqual(viaBundle.stdout.trim(), viaBundle.saved)
      assert.include(viaBundle.lines, sender.line)
    })
  })
}
