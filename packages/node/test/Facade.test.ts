import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ deviceInterval: "0" })
})
afterAll(() => emulator.close())

const tempHome = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-facade-"))

describe("CodexAuth (Promise facade)", () => {
  it("device login through events, then token, headers, refresh, recoverUnauthorized and logout", async () => {
    const codexHome = tempHome()
    const auth = await CodexAuth.open({ codexHome, issuer: emulator.url, flow: "device" })
    try {
      const seen: Array<string> = []
      const watching = (async () => {
        for await (const event of auth.events()) {
          seen.push(event._tag)
          if (event._tag === "DeviceCodeIssued") {
            assert.match(event.userCode, /^[A-Z0-9]{4}-[A-Z0-9]{4,5}$/)
            await emulator.admin.approveDeviceCode(event.userCode)
          }
          if (event._tag === "LoginSucceeded") return
        }
      })()
      const summary = await auth.login()
      await watching
      assert.strictEqual(summary.method, "device")
      assert.strictEqual(summary.email, "user@example.com")
      assert.deepStrictEqual(seen.slice(0, 1), ["DeviceCodeIssued"])
      assert.isTrue(seen.includes("LoginSucceeded"))
      assert.isTrue(Fs.existsSync(Path.join(codexHome, "auth.json")))

      const status = await auth.status()
      assert.isTrue(status.loggedIn)
      assert.instanceOf(status.accessTokenExpiresAt, Date)
      assert.strictEqual(status.location, Path.join(Fs.realpathSync(codexHome), "auth.json"))

      const token = await auth.getToken()
      const stored = JSON.parse(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"))
      assert.strictEqual(token, stored.tokens.access_token)
      const headers = await auth.getHeaders()
      assert.strictEqual(headers["authorization"], `Bearer ${token}`)
      assert.strictEqual(headers["chatgpt-account-id"], stored.tokens.account_id)

      await auth.refresh()
      const rotated = JSON.parse(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"))
      assert.notStrictEqual(rotated.tokens.refresh_token, stored.tokens.refresh_token)
      const recovered = await auth.recoverUnauthorized()
      assert.isString(recovered)

      const result = await auth.logout()
      assert.deepStrictEqual(result, { removed: true, revoke: "revoked" })
      assert.isFalse(Fs.existsSync(Path.join(codexHome, "auth.json")))
      assert.isFalse((await auth.status()).loggedIn)
    } finally {
      await auth.close()
    }
  })

  it("rejects with exported classes carrying a stable _tag", async () => {
    const auth = await CodexAuth.open({ codexHome: tempHome(), issuer: emulator.url })
    try {
      const error = await auth.getToken().then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, CodexAuth.LoginRequired)
      assert.strictEqual((error as CodexAuth.LoginRequired)._tag, "LoginRequired")
      assert.isTrue(CodexAuth.isCodexAuthError(error))
      assert.notInclude((error as Error).message, "eyJ")
    } finally {
      await auth.close()
    }
    const missing = await CodexAuth.open({ codexHome: "/nonexistent/codex-home" }).then(() => undefined, (e) => e)
    assert.instanceOf(missing, CodexAuth.CodexHomeNotFound)
  })

  it("loginOnDemand: getToken signs in through a custom login handler", async () => {
    await emulator.admin.updateSettings({ autoApprove: true })
    try {
      const handled: Array<string> = []
      const auth = await CodexAuth.open({
        codexHome: tempHome(),
        issuer: emulator.url,
        loginOnDemand: true,
        loginHandler: async ({ authorizeUrl, redirectUri }) => {
          handled.push(redirectUri)
          const response = await fetch(authorizeUrl, { redirect: "manual" })
          return response.headers.get("location") ?? ""
        }
      })
      try {
        const token = await auth.getToken()
        assert.isTrue(token.length > 20)
        assert.strictEqual(handled.length, 1)
        assert.isTrue((await auth.status()).loggedIn)
      } finally {
        await auth.close()
      }
    } finally {
      await emulator.admin.updateSettings({ autoApprove: false })
    }
  })

  it("close() (or the signal) stops a login in flight with CodexAuthClosed", async () => {
    const controller = new AbortController()
    const codexHome = tempHome()
    const auth = await CodexAuth.open({ codexHome, issuer: emulator.url, flow: "device", signal: controller.signal })
    const pending = auth.login().then(() => undefined, (e: unknown) => e)
    await emulator.admin.awaitPendingDeviceCode()
    controller.abort()
    const error = await pending
    assert.instanceOf(error, CodexAuth.CodexAuthClosed)
    assert.isFalse(Fs.existsSync(Path.join(codexHome, "auth.json")))
    const after = await auth.status().then(() => undefined, (e: unknown) => e)
    assert.instanceOf(after, CodexAuth.CodexAuthClosed)
  })
})
