// §12 on Node: which variable names the CA bundle, what a bad bundle says, and a real HTTPS server on 127.0.0.1
// with a private CA that our client trusts only through CODEX_CA_CERTIFICATE.
import * as HttpClientConfig from "@codex-auth/core/HttpClientConfig"
import * as NodeHttpClient from "@codex-auth/node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Https from "node:https"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-tls-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** A private CA and a server certificate for 127.0.0.1 signed by it. */
const makeCa = (dir: string, name: string) => {
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
    `/CN=${name} CA`,
    "-keyout",
    `${name}-ca.key`,
    "-out",
    `${name}-ca.pem`
  )
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", `${name}.key`, "-out", `${name}.csr`)
  Fs.writeFileSync(Path.join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1\n")
  run(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${name}-ca.pem`,
    "-CAkey",
    `${name}-ca.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`
  )
  return {
    ca: Path.join(dir, `${name}-ca.pem`),
    cert: Fs.readFileSync(Path.join(dir, `${name}.pem`)),
    key: Fs.readFileSync(Path.join(dir, `${name}.key`))
  }
}

const httpsServer = (cert: Buffer, key: Buffer) =>
  Effect.acquireRelease(
    Effect.async<Https.Server>((resume) => {
      const server = Https.createServer({ cert, key }, (_req, res) => res.end("ok"))
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

const configFrom = (env: Record<string, string>) =>
  Effect.withConfigProvider(HttpClientConfig.config, ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("§12 configuration", () => {
  it.effect("CODEX_CA_CERTIFICATE wins over SSL_CERT_FILE; empty means unset", () =>
    Effect.gen(function*() {
      const both = yield* configFrom({ CODEX_CA_CERTIFICATE: "/a.pem", SSL_CERT_FILE: "/b.pem" })
      assert.deepStrictEqual(both.caBundle, Option.some({ variable: "CODEX_CA_CERTIFICATE" as const, path: "/a.pem" }))
      const fallback = yield* configFrom({ CODEX_CA_CERTIFICATE: "", SSL_CERT_FILE: "/b.pem" })
      assert.deepStrictEqual(fallback.caBundle, Option.some({ variable: "SSL_CERT_FILE" as const, path: "/b.pem" }))
      assert.isTrue(Option.isNone((yield* configFrom({})).caBundle))
      const proxy = yield* configFrom({ HTTPS_PROXY: "http://127.0.0.1:3128", NO_PROXY: "localhost" })
      assert.deepStrictEqual([proxy.httpsProxy, proxy.noProxy], [
        Option.some("http://127.0.0.1:3128"),
        Option.some("localhost")
      ])
    }))

  it.scoped("a multi-certificate bundle yields every certificate; other PEM blocks are skipped", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const a = makeCa(dir, "a")
      const b = makeCa(dir, "b")
      const bundle = Fs.readFileSync(a.ca, "utf8") + b.key.toString() + Fs.readFileSync(b.ca, "utf8")
      const parsed = HttpClientConfig.parsePemBundle(bundle)
      assert.strictEqual(Either.getOrThrow(parsed).length, 2)
    }))

  it.scoped("empty and malformed bundles fail with an error naming both variables and the file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const cases = {
        empty: "",
        garbage: "not a certificate at all",
        broken: "-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n"
      }
      for (const [name, text] of Object.entries(cases)) {
        const path = Path.join(dir, `${name}.pem`)
        Fs.writeFileSync(path, text)
        const error = yield* Effect.flip(NodeHttpClient.readCaBundle({ variable: "SSL_CERT_FILE", path }))
        assert.strictEqual(error._tag, "CaCertificateInvalid")
        assert.include(error.message, "CODEX_CA_CERTIFICATE")
        assert.include(error.message, "SSL_CERT_FILE")
        assert.include(error.message, path)
      }
      const missing = yield* Effect.flip(
        NodeHttpClient.readCaBundle({ variable: "CODEX_CA_CERTIFICATE", path: Path.join(dir, "none.pem") })
      )
      assert.include(missing.reason, "ENOENT")
    }))
})

describe("§12 on the wire", () => {
  it.scopedLive("a server signed by a private CA is trusted only with the bundle (multi-cert bundles too)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const other = makeCa(dir, "other")
      const mine = makeCa(dir, "mine")
      const server = yield* httpsServer(mine.cert, mine.key)
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const bundle = Path.join(dir, "bundle.pem")
      Fs.writeFileSync(bundle, Fs.readFileSync(other.ca, "utf8") + Fs.readFileSync(mine.ca, "utf8"))
      const get = (config: HttpClientConfig.HttpClientConfig) =>
        Effect.scoped(
          Effect.flatMap(HttpClient.HttpClient, (client) => Effect.flatMap(client.get(url), (r) => r.text)).pipe(
            Effect.provide(NodeHttpClient.layer(config))
          )
        )
      const none = { caBundle: Option.none(), httpsProxy: Option.none(), noProxy: Option.none() }
      const withoutBundle = yield* Effect.either(get(none))
      assert.isTrue(Either.isLeft(withoutBundle), "the private CA is not trusted by default")
      const withBundle = yield* get({
        ...none,
        caBundle: Option.some({ variable: "CODEX_CA_CERTIFICATE" as const, path: bundle })
      })
      assert.strictEqual(withBundle, "ok")
      const onlyOther = yield* Effect.either(get({
        ...none,
        caBundle: Option.some({ variable: "CODEX_CA_CERTIFICATE" as const, path: other.ca })
      }))
      assert.isTrue(Either.isLeft(onlyOther), "a bundle without the issuing CA does not help")
    }))

  it.scopedLive("a long-running client picks up a bundle fixed after a request failed on it (layerConfig)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const mine = makeCa(dir, "mine")
      const server = yield* httpsServer(mine.cert, mine.key)
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const bundle = Path.join(dir, "later.pem")
      // One layer, built once, as the facade and a server hold it: the bundle it names does not exist yet.
      const client = yield* Layer.build(NodeHttpClient.layerConfig.pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_CA_CERTIFICATE", bundle]]))))
      )).pipe(Effect.map(Context.get(HttpClient.HttpClient)))
      const get = Effect.flatMap(client.get(url), (response) => response.text)
      const missing = yield* Effect.flip(get)
      assert.strictEqual(missing._tag, "RequestError")
      const cause = Option.getOrThrow(HttpClientConfig.configurationFailure(missing))
      assert.strictEqual(cause._tag, "CaCertificateInvalid")
      // Fixed while the process runs: the next request builds the client again, and keeps it.
      Fs.copyFileSync(mine.ca, bundle)
      assert.strictEqual(yield* get, "ok")
      Fs.rmSync(bundle)
      assert.strictEqual(yield* get, "ok", "once built, the client is kept (the bundle is not read again)")
    }))
})
