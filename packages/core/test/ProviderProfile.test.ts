import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ProviderProfile from "../src/ProviderProfile.ts"

const readProfile = (env: Record<string, string>, overrides?: ProviderProfile.Overrides) =>
  ProviderProfile.ProviderProfile.pipe(
    Effect.provide(
      ProviderProfile.layerConfig(overrides).pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
      )
    )
  )

describe("ProviderProfile", () => {
  it("openAI holds the constants of PROTOCOL.md §1", () => {
    const p = ProviderProfile.openAI
    assert.strictEqual(p.issuer, "https://auth.openai.com")
    assert.strictEqual(p.clientId, "app_EMoamEEZ73f0CkXaXp7hrann")
    assert.deepStrictEqual(p.scopes, [
      "openid",
      "profile",
      "email",
      "offline_access",
      "api.connectors.read",
      "api.connectors.invoke"
    ])
    assert.deepStrictEqual(p.loopbackPorts, [1455, 1457])
    assert.strictEqual(p.callbackPath, "/auth/callback")
    assert.strictEqual(p.originator, "codex_cli_rs")
    assert.strictEqual(p.authorizeUrl, "https://auth.openai.com/oauth/authorize")
    assert.strictEqual(p.tokenUrl, "https://auth.openai.com/oauth/token")
    assert.strictEqual(p.refreshTokenUrl, "https://auth.openai.com/oauth/token")
    assert.strictEqual(p.revokeTokenUrl, "https://auth.openai.com/oauth/revoke")
    assert.strictEqual(p.deviceUserCodeUrl, "https://auth.openai.com/api/accounts/deviceauth/usercode")
    assert.strictEqual(p.deviceTokenUrl, "https://auth.openai.com/api/accounts/deviceauth/token")
    assert.strictEqual(p.deviceVerificationUrl, "https://auth.openai.com/codex/device")
    assert.strictEqual(p.deviceRedirectUri, "https://auth.openai.com/deviceauth/callback")
    assert.isTrue(Duration.equals(p.deviceCodeLifetime, Duration.minutes(15)))
    assert.strictEqual(p.platformUrl, "https://platform.openai.com")
    assert.isTrue(Duration.equals(p.revokeTimeout, Duration.seconds(10)))
    assert.isTrue(Duration.equals(p.requestTimeout, Duration.seconds(30)))
    assert.strictEqual(p.userAgent, "codex_cli_rs/0.169.0")
    assert.strictEqual(ProviderProfile.redirectUri(p, 1457), "http://127.0.0.1:1457/auth/callback")
  })

  it("derives every URL from a trimmed issuer", () => {
    const p = ProviderProfile.make({ issuer: "http://127.0.0.1:4010//" })
    assert.strictEqual(p.issuer, "http://127.0.0.1:4010")
    assert.strictEqual(p.authorizeUrl, "http://127.0.0.1:4010/oauth/authorize")
    assert.strictEqual(p.tokenUrl, "http://127.0.0.1:4010/oauth/token")
    assert.strictEqual(p.refreshTokenUrl, "http://127.0.0.1:4010/oauth/token")
    assert.strictEqual(p.revokeTokenUrl, "http://127.0.0.1:4010/oauth/revoke")
    assert.strictEqual(p.deviceUserCodeUrl, "http://127.0.0.1:4010/api/accounts/deviceauth/usercode")
    assert.strictEqual(p.deviceTokenUrl, "http://127.0.0.1:4010/api/accounts/deviceauth/token")
    assert.strictEqual(p.deviceVerificationUrl, "http://127.0.0.1:4010/codex/device")
    assert.strictEqual(p.deviceRedirectUri, "http://127.0.0.1:4010/deviceauth/callback")
    // upstream: any other issuer links to the staging platform
    assert.strictEqual(p.platformUrl, "https://platform.api.openai.org")
    assert.strictEqual(
      ProviderProfile.make({ issuer: "https://auth.openai.com/" }).platformUrl,
      "https://platform.openai.com"
    )
  })

  it("keeps explicit overrides and derives the rest", () => {
    const p = ProviderProfile.make({
      issuer: "https://id.example.com",
      tokenUrl: "https://tokens.example.com/t",
      originator: "my_app",
      loopbackPorts: [9000]
    })
    assert.strictEqual(p.tokenUrl, "https://tokens.example.com/t")
    assert.strictEqual(p.refreshTokenUrl, "https://id.example.com/oauth/token")
    assert.deepStrictEqual(p.loopbackPorts, [9000])
    assert.strictEqual(p.userAgent, "my_app/0.169.0")
  })

  it.effect("layerConfig: no env gives the derived URLs", () =>
    Effect.gen(function*() {
      const p = yield* readProfile({}, { issuer: "http://127.0.0.1:1234" })
      assert.strictEqual(p.refreshTokenUrl, "http://127.0.0.1:1234/oauth/token")
      assert.strictEqual(p.revokeTokenUrl, "http://127.0.0.1:1234/oauth/revoke")
      assert.strictEqual(p.issuer, "http://127.0.0.1:1234")
    }))

  it.effect("layerConfig: CODEX_*_OVERRIDE win over the issuer", () =>
    Effect.gen(function*() {
      const p = yield* readProfile({
        CODEX_REFRESH_TOKEN_URL_OVERRIDE: "http://127.0.0.1:7000/refresh",
        CODEX_REVOKE_TOKEN_URL_OVERRIDE: "http://127.0.0.1:7000/revoke"
      }, { refreshTokenUrl: "http://ignored.example/token" })
      assert.strictEqual(p.refreshTokenUrl, "http://127.0.0.1:7000/refresh")
      assert.strictEqual(p.revokeTokenUrl, "http://127.0.0.1:7000/revoke")
      assert.strictEqual(p.tokenUrl, "https://auth.openai.com/oauth/token")
    }))

  it.effect("layerConfig: empty env values count as unset", () =>
    Effect.gen(function*() {
      const p = yield* readProfile({ CODEX_REFRESH_TOKEN_URL_OVERRIDE: "", CODEX_REVOKE_TOKEN_URL_OVERRIDE: "  " })
      assert.strictEqual(p.refreshTokenUrl, "https://auth.openai.com/oauth/token")
      assert.strictEqual(p.revokeTokenUrl, "https://auth.openai.com/oauth/revoke")
    }))

  it.effect("layer provides the given profile", () =>
    Effect.gen(function*() {
      const p = yield* ProviderProfile.ProviderProfile
      assert.strictEqual(p.clientId, "other")
    }).pipe(Effect.provide(ProviderProfile.layer(ProviderProfile.make({ clientId: "other" })))))
})
