// The Promise facade on Deno (CodexAuth.open from mod.ts) against the emulator on Deno.serve: a device login through
// the event iterator, then status, getToken, getHeaders, refresh, recoverUnauthorized and logout; the errors' `_tag`s.
import * as assert from "../../../test/shared/assert.ts"
import { CodexAuth } from "../mod.ts"
import { exists, readAuth, startEmulator, tempHome } from "./support/emulator.ts"

const options = { sanitizeOps: false, sanitizeResources: false }

Deno.test({
  name: "facade: device login through events(), status, getToken, getHeaders, refresh, recoverUnauthorized, logout",
  ...options,
  fn: async () => {
    const emulator = await startEmulator({ deviceInterval: "0" })
    const codexHome = await tempHome()
    const auth = await CodexAuth.open({ codexHome, issuer: emulator.url, flow: "device" })
    try {
      assert.isFalse((await auth.status()).loggedIn, "nobody is signed in yet")
      const seen: Array<string> = []
      const watching = (async () => {
        for await (const event of auth.events()) {
          seen.push(event._tag)
          if (event._tag === "DeviceCodeIssued") {
            assert.match(event.userCode, /^[A-Z0-9]{4}-[A-Z0-9]{4,5}$/)
            await emulator.run(emulator.admin.approveDeviceCode(event.userCode))
          }
          if (event._tag === "LoginSucceeded") return
        }
      })()
      const summary = await auth.login()
      await watching
      assert.deepEqual(summary, {
        method: "device",
        email: "user@example.com",
        accountId: (await readAuth(codexHome)).tokens.account_id,
        plan: "plus"
      })
      assert.equal(seen[0], "DeviceCodeIssued")
      assert.isTrue(seen.includes("LoginSucceeded"), "the iterator saw the success")

      const status = await auth.status()
      assert.isTrue(status.loggedIn)
      assert.equal(status.mode, "chatgpt")
      assert.equal(status.email, "user@example.com")
      assert.equal(status.store, "file")
      assert.equal(status.location, `${await Deno.realPath(codexHome)}/auth.json`)
      assert.isTrue(status.accessTokenExpiresAt instanceof Date, "the expiry is a Date")
      assert.isTrue(status.accessTokenExpiresAt!.getTime() > Date.now(), "the new token has not expired")

      const stored = await readAuth(codexHome)
      const token = await auth.getToken()
      assert.equal(token, stored.tokens.access_token)
      const headers = await auth.getHeaders()
      assert.equal(headers["authorization"], `Bearer ${token}`)
      assert.equal(headers["chatgpt-account-id"], stored.tokens.account_id)
      assert.equal(headers["originator"], "codex_cli_rs")
      assert.match(headers["user-agent"] ?? "", /^codex_cli_rs\/\S+ \(/)

      const refreshed = await auth.refresh()
      const rotated = await readAuth(codexHome)
      assert.notEqual(rotated.tokens.refresh_token, stored.tokens.refresh_token, "the refresh token rotated")
      assert.equal(refreshed.accessTokenExpiresAt?.getTime(), (await auth.status()).accessTokenExpiresAt?.getTime())
      assert.equal(await auth.getToken(), rotated.tokens.access_token)
      const recovered = await auth.recoverUnauthorized()
      assert.equal(recovered, (await readAuth(codexHome)).tokens.access_token)
      const grants = (await emulator.run(emulator.admin.requests)).filter((r) => r.grantType === "refresh_token")
      assert.equal(grants.length, 2, "refresh and recoverUnauthorized each made one grant")

      assert.deepEqual(await auth.logout(), { removed: true, revoke: "revoked" })
      assert.isFalse(await exists(`${codexHome}/auth.json`), "auth.json removed")
      assert.isFalse((await auth.status()).loggedIn)
    } finally {
      await auth.close()
      await emulator.close()
      await Deno.remove(codexHome, { recursive: true })
    }
  }
})

Deno.test({
  name: "facade: rejects with exported classes carrying a stable _tag; close() stops a login with CodexAuthClosed",
  ...options,
  fn: async () => {
    const emulator = await startEmulator({ deviceInterval: "0" })
    const codexHome = await tempHome()
    try {
      const auth = await CodexAuth.open({ codexHome, issuer: emulator.url })
      const error = await auth.getToken().then(() => undefined, (e: unknown) => e)
      assert.isTrue(error instanceof CodexAuth.LoginRequired, "LoginRequired, exported")
      assert.equal((error as CodexAuth.LoginRequired)._tag, "LoginRequired")
      assert.isTrue(CodexAuth.isCodexAuthError(error), "a codex-auth error")
      await auth.close()
      await auth.close()
      const closed = await auth.getHeaders().then(() => undefined, (e: unknown) => e)
      assert.isTrue(closed instanceof CodexAuth.CodexAuthClosed, "closed")
      assert.equal((closed as CodexAuth.CodexAuthClosed)._tag, "CodexAuthClosed")

      const missing = await CodexAuth.open({ codexHome: `${codexHome}/nonexistent` }).then(() => undefined, (e) => e)
      assert.isTrue(missing instanceof CodexAuth.CodexHomeNotFound, "CodexHomeNotFound")
      assert.equal((missing as CodexAuth.CodexHomeNotFound)._tag, "CodexHomeNotFound")
      assert.include((missing as Error).message, "nonexistent")

      const controller = new AbortController()
      const signalled = await CodexAuth.open({
        codexHome,
        issuer: emulator.url,
        flow: "device",
        signal: controller.signal
      })
      const pending = signalled.login().then(() => undefined, (e: unknown) => e)
      await emulator.run(emulator.admin.awaitPendingDeviceCode())
      controller.abort()
      const stopped = await pending
      assert.isTrue(stopped instanceof CodexAuth.CodexAuthClosed, "the login in flight was stopped")
      assert.isFalse(await exists(`${codexHome}/auth.json`), "nothing was saved")
    } finally {
      await emulator.close()
      await Deno.remove(codexHome, { recursive: true })
    }
  }
})
