// `@codex-auth/emulator/node` (the former `testing` entry): Effect (scoped) and Promise APIs start an emulator on an ephemeral port and stop it.
import { startEmulator, startEmulatorPromise } from "@codex-auth/emulator/node"
import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { expect, it as plainIt } from "vitest"

it.effect("startEmulator serves until its scope closes", () =>
  Effect.gen(function*() {
    const url = yield* Effect.scoped(
      Effect.gen(function*() {
        const started = yield* startEmulator({ deviceInterval: "0" })
        assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/)
        const settings = yield* started.admin.settings
        assert.strictEqual(settings.deviceInterval, "0")
        assert.strictEqual(started.admin.baseUrl, started.url)
        return started.url
      })
    )
    const after = yield* Effect.either(Effect.tryPromise(() => fetch(`${url}/__emulator/settings`)))
    assert.strictEqual(after._tag, "Left")
  }))

plainIt("startEmulatorPromise exposes a Promise admin client and close()", async () => {
  const emulator = await startEmulatorPromise({ autoApprove: true })
  try {
    const minted = await emulator.admin.mintTokens({ email: "user@example.com" })
    expect(minted.refresh_token).toMatch(/^rt_/)
    await emulator.admin.addFault({ path: "/oauth/token", kind: "status", status: 503 })
    const answer = await fetch(`${emulator.url}/oauth/token`, { method: "POST" })
    expect(answer.status).toBe(503)
    const log = await emulator.admin.requests()
    expect(log.map((entry) => entry.fault)).toEqual(["status"])
    await expect(emulator.admin.approveDeviceCode("NOPE-NOPE")).rejects.toThrow(/device code/)
  } finally {
    await emulator.close()
    await emulator.close()
  }
  await expect(fetch(`${emulator.url}/__emulator/settings`)).rejects.toThrow()
})
