import { LoginCancelled } from "@codex-auth/core/LoginError"
import * as LoopbackServer from "@codex-auth/core/LoopbackServer"
import * as NodeLoopbackListener from "@codex-auth/node/NodeLoopbackListener"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Http from "node:http"
import * as Net from "node:net"

interface Reply {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

const get = (port: number, path: string, host = `127.0.0.1:${port}`, method = "GET"): Effect.Effect<Reply> =>
  Effect.async<Reply>((resume) => {
    const request = Http.request(
      { host: "127.0.0.1", port, path, method, headers: { host }, agent: false },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk) => (body += chunk))
        response.on(
          "end",
          () => resume(Effect.succeed({ status: response.statusCode ?? 0, headers: response.headers, body }))
        )
      }
    )
    request.on("error", (error) => resume(Effect.die(error)))
    request.end()
  })

const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen({ host: "127.0.0.1", port: 0 }, () => {
    const address = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(address.port)))
  })
})

/**
 * A stranger holding a port (an ephemeral one when `port` is 0, so no other test can race for it): it
 * answers every request with a 404 and never lets go.
 */
const holdPort = (port: number) =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const server = Net.createServer((socket) =>
        socket.once("data", () => socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
      )
      server.once("error", (error) => resume(Effect.die(error)))
      server.listen({ host: "127.0.0.1", port }, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => (server.address() as Net.AddressInfo).port))

const isFree = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const server = Net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resume(Effect.succeed(true))))
  })

const isListening = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
  })

const tick = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))

const untilListening = (port: number) =>
  Effect.gen(function*() {
    while (!(yield* isListening(port))) yield* tick
  })

/**
 * Walks the TestClock forward in 50 ms steps while letting real sockets make progress, until the fiber ends.
 * The bind retries sleep on the TestClock; a retry whose socket work is slow needs more than one step, so the
 * bound is on steps, not on test time.
 */
const advanceUntilDone = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Effect.gen(function*() {
    for (let step = 0; step < 2000; step++) {
      if ((yield* Fiber.poll(fiber))._tag === "Some") return
      yield* tick
      yield* TestClock.adjust("50 millis")
    }
  })

const state = Redacted.make("expected-state-0123456789")

const startServer = (ports: ReadonlyArray<number>, onCodeFails = false) =>
  Effect.gen(function*() {
    const codes = yield* Deferred.make<string>()
    const server = yield* LoopbackServer.start({
      ports,
      callbackPath: "/auth/callback",
      state,
      onCode: (code, redirectUri) =>
        Deferred.succeed(codes, `${Redacted.value(code)} ${redirectUri}`).pipe(
          Effect.zipRight(
            onCodeFails
              ? Effect.fail(new LoginCancelled({ reason: "exchange <failed> & stopped" }))
              : Effect.succeed({
                value: { tokens: "token-set" },
                successQuery: [["id_token", "header.payload.sig"], ["needs_setup", "false"]] as const
              })
          )
        )
    })
    return { server, codes }
  }).pipe(Effect.provide(NodeLoopbackListener.layer))

describe("LoopbackServer over real sockets", () => {
  it.scoped("wrong state ×3 → 400 State mismatch, then the right one → 302 /success → success page", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { codes, server } = yield* startServer([port])
      assert.strictEqual(server.redirectUri, `http://127.0.0.1:${port}/auth/callback`)
      for (const wrong of ["nope", "", "expected-state-012345678"]) {
        const reply = yield* get(port, `/auth/callback?code=c&state=${wrong}`)
        assert.strictEqual(reply.status, 400)
        assert.strictEqual(reply.body, "State mismatch")
        assert.match(String(reply.headers["content-type"]), /^text\/plain/)
      }
      const reply = yield* get(port, `/auth/callback?code=the-code&state=${Redacted.value(state)}`)
      assert.strictEqual(reply.status, 302)
      assert.strictEqual(reply.headers.location, "/success?id_token=header.payload.sig&needs_setup=false")
      assert.strictEqual(yield* Deferred.await(codes), `the-code http://127.0.0.1:${port}/auth/callback`)
      // single use: a second callback is refused
      const again = yield* get(port, `/auth/callback?code=other&state=${Redacted.value(state)}`)
      assert.strictEqual(again.status, 409)
      const success = yield* get(port, "/success?id_token=x")
      assert.strictEqual(success.status, 200)
      assert.strictEqual(success.headers["content-type"], "text/html; charset=utf-8")
      assert.strictEqual(success.headers.connection, "close")
      assert.include(success.body, "Signed in to Codex")
      assert.deepStrictEqual(yield* server.result, { tokens: "token-set" })
    }))

  it.scoped("error= callback → error page (escaped) and AuthorizationFailed; state is checked first", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer([port])
      const forged = yield* get(port, "/auth/callback?error=access_denied&state=wrong")
      assert.strictEqual(forged.status, 400)
      const reply = yield* get(
        port,
        `/auth/callback?error=server_error&error_description=${
          encodeURIComponent("<script>alert('x')</script> & \"more\"")
        }&state=${Redacted.value(state)}`
      )
      assert.strictEqual(reply.status, 200)
      assert.include(
        reply.body,
        "Sign-in failed: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"
      )
      assert.notInclude(reply.body, "<script>")
      const error = yield* Effect.flip(server.result)
      assert.strictEqual(error._tag, "AuthorizationFailed")
    }))

  it.scoped("access_denied with missing_codex_entitlement → the entitlement page", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer([port])
      const reply = yield* get(
        port,
        `/auth/callback?error=access_denied&error_description=missing_codex_entitlement&state=${Redacted.value(state)}`
      )
      assert.include(reply.body, "do not have access to Codex")
      assert.include(reply.body, "workspace admin")
      const error = yield* Effect.flip(server.result)
      assert.isTrue(error._tag === "AuthorizationFailed" && error.missingEntitlement)
    }))

  it.scoped("missing code → missing_authorization_code page and MissingAuthorizationCode", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer([port])
      const reply = yield* get(port, `/auth/callback?code=&state=${Redacted.value(state)}`)
      assert.include(reply.body, "missing_authorization_code")
      assert.strictEqual((yield* Effect.flip(server.result))._tag, "MissingAuthorizationCode")
    }))

  it.scoped("a failed exchange → error page with the (escaped) message, the login fails", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer([port], true)
      const reply = yield* get(port, `/auth/callback?code=abc&state=${Redacted.value(state)}`)
      assert.include(reply.body, "exchange &lt;failed&gt; &amp; stopped")
      assert.strictEqual((yield* Effect.flip(server.result))._tag, "LoginCancelled")
    }))

  it.scoped("foreign Host header → 403 and nothing processed; unknown paths → 404", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { codes } = yield* startServer([port])
      const foreign = yield* get(port, `/auth/callback?code=abc&state=${Redacted.value(state)}`, `evil.example:${port}`)
      assert.strictEqual(foreign.status, 403)
      assert.isFalse(yield* Deferred.isDone(codes))
      const otherPort = yield* get(port, "/cancel", `127.0.0.1:${port + 1}`)
      assert.strictEqual(otherPort.status, 403)
      const missing = yield* get(port, "/favicon.ico", `localhost:${port}`)
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.body, "Not Found")
      // /success before any code is not a success
      assert.strictEqual((yield* get(port, "/success")).status, 404)
      const ok = yield* get(port, `/auth/callback?code=abc&state=${Redacted.value(state)}`, `localhost:${port}`)
      assert.strictEqual(ok.status, 302)
      assert.strictEqual(yield* Deferred.await(codes), `abc http://127.0.0.1:${port}/auth/callback`)
    }))

  it.scoped("only GET is served: other methods → 405, even with the right state or on /cancel", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { codes, server } = yield* startServer([port])
      const host = `127.0.0.1:${port}`
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const reply = yield* get(port, `/auth/callback?code=abc&state=${Redacted.value(state)}`, host, method)
        assert.strictEqual(reply.status, 405, method)
        assert.strictEqual(reply.headers.allow, "GET", method)
        assert.strictEqual((yield* get(port, "/cancel", host, method)).status, 405, method)
      }
      assert.isFalse(yield* Deferred.isDone(codes))
      assert.strictEqual((yield* get(port, `/auth/callback?code=abc&state=${Redacted.value(state)}`)).status, 302)
      assert.strictEqual(yield* Deferred.await(codes), `abc http://127.0.0.1:${port}/auth/callback`)
      assert.strictEqual((yield* get(port, "/success?id_token=x", host, "POST")).status, 405)
      assert.strictEqual((yield* get(port, "/success?id_token=x")).status, 200)
      assert.deepStrictEqual(yield* server.result, { tokens: "token-set" })
    }))

  it.scoped("/cancel → 200 Login cancelled, the login fails with LoginCancelled", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer([port])
      const reply = yield* get(port, "/cancel")
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.body, "Login cancelled")
      assert.strictEqual(reply.headers.connection, "close")
      assert.strictEqual((yield* Effect.flip(server.result))._tag, "LoginCancelled")
    }))

  it.scoped("first port held by a stranger → the second port, after 10 retries", () =>
    Effect.gen(function*() {
      const first = yield* holdPort(0)
      const second = yield* freePort
      const fiber = yield* Effect.fork(startServer([first, second]))
      yield* advanceUntilDone(fiber)
      const { server } = yield* Fiber.join(fiber)
      assert.strictEqual(server.port, second)
      assert.strictEqual(server.redirectUri, `http://127.0.0.1:${second}/auth/callback`)
    }))

  it.scoped("both ports held → LoopbackUnavailable naming the ports and the device code", () =>
    Effect.gen(function*() {
      const first = yield* holdPort(0)
      const second = yield* holdPort(0)
      const fiber = yield* Effect.fork(startServer([first, second]))
      yield* advanceUntilDone(fiber)
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "LoopbackUnavailable")
      assert.include(error.message, `127.0.0.1:${first}`)
      assert.include(error.message, `127.0.0.1:${second}`)
      assert.include(error.message, "device")
    }))

  it.scoped("a second login on the same port cancels the first and takes the port over", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const first = yield* Effect.fork(
        Effect.scoped(Effect.flatMap(startServer([port]), ({ server }) => server.result))
      )
      yield* untilListening(port)
      const second = yield* Effect.fork(startServer([port]))
      yield* advanceUntilDone(second)
      const firstExit = yield* Fiber.await(first)
      assert.isTrue(Exit.isFailure(firstExit))
      assert.include(String(Exit.isFailure(firstExit) ? firstExit.cause : ""), "LoginCancelled")
      const { server } = yield* Fiber.join(second)
      assert.strictEqual(server.port, port)
      assert.strictEqual((yield* get(port, "/nothing")).status, 404)
    }))

  it.effect("the port is free again after success, failure and interrupt", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      yield* Effect.scoped(Effect.gen(function*() {
        const { server } = yield* startServer([port])
        yield* get(port, `/auth/callback?code=abc&state=${Redacted.value(state)}`)
        yield* get(port, "/success")
        yield* server.result
      }))
      assert.isTrue(yield* isFree(port))
      const fiber = yield* Effect.fork(
        Effect.scoped(Effect.flatMap(startServer([port]), ({ server }) => server.result))
      )
      yield* untilListening(port)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(yield* isFree(port))
    }))
})
