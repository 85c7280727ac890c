// Conformance: the loopback callback server (PROTOCOL.md §4) served through the runtime's LoopbackListener, over
// real sockets on 127.0.0.1.
import { LoopbackListener } from "@codex-auth/core/LoopbackListener"
import * as LoopbackServer from "@codex-auth/core/LoopbackServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as assert from "./assert.ts"
import type { Harness } from "./harness.ts"

const state = Redacted.make("expected-state-0123456789")
const hello = HttpServerResponse.text("hello")

export const loopbackSuite = (h: Harness): void => {
  const listener = Effect.provide(LoopbackListener, h.layer)

  /** A port the listener itself just bound and let go (ephemeral: no other test races for it). */
  const freePort = Effect.flatMap(
    listener,
    (service) => Effect.scoped(Effect.map(service.serve({ port: 0, app: hello }), (binding) => binding.port))
  )

  const startServer = (port: number) =>
    Effect.gen(function*() {
      const codes = yield* Deferred.make<string>()
      const server = yield* LoopbackServer.start({
        ports: [port],
        callbackPath: "/auth/callback",
        state,
        onCode: (code, redirectUri) =>
          Deferred.succeed(codes, `${Redacted.value(code)} ${redirectUri}`).pipe(
            Effect.as({
              value: { tokens: "token-set" },
              successQuery: [["id_token", "header.payload.sig"], ["needs_setup", "false"]] as const
            })
          )
      })
      return { server, codes }
    }).pipe(Effect.provide(h.layer))

  h.test("loopback: wrong state ×3 → 400 State mismatch; the right one → 302 /success → success page", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { codes, server } = yield* startServer(port)
      assert.equal(server.redirectUri, `http://127.0.0.1:${port}/auth/callback`)
      for (const wrong of ["nope", "", "expected-state-012345678"]) {
        const reply = yield* h.get(port, `/auth/callback?code=c&state=${wrong}`)
        assert.equal(reply.status, 400, `state ${wrong}`)
        assert.equal(reply.body, "State mismatch")
        assert.match(reply.headers["content-type"] ?? "", /^text\/plain/)
      }
      const reply = yield* h.get(port, `/auth/callback?code=the-code&state=${Redacted.value(state)}`)
      assert.equal(reply.status, 302)
      assert.equal(reply.headers["location"], "/success?id_token=header.payload.sig&needs_setup=false")
      assert.equal(yield* Deferred.await(codes), `the-code http://127.0.0.1:${port}/auth/callback`)
      assert.equal((yield* h.get(port, `/auth/callback?code=other&state=${Redacted.value(state)}`)).status, 409)
      const success = yield* h.get(port, "/success?id_token=x")
      assert.equal(success.status, 200)
      assert.equal(success.headers["content-type"], "text/html; charset=utf-8")
      assert.equal(success.headers["connection"], "close")
      assert.include(success.body, "Signed in to Codex")
      assert.deepEqual(yield* server.result, { tokens: "token-set" })
    }))

  h.test("loopback: error= → escaped error page and AuthorizationFailed; the state is checked first", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer(port)
      assert.equal((yield* h.get(port, "/auth/callback?error=access_denied&state=wrong")).status, 400)
      const description = encodeURIComponent("<script>alert('x')</script> & \"more\"")
      const reply = yield* h.get(
        port,
        `/auth/callback?error=server_error&error_description=${description}&state=${Redacted.value(state)}`
      )
      assert.equal(reply.status, 200)
      assert.include(
        reply.body,
        "Sign-in failed: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"
      )
      assert.notInclude(reply.body, "<script>")
      assert.equal((yield* Effect.flip(server.result))._tag, "AuthorizationFailed")
    }))

  h.test("loopback: a callback without a code → missing_authorization_code page and MissingAuthorizationCode", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer(port)
      const reply = yield* h.get(port, `/auth/callback?code=&state=${Redacted.value(state)}`)
      assert.include(reply.body, "missing_authorization_code")
      assert.equal((yield* Effect.flip(server.result))._tag, "MissingAuthorizationCode")
    }))

  h.test("loopback: a foreign Host header is refused (403); unknown paths are 404; the login keeps waiting", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { codes, server } = yield* startServer(port)
      const rebound = yield* h.get(port, `/auth/callback?code=c&state=${Redacted.value(state)}`, `evil.example:${port}`)
      assert.equal(rebound.status, 403)
      assert.equal((yield* h.get(port, "/cancel", `127.0.0.1:${port + 1}`)).status, 403, "another port's host")
      const unknown = yield* h.get(port, "/favicon.ico", `localhost:${port}`)
      assert.equal(unknown.status, 404)
      assert.equal(unknown.body, "Not Found")
      const reply = yield* h.get(port, `/auth/callback?code=later&state=${Redacted.value(state)}`, `localhost:${port}`)
      assert.equal(reply.status, 302)
      assert.equal(yield* Deferred.await(codes), `later http://127.0.0.1:${port}/auth/callback`)
      yield* h.get(port, "/success")
      assert.deepEqual(yield* server.result, { tokens: "token-set" })
    }))

  h.test("loopback: the runtime's requestCancel (raw GET /cancel) interrupts the login holding the port", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const { server } = yield* startServer(port)
      yield* Effect.flatMap(listener, (service) => service.requestCancel(port))
      const error = yield* Effect.flip(server.result)
      assert.equal(error._tag, "LoginCancelled")
      // Nothing listening: still no failure.
      const idle = yield* freePort
      yield* Effect.flatMap(listener, (service) => service.requestCancel(idle))
    }))

  h.test("loopback listener: a held port is LoopbackPortInUse naming it; the port is free again after close", () =>
    Effect.gen(function*() {
      const service = yield* listener
      const scope = yield* Scope.make()
      const binding = yield* Scope.extend(service.serve({ port: 0, app: hello }), scope)
      assert.isTrue(binding.port > 0, "an ephemeral port was bound")
      const reply = yield* h.get(binding.port, "/")
      assert.equal(reply.body, "hello")
      const error = yield* Effect.flip(Effect.scoped(service.serve({ port: binding.port, app: hello })))
      assert.equal(error._tag, "LoopbackPortInUse")
      assert.include(error.message, `127.0.0.1:${binding.port}`)
      assert.include(error.message, "device code")
      yield* Scope.close(scope, Exit.void)
      const again = yield* Effect.scoped(service.serve({ port: binding.port, app: hello }))
      assert.equal(again.port, binding.port)
    }))

  h.test("loopback: when the login ends the server stops listening and the port can be bound again", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      yield* Effect.scoped(Effect.gen(function*() {
        const { server } = yield* startServer(port)
        yield* h.get(port, `/auth/callback?code=x&state=${Redacted.value(state)}`)
        yield* h.get(port, "/success")
        yield* server.result
      }))
      const service = yield* listener
      const rebound = yield* Effect.scoped(service.serve({ port, app: hello }))
      assert.equal(rebound.port, port)
    }))
}
