// The sealed pending login (issue 21): the format round-trips, every public field is authenticated, the secrets
// are encrypted (not merely encoded), and keys are checked — pure WebCrypto, as on Deno.
import * as FacadeError from "@codex-auth/facade/FacadeError"
import * as PendingLogin from "@codex-auth/facade/PendingLogin"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"

const rawKey = new Uint8Array(32).map((_, i) => i + 1)
const secrets: PendingLogin.Secrets = {
  state: Redacted.make("state-0123456789-abcdefghijklmnopqrstuvwxyz"),
  codeVerifier: Redacted.make("verifier-".repeat(9)),
  workspaceIds: ["ws-1", "ws-2"],
  issuer: "https://auth.example",
  clientId: "app_test"
}
const fields = {
  id: "AAAAAAAAAAAAAAAAAAAAAA",
  authorizeUrl: "https://auth.example/oauth/authorize?state=x",
  redirectUri: "http://127.0.0.1:1455/auth/callback",
  expiresAt: "2026-12-03T10:00:00.000Z"
}

describe("PendingLogin", () => {
  it.effect("seal → unseal gives the secrets back; the sealed text carries none of them", () =>
    Effect.gen(function*() {
      const key = yield* PendingLogin.importKey("sealKey", rawKey)
      const pending = yield* PendingLogin.seal(key, fields, secrets)
      assert.deepStrictEqual({ ...pending, sealed: "" }, { v: 1, ...fields, sealed: "" })
      const text = JSON.stringify(pending)
      for (const secret of [Redacted.value(secrets.state), Redacted.value(secrets.codeVerifier), "ws-1"]) {
        assert.notInclude(text, secret)
        assert.notInclude(new TextDecoder().decode(Either.getOrThrow(Encoding.decodeBase64Url(pending.sealed))), secret)
      }
      const opened = yield* PendingLogin.unseal(key, text)
      assert.deepStrictEqual(opened.pending, pending)
      assert.strictEqual(Redacted.value(opened.secrets.state), Redacted.value(secrets.state))
      assert.strictEqual(Redacted.value(opened.secrets.codeVerifier), Redacted.value(secrets.codeVerifier))
      assert.deepStrictEqual(opened.secrets.workspaceIds, ["ws-1", "ws-2"])
      assert.strictEqual(opened.secrets.issuer, "https://auth.example")
      // A fresh IV each time: the same secrets never seal to the same text.
      assert.notStrictEqual((yield* PendingLogin.seal(key, fields, secrets)).sealed, pending.sealed)
    }))

  it.effect("every public field is authenticated; another key does not open it", () =>
    Effect.gen(function*() {
      const key = yield* PendingLogin.importKey("sealKey", rawKey)
      const pending = yield* PendingLogin.seal(key, fields, secrets)
      const variants = [
        { ...pending, id: "BAAAAAAAAAAAAAAAAAAAAA" },
        { ...pending, authorizeUrl: pending.authorizeUrl + "&x=1" },
        { ...pending, redirectUri: "http://127.0.0.1:1457/auth/callback" },
        { ...pending, expiresAt: "2027-12-03T10:00:00.000Z" }
      ]
      for (const variant of variants) {
        const error = yield* Effect.flip(PendingLogin.unseal(key, variant))
        assert.instanceOf(error, FacadeError.PendingLoginInvalid)
      }
      const other = yield* PendingLogin.importKey(
        "CODEX_AUTH_STORE_KEY",
        Encoding.encodeBase64(rawKey.map((b) => b ^ 1))
      )
      const error = yield* Effect.flip(PendingLogin.unseal(other, pending))
      assert.include(error.message, "another key")
    }))

  it.effect("keys: 32 bytes raw, base64 or base64url; anything else is PendingLoginKeyInvalid", () =>
    Effect.gen(function*() {
      const fromRaw = yield* PendingLogin.importKey("sealKey", rawKey)
      const pending = yield* PendingLogin.seal(fromRaw, fields, secrets)
      for (
        const text of [
          Encoding.encodeBase64(rawKey),
          Encoding.encodeBase64Url(rawKey),
          ` ${Encoding.encodeBase64(rawKey)}\n`
        ]
      ) {
        const key = yield* PendingLogin.importKey("CODEX_AUTH_STORE_KEY", text)
        assert.strictEqual((yield* PendingLogin.unseal(key, pending)).pending.id, fields.id)
      }
      for (
        const bad of [
          new Uint8Array(31),
          new Uint8Array(33),
          "",
          "abc",
          "!!!!",
          Encoding.encodeBase64(new Uint8Array(16))
        ]
      ) {
        const error = yield* Effect.flip(PendingLogin.importKey("sealKey", bad))
        assert.instanceOf(error, FacadeError.PendingLoginKeyInvalid)
        assert.include(error.message, "openssl rand -base64 32")
      }
    }))
})
