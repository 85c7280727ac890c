// The refresh grant is uninterruptible from outside (a signal, close()) but its own bound still applies: a hung
// issuer ends the grant after `refreshTimeout`, releasing auth.lock. The real OAuth client over HTTP (a server that
// never answers), the file store over in-memory files, the TestClock.
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { Buffer } from "node:buffer"
import * as Wire from "./utils/wire.ts"

const home = "/codex"
const authFile = `${home}/auth.json`
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (claims: unknown) => `${b64({ alg: "none" })}.${b64(claims)}.c2ln`
const auth = { chatgpt_account_id: "acct-1", chatgpt_plan_type: "pro" }
const expired = JSON.stringify({
  auth_mode: "chatgpt",
  OPENAI_API_KEY: null,
  tokens: {
    id_token: jwt({ email: "user@example.com", "https://api.openai.com/auth": auth }),
    access_token: jwt({ exp: 1, "https://api.openai.com/auth": auth }),
    refresh_token: "rt-1-long-enough",
    account_id: "acct-1"
  },
  last_refresh: "1970-01-01T00:00:00Z"
})

describe("Session: the grant's own bound", () => {
  it.scoped("a hung issuer: the grant ends after refreshTimeout (15 s), ambiguous, never retried; auth.lock free", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(3_600_000)
      const server = yield* Wire.make(() => ({ status: 200, hang: true }))
      const files = yield* SecretFile.makeMemory({ directories: [home] })
      yield* Effect.orDie(files.writeAtomic(authFile, expired, { mode: 0o600 }))
      const context = Layer.mergeAll(
        FileCredentialStore.layer.pipe(
          Layer.provideMerge(CodexHome.layer(home)),
          Layer.provide(Layer.succeed(SecretFile.SecretFile, files))
        ),
        OAuthClient.layer.pipe(Layer.provide(FetchHttpClient.layer)),
        ProviderProfile.layer(ProviderProfile.make({ issuer: server.url, requestTimeout: Duration.seconds(30) }))
      ).pipe(Layer.provideMerge(ProviderProfile.layer(ProviderProfile.make({ issuer: server.url }))))
      const session = yield* Session.make({ refreshRetries: 3 }).pipe(Effect.provide(context))
      const fiber = yield* Effect.fork(Effect.flip(session.getToken))
      yield* server.awaitRequests(1)
      while (!Chunk.some(yield* TestClock.sleeps(), (at) => at === 3_600_000 + 15_000)) yield* Effect.yieldNow()
      yield* TestClock.adjust(Duration.seconds(15))
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RefreshTransientError")
      if (error._tag === "RefreshTransientError") assert.strictEqual(error.kind, "ambiguous")
      assert.strictEqual(server.requests.length, 1, "an ambiguous grant is not sent again")
      // The lock is free again: another writer takes it at once.
      const locked = yield* Effect.scoped(files.lock(`${home}/auth.lock`, { timeoutMillis: 1_000 })).pipe(Effect.option)
      assert.isTrue(Option.isSome(locked))
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(files.read(authFile))), expired)
    }))
})
