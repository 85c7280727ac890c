import { LoopbackListener, LoopbackListenFailed, LoopbackPortInUse } from "@codex-auth/core/LoopbackListener"
import * as LoopbackServer from "@codex-auth/core/LoopbackServer"
import * as HttpApp from "@effect/platform/HttpApp"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { escapeHtml } from "../src/internal/loopback/pages.ts"

interface Attempt {
  readonly port: number
  readonly at: number
}

/** An in-memory listener: `held` ports refuse to bind `holdFor` times; served apps are kept for requests. */
const fakeListener = (options: { readonly held: ReadonlyMap<number, number>; readonly failing?: number }) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make<ReadonlyArray<Attempt>>([])
    const cancels = yield* Ref.make<ReadonlyArray<number>>([])
    const apps = new Map<number, (request: Request) => Promise<Response>>()
    const refusals = new Map(options.held)
    const layer = Layer.succeed(
      LoopbackListener,
      LoopbackListener.of({
        serve: ({ app, port }) =>
          Effect.gen(function*() {
            const at = yield* TestClock.currentTimeMillis
            yield* Ref.update(attempts, (all) => [...all, { port, at }])
            if (port === options.failing) return yield* new LoopbackListenFailed({ port, reason: "EACCES" })
            const left = refusals.get(port) ?? 0
            if (left > 0) {
              refusals.set(port, left - 1)
              return yield* new LoopbackPortInUse({ port })
            }
            apps.set(port, HttpApp.toWebHandler(app))
            yield* Effect.addFinalizer(() => Effect.sync(() => apps.delete(port)))
            return { port }
          }),
        requestCancel: (port) => Ref.update(cancels, (all) => [...all, port])
      })
    )
    return { layer, attempts, cancels, apps }
  })

const state = Redacted.make("the-state")
const start = (ports: ReadonlyArray<number>) =>
  LoopbackServer.start({
    ports,
    callbackPath: "/auth/callback",
    state,
    onCode: () => Effect.succeed({ value: "ok", successQuery: [["plan_type", "<pro>"]] as const })
  })

describe("LoopbackServer binding (in-memory listener, TestClock)", () => {
  it.scoped("a held port: one /cancel, then a bind every 200 ms, 10 times; then the next port", () =>
    Effect.gen(function*() {
      const fake = yield* fakeListener({ held: new Map([[1455, 100]]) })
      const fiber = yield* Effect.fork(Effect.provide(start([1455, 1457]), fake.layer))
      yield* TestClock.adjust("5 seconds")
      const server = yield* Fiber.join(fiber)
      assert.strictEqual(server.port, 1457)
      assert.strictEqual(server.redirectUri, "http://127.0.0.1:1457/auth/callback")
      const attempts = yield* Ref.get(fake.attempts)
      const on1455 = attempts.filter((attempt) => attempt.port === 1455)
      assert.strictEqual(on1455.length, 11)
      assert.deepStrictEqual(on1455.map((attempt) => attempt.at), [
        0,
        200,
        400,
        600,
        800,
        1000,
        1200,
        1400,
        1600,
        1800,
        2000
      ])
      assert.deepStrictEqual(yield* Ref.get(fake.cancels), [1455])
      assert.deepStrictEqual([...new Set(attempts.map((attempt) => attempt.port))], [1455, 1457])
    }))

  it.scoped("the holder lets go after /cancel → the same port on the next retry", () =>
    Effect.gen(function*() {
      const fake = yield* fakeListener({ held: new Map([[1455, 3]]) })
      const fiber = yield* Effect.fork(Effect.provide(start([1455, 1457]), fake.layer))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).port, 1455)
      assert.strictEqual((yield* Ref.get(fake.attempts)).length, 4)
    }))

  it.scoped("both held → LoopbackUnavailable; never a port outside the list", () =>
    Effect.gen(function*() {
      const fake = yield* fakeListener({ held: new Map([[1455, 100], [1457, 100]]) })
      const fiber = yield* Effect.fork(Effect.provide(start([1455, 1457]), fake.layer))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "LoopbackUnavailable")
      assert.include(error.message, "127.0.0.1:1455 and 127.0.0.1:1457")
      assert.include(error.message, "--device-auth")
      assert.deepStrictEqual([...new Set((yield* Ref.get(fake.attempts)).map((attempt) => attempt.port))], [1455, 1457])
    }))

  it.scoped("another listen failure is reported as it is, without trying further ports", () =>
    Effect.gen(function*() {
      const fake = yield* fakeListener({ held: new Map(), failing: 1455 })
      const error = yield* Effect.flip(Effect.provide(start([1455, 1457]), fake.layer))
      assert.strictEqual(error._tag, "LoopbackListenFailed")
      assert.strictEqual((yield* Ref.get(fake.attempts)).length, 1)
    }))

  it.scoped("the served app: 302 with the success query, then the success page; released with the scope", () =>
    Effect.gen(function*() {
      const fake = yield* fakeListener({ held: new Map() })
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* Effect.provide(start([1455]), fake.layer)
        const handler = fake.apps.get(1455)!
        const redirect = yield* Effect.promise(() =>
          handler(
            new Request("http://127.0.0.1:1455/auth/callback?code=c&state=the-state", {
              headers: { host: "127.0.0.1:1455" }
            })
          )
        )
        assert.strictEqual(redirect.status, 302)
        assert.strictEqual(redirect.headers.get("location"), "/success?plan_type=%3Cpro%3E")
        const page = yield* Effect.promise(() =>
          handler(new Request("http://127.0.0.1:1455/success", { headers: { host: "localhost:1455" } }))
        )
        assert.strictEqual(page.headers.get("content-type"), "text/html; charset=utf-8")
        assert.strictEqual(yield* server.result, "ok")
        const noHost = yield* Effect.promise(() => handler(new Request("http://127.0.0.1:1455/cancel")))
        assert.strictEqual(noHost.status, 403)
      }))
      assert.isFalse(fake.apps.has(1455))
    }))
})

describe("HTML escaping", () => {
  it("escapes & < > \" '", () => {
    assert.strictEqual(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
    )
  })
})
