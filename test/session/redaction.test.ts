// An issuer whose error body echoes the secret we sent, partially (the refresh token minus its last 3 characters, or
// a slice of it): the emulator's fault injection answers the refresh grant with that text; no ≥ 12-character run
// of the token may reach the error's message, String() or JSON. The token has no digits, so only the held-secret
// redaction (Redact.secrets) can catch it, not scrub's look-alike heuristics.
import * as Session from "@codex-auth/core/Session"
import { startEmulator } from "@codex-auth/emulator/node"
import * as NodeSession from "@codex-auth/node/NodeSession"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, tempCodexHome, writeAuthJson } from "./fixtures.ts"

const refreshToken = "rt_ZqWxEcRvTbYnUmIoPlKjHgFdSaQwErTyUiOpAsDfGhJkLzXcVbNm"

const sessionIn = (codexHome: string, issuer: string) =>
  Effect.flatMap(
    Layer.build(
      NodeSession.layer({ profile: { issuer }, refreshRetries: 0 }).pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", codexHome]]))))
      )
    ),
    (context) => Effect.succeed(Context.get(context, Session.Session))
  )

const assertNoRun = (text: string) => {
  for (let start = 0; start + 12 <= refreshToken.length; start++) {
    assert.notInclude(text, refreshToken.slice(start, start + 12))
  }
}

describe("issuer error bodies echoing our secrets", () => {
  for (
    const [name, fault] of [
      ["a 400 refresh_token_reused whose description is the token minus 3 characters", {
        kind: "error_code",
        code: "refresh_token_reused",
        status: 400,
        description: `Refresh token ${refreshToken.slice(0, -3)} was already used.`
      }],
      ["a 503 whose OpenAI-style message holds a slice of the token", {
        kind: "error_code",
        code: "server_busy",
        status: 503,
        style: "openai",
        description: `upstream said: token=${refreshToken.slice(5, 30)}; retry later`
      }]
    ] as const
  ) {
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        const text = authJsonText({ ...minted, refresh_token: refreshToken }, emulator.url)
        writeAuthJson(home, text)
        yield* emulator.admin.addFault({ path: "/oauth/token", grantType: "refresh_token", ...fault })
        const session = yield* sessionIn(home, emulator.url)
        const error = yield* Effect.flip(session.getToken)
        assert.include(["RefreshTokenRejected", "RefreshTransientError"], error._tag)
        // The detail (kept on the error, shown by transient errors' messages) still says what the issuer said.
        assert.include((error as { detail: string }).detail, "[redacted]")
        assertNoRun(error.message)
        assertNoRun(String(error))
        assertNoRun(JSON.stringify(error))
        const grants = (yield* emulator.admin.requests).filter((r) => r.grantType === "refresh_token")
        assert.strictEqual(grants.length, 1)
        assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), text, "stored auth untouched")
      }))
  }
})
