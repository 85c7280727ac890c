// The Deno ports on their own: the auth.lock exclusion against util-linux `flock` (the lock the Codex CLI takes) and
// the system calls under strace, the browser opener with real processes, the runtime facts, and the §12 HTTP client
// (an extra CA for TLS, HTTPS_PROXY / NO_PROXY, bad bundles).
import * as HttpClientConfig from "@codex-auth/core/HttpClientConfig"
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as assert from "../../../test/shared/assert.ts"
import * as DenoBrowserOpener from "../src/DenoBrowserOpener.ts"
import * as DenoEmulator from "../src/DenoEmulator.ts"
import * as DenoHttpClient from "../src/DenoHttpClient.ts"
import * as DenoRuntimeFacts from "../src/DenoRuntimeFacts.ts"
import * as DenoSecretFile from "../src/DenoSecretFile.ts"
import { bypassesProxy } from "../src/internal/noProxy.ts"
import { tempDir } from "./support/harness.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const test = (name: string, body: () => Effect.Effect<void, unknown, import("effect/Scope").Scope>) =>
  Deno.test({ name, ...options, fn: () => Effect.runPromise(Effect.scoped(body())) })

const run = (command: string, args: ReadonlyArray<string>, cwd?: string) =>
  Effect.promise(async () => {
    const output = await new Deno.Command(command, {
      args: [...args],
      stdout: "piped",
      stderr: "piped",
      ...(cwd !== undefined ? { cwd } : {})
    }).output()
    const decoder = new TextDecoder()
    return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) }
  })

const exists = (path: string) => Effect.promise(() => Deno.stat(path).then(() => true, () => false))

/** `flock -x path` holding the lock until its stdin gets a line; before letting go it creates `marker`. */
const holdWithFlockCommand = (path: string, marker: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const child = new Deno.Command("flock", {
        args: ["-x", path, "-c", `echo locked; read line; echo released > '${marker}'`],
        stdin: "piped",
        stdout: "piped"
      }).spawn()
      const reader = child.stdout.getReader()
      await reader.read() // "locked"
      reader.releaseLock()
      return child
    }),
    (child) =>
      Effect.promise(async () => {
        try {
          child.kill("SIGKILL") // a holder that was never released
        } catch {
          // already gone
        }
        await child.status
      })
  )

const release = (child: Deno.ChildProcess) =>
  Effect.promise(async () => {
    const writer = child.stdin.getWriter()
    await writer.write(new TextEncoder().encode("go\n"))
    await writer.close()
    await child.status
  })

const canFlockNow = (path: string) => Effect.map(run("flock", ["-n", path, "true"]), (result) => result.code === 0)

test("lock: a lock held by the flock command (as Codex holds it) makes ours wait until released", () =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const lockFile = `${dir}/auth.lock`
    const marker = `${dir}/released`
    const holder = yield* holdWithFlockCommand(lockFile, marker)
    const waiter = yield* Effect.fork(
      Effect.scoped(Effect.zipRight(DenoSecretFile.make.lock(lockFile), exists(marker)))
    )
    yield* Effect.sleep("100 millis")
    assert.equal((yield* Fiber.poll(waiter))._tag, "None", "still waiting while flock holds it")
    yield* release(holder)
    assert.isTrue(yield* Fiber.join(waiter), "we acquired the lock only after the holder let go")
    const error = yield* Effect.flip(Effect.scoped(Effect.gen(function*() {
      yield* holdWithFlockCommand(lockFile, marker)
      yield* DenoSecretFile.make.lock(lockFile, { timeoutMillis: 50 })
    })))
    assert.equal(error.operation, "lock")
    assert.include(error.message, lockFile)
  }))

test("lock: ours excludes the flock command while held, and is released with the scope", () =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const lockFile = `${dir}/auth.lock`
    yield* Effect.scoped(Effect.gen(function*() {
      yield* DenoSecretFile.make.lock(lockFile)
      assert.isFalse(yield* canFlockNow(lockFile), "flock -n fails while we hold it")
    }))
    assert.isTrue(yield* canFlockNow(lockFile), "free again after the scope closed")
  }))

test("strace: lock = flock(LOCK_EX|LOCK_NB) on auth.lock (no fcntl record lock); write = O_EXCL 0600 temp, fsync, rename", () =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const lockFile = `${dir}/auth.lock`
    const target = `${dir}/auth.json`
    const script = new URL("./support/secretFileProbe.ts", import.meta.url).pathname
    const deno = Deno.execPath()
    // One file per thread (no "unfinished ... resumed" splits), merged back in time order: Deno runs file
    // operations on a pool of threads.
    const traced = yield* run(
      "strace",
      [
        "-f",
        "-ff",
        "-ttt",
        "-o",
        `${dir}/trace`,
        "-e",
        "trace=openat,flock,fcntl,fsync,rename,renameat,renameat2",
        deno,
        "run",
        "-A",
        "--conditions=source",
        script,
        lockFile,
        target
      ],
      new URL("../../..", import.meta.url).pathname
    )
    assert.equal(traced.code, 0, traced.stderr.slice(-2000))
    const lines = yield* Effect.promise(async () => {
      const all: Array<string> = []
      for await (const entry of Deno.readDir(dir)) {
        if (entry.name.startsWith("trace.")) all.push(...(await Deno.readTextFile(`${dir}/${entry.name}`)).split("\n"))
      }
      return all.filter((line) => line.trim() !== "").sort((a, b) => parseFloat(a) - parseFloat(b))
    })
    // Deno runs each blocking file operation on a dup of the descriptor (same open file description, same lock).
    const aliases = (from: number, to: number) => {
      const fd = /= (\d+)$/.exec(lines[from]!.trim())?.[1]
      const fds = new Set([fd])
      for (const line of lines.slice(from, to)) {
        const dup = new RegExp(`fcntl\\(${fd}, F_DUPFD(_CLOEXEC)?, \\d+\\)\\s+= (\\d+)$`).exec(line.trim())
        if (dup !== null) fds.add(dup[2])
      }
      return fds
    }
    const lockOpen = lines.findIndex((line) => line.includes(`"${lockFile}"`) && line.includes("openat"))
    const tempOpen = lines.findIndex((line) => line.includes(`${dir}/.auth.json.`) && line.includes("O_EXCL"))
    const rename = lines.findIndex((line) => /rename/.test(line) && line.includes(`"${target}"`))
    assert.isTrue(lockOpen >= 0 && tempOpen > lockOpen && rename > tempOpen, "lock, then temp file, then rename")
    const lockFds = aliases(lockOpen, tempOpen)
    const lockCalls = lines.slice(lockOpen, tempOpen).filter((line) =>
      [...lockFds].some((fd) => line.includes(`(${fd},`))
    )
    assert.isTrue(
      lockCalls.some((line) => /flock\(\d+, LOCK_EX\|LOCK_NB\)\s+= 0$/.test(line.trim())),
      lockCalls.join("\n")
    )
    assert.isTrue(lockCalls.some((line) => /flock\(\d+, LOCK_UN\)/.test(line)), "unlocked on release")
    assert.isFalse(
      lockCalls.some((line) => /fcntl\(\d+, F_(OFD_)?SETLK/.test(line)),
      "no fcntl record lock on auth.lock: it would not exclude Codex"
    )
    assert.match(lines[tempOpen]!, /O_CREAT/)
    assert.match(lines[tempOpen]!, /0600/)
    const tempFds = aliases(tempOpen, rename)
    const fsync = lines.findIndex((line, i) =>
      i > tempOpen && i < rename && [...tempFds].some((fd) => line.includes(`fsync(${fd})`))
    )
    assert.isTrue(fsync > tempOpen, "fsync of the temporary file before the rename")
    assert.equal(yield* Effect.promise(() => Deno.readTextFile(target)), "hello")
  }))

test("secret file: join resolves . and .. like path.join; stat reports the mode", () =>
  Effect.gen(function*() {
    assert.equal(DenoSecretFile.join("/a/b", "..", "c", "./auth.json"), "/a/c/auth.json")
    assert.equal(DenoSecretFile.join("/home/u/", ".codex"), "/home/u/.codex")
    assert.equal(DenoSecretFile.join("rel", "x"), "rel/x")
    const dir = yield* tempDir
    yield* DenoSecretFile.make.writeAtomic(`${dir}/f`, "x", { mode: 0o640 })
    assert.deepEqual(yield* DenoSecretFile.make.stat(`${dir}/f`), Option.some({ type: "file" as const, mode: 0o640 }))
  }))

test("browser opener: BROWSER runs with the URL; a missing or failing program falls through to the next", () =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const opener = `${dir}/opener.sh`
    const seen = `${dir}/seen`
    yield* Effect.promise(async () => {
      await Deno.writeTextFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`)
      await Deno.chmod(opener, 0o755)
    })
    const url = "https://auth.example/oauth/authorize?a=1&b=two words"
    yield* DenoBrowserOpener.make({ os: "linux", wsl: false, browserEnv: `/nonexistent/browser:false:${opener} %s` })
      .open(url)
    assert.equal(yield* Effect.promise(() => Deno.readTextFile(seen)), url)
    const missing = yield* Effect.flip(
      DenoBrowserOpener.make({ os: "linux", wsl: false, browserEnv: "/nonexistent/browser" }).open(url)
    )
    assert.equal(missing._tag, "BrowserOpenFailed")
    assert.equal(missing.command, "/nonexistent/browser")
    const failing = yield* Effect.flip(
      DenoBrowserOpener.make({ os: "linux", wsl: false, browserEnv: "false" }).open(url)
    )
    assert.equal(failing.reason, "exited with status 1")
    assert.include(failing.message, "device code")
  }))

test("runtime facts: CI, SSH, display, overrides from the environment; explicit overrides win", () =>
  Effect.sync(() => {
    const base = { platform: "linux", wsl: false, container: false, stdinTty: true, stdoutTty: true }
    const ci = DenoRuntimeFacts.make({ ...base, env: { GITHUB_ACTIONS: "true", SSH_CONNECTION: "1 2 3 4" } })
    assert.isTrue(ci.ci)
    assert.isTrue(ci.ssh)
    assert.isFalse(ci.display, "no DISPLAY on Linux")
    const desktop = DenoRuntimeFacts.make({
      ...base,
      env: { WAYLAND_DISPLAY: "wayland-0", CI: "0", BUILD_NUMBER: "7" }
    })
    assert.isFalse(desktop.ci, "CI=0 beats the CI variables")
    assert.isTrue(desktop.display)
    const windows = DenoRuntimeFacts.make({
      ...base,
      platform: "windows",
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }
    })
    assert.equal(windows.os, "win32")
    assert.isTrue(windows.container)
    const overridden = DenoRuntimeFacts.make({
      ...base,
      env: { CODEX_AUTH_LOGIN_METHOD: "Device", CODEX_AUTH_INTERACTIVE: "yes", BROWSER: "none" }
    })
    assert.deepEqual(overridden.overrides, { method: "device", interactive: true, browser: false })
    const claimed = DenoRuntimeFacts.make({ ...base, env: { CODEX_AUTH_WSL: "1" } })
    assert.isTrue(claimed.wsl, "CODEX_AUTH_WSL=1 beats the probe")
    assert.isTrue(claimed.display, "WSL reaches the Windows desktop without DISPLAY")
    const denied = DenoRuntimeFacts.make({ ...base, wsl: true, env: { CODEX_AUTH_WSL: "0" } })
    assert.isFalse(denied.wsl, "CODEX_AUTH_WSL=0 beats the probe")
    assert.isFalse(denied.display)
    assert.isTrue(DenoRuntimeFacts.make({ ...base, wsl: true, env: { CODEX_AUTH_WSL: "maybe" } }).wsl)
    const previous = Deno.env.get("CODEX_AUTH_LOGIN_METHOD")
    Deno.env.set("CODEX_AUTH_LOGIN_METHOD", "paste")
    try {
      assert.equal(DenoRuntimeFacts.current().overrides.method, "paste", "read from Deno.env")
      assert.equal(DenoRuntimeFacts.current({ method: "browser" }).overrides.method, "browser")
      assert.equal(DenoRuntimeFacts.current().stdinTty, Deno.stdin.isTerminal())
    } finally {
      if (previous === undefined) Deno.env.delete("CODEX_AUTH_LOGIN_METHOD")
      else Deno.env.set("CODEX_AUTH_LOGIN_METHOD", previous)
    }
  }))

const clientFor = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const config = yield* HttpClientConfig.config.pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
    const context = yield* Layer.build(DenoHttpClient.layer(config))
    return yield* Effect.provide(HttpClient.HttpClient, context)
  })

/** A CA and a server certificate for 127.0.0.1 signed by it (openssl). */
const makeCertificates = (dir: string) =>
  Effect.gen(function*() {
    const steps: Array<Array<string>> = [
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=codex-auth test CA"
      ],
      ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.cnf"
      ]
    ]
    yield* Effect.promise(() => Deno.writeTextFile(`${dir}/san.cnf`, "subjectAltName=IP:127.0.0.1\n"))
    for (const args of steps) {
      const result = yield* run("openssl", args, dir)
      assert.equal(result.code, 0, result.stderr)
    }
    return {
      ca: `${dir}/ca.pem`,
      cert: yield* Effect.promise(() => Deno.readTextFile(`${dir}/server.pem`)),
      key: yield* Effect.promise(() => Deno.readTextFile(`${dir}/server.key`))
    }
  })

test("http client: CODEX_CA_CERTIFICATE (winning over SSL_CERT_FILE) lets a TLS issuer signed by it through", () =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const certificates = yield* makeCertificates(dir)
    const server = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Deno.serve(
          { hostname: "127.0.0.1", port: 0, cert: certificates.cert, key: certificates.key, onListen: () => {} },
          () => new Response("tls ok")
        )
      ),
      (server) => Effect.promise(() => server.shutdown())
    )
    const url = `https://127.0.0.1:${server.addr.port}/`
    const trusted = yield* clientFor({ CODEX_CA_CERTIFICATE: certificates.ca, SSL_CERT_FILE: `${dir}/missing.pem` })
    assert.equal(yield* Effect.flatMap(trusted.get(url), (response) => response.text), "tls ok")
    const untrusted = yield* clientFor({})
    const error = yield* Effect.flip(untrusted.get(url))
    assert.equal(error._tag, "RequestError", "an unknown CA is a transport error")
    const viaSsl = yield* clientFor({ SSL_CERT_FILE: certificates.ca })
    assert.equal(yield* Effect.flatMap(viaSsl.get(url), (response) => response.text), "tls ok")
  }))

test("http client: an empty, missing or non-PEM bundle is CaCertificateInvalid naming both variables", () =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    yield* Effect.promise(async () => {
      await Deno.writeTextFile(`${dir}/empty.pem`, "")
      await Deno.writeTextFile(`${dir}/junk.pem`, "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
    })
    for (
      const [env, reason] of [
        [{ CODEX_CA_CERTIFICATE: `${dir}/empty.pem` }, "empty"],
        [{ SSL_CERT_FILE: `${dir}/junk.pem` }, "base64"],
        [{ CODEX_CA_CERTIFICATE: `${dir}/none.pem` }, "cannot be read"]
      ] as const
    ) {
      const error = yield* Effect.flip(Effect.scoped(clientFor(env)))
      assert.equal(error._tag, "CaCertificateInvalid")
      if (error._tag !== "CaCertificateInvalid") continue
      assert.include(error.message, "CODEX_CA_CERTIFICATE")
      assert.include(error.message, "SSL_CERT_FILE")
      assert.include(error.message, reason)
    }
  }))

test("http client: HTTPS_PROXY carries https requests (CONNECT); NO_PROXY hosts and http URLs go direct", () =>
  Effect.gen(function*() {
    // A proxy that records what it is asked and refuses.
    const listener = yield* Effect.acquireRelease(
      Effect.sync(() => Deno.listen({ hostname: "127.0.0.1", port: 0 })),
      (listener) => Effect.sync(() => listener.close())
    )
    const asked: Array<string> = []
    const proxy = (async () => {
      for await (const connection of listener) {
        const buffer = new Uint8Array(4096)
        const read = await connection.read(buffer).catch(() => null)
        if (read !== null) asked.push(new TextDecoder().decode(buffer.subarray(0, read)).split("\r\n")[0]!)
        await connection.write(new TextEncoder().encode("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
          .catch(() => 0)
        connection.close()
      }
    })().catch(() => undefined)
    const origin = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response("direct"))
      ),
      (server) => Effect.promise(() => server.shutdown())
    )
    const client = yield* clientFor({
      HTTPS_PROXY: `http://127.0.0.1:${listener.addr.port}`,
      NO_PROXY: "localhost,.internal.example"
    })
    yield* Effect.flip(client.get("https://auth.openai.example/oauth/token"))
    assert.deepEqual(asked, ["CONNECT auth.openai.example:443 HTTP/1.1"])
    const direct = yield* Effect.flatMap(client.get(`http://127.0.0.1:${origin.addr.port}/`), (r) => r.text)
    assert.equal(direct, "direct", "http URLs are not sent to HTTPS_PROXY")
    yield* Effect.flip(client.get("https://sso.internal.example:1/"))
    assert.equal(asked.length, 1, "NO_PROXY hosts bypass the proxy")
    void proxy
  }))

test("http client: NO_PROXY matching (suffixes, leading dots, ports, *)", () =>
  Effect.sync(() => {
    const url = (text: string) => new URL(text)
    assert.isTrue(bypassesProxy("example.com", url("https://example.com/")))
    assert.isTrue(bypassesProxy("example.com", url("https://auth.example.com/")))
    assert.isFalse(bypassesProxy("example.com", url("https://badexample.com/")))
    assert.isTrue(bypassesProxy(" .example.com ,other", url("https://a.example.com/")))
    assert.isTrue(bypassesProxy("*.example.com", url("https://a.example.com/")))
    assert.isTrue(bypassesProxy("example.com:8443", url("https://example.com:8443/")))
    assert.isFalse(bypassesProxy("example.com:8443", url("https://example.com/")))
    assert.isTrue(bypassesProxy("*", url("https://anything/")))
    assert.isFalse(bypassesProxy("", url("https://anything/")))
  }))

test("emulator on Deno.serve: a port in use is a typed error naming the port (as on Node)", () =>
  Effect.gen(function*() {
    const first = yield* DenoEmulator.serve()
    const error = yield* Effect.flip(DenoEmulator.serve({ port: first.port }))
    assert.equal(error._tag, "EmulatorServeError")
    assert.include(error.message, `127.0.0.1:${first.port}`)
    assert.include(error.message, "already in use")
  }))
