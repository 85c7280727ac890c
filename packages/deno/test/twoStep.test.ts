// The facade's two-step login on Deno (issue 21): begun and finished on two Deno instances, replay and tampering
// refused; and a pending login sealed on Deno finished by a Node process (WebCrypto on both, one format).
import * as assert from "../../../test/shared/assert.ts"
import { CodexAuth } from "../mod.ts"
import { exists, readAuth, startEmulator, tempHome } from "./support/emulator.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))

const callbackOf = async (authorizeUrl: string): Promise<string> => {
  const response = await fetch(authorizeUrl, { redirect: "manual" })
  await response.body?.cancel()
  return response.headers.get("location") ?? ""
}

const tagOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(() => "resolved", (error: { readonly _tag?: string }) => error._tag ?? "untagged")

Deno.test({
  name: "two-step: begin on one Deno instance, finish on another; replayed and tampered values refused",
  ...options,
  fn: async () => {
    const emulator = await startEmulator({ autoApprove: true })
    const codexHome = await tempHome()
    try {
      const first = await CodexAuth.open({ codexHome, issuer: emulator.url, sealKey: key })
      const pending = await first.beginLogin()
      await first.close()
      assert.deepEqual(Object.keys(pending).sort(), ["authorizeUrl", "expiresAt", "id", "redirectUri", "sealed", "v"])
      const callback = await callbackOf(pending.authorizeUrl)
      const second = await CodexAuth.open({ codexHome, issuer: emulator.url, sealKey: key })
      try {
        const tampered = { ...pending, expiresAt: new Date(Date.parse(pending.expiresAt) + 60_000).toISOString() }
        assert.equal(await tagOf(second.finishLogin(tampered, callback)), "PendingLoginInvalid")
        assert.isFalse(await exists(`${codexHome}/auth.json`), "nothing saved")
        const summary = await second.finishLogin(JSON.stringify(pending), callback)
        assert.equal(summary.email, "user@example.com")
        const saved = await readAuth(codexHome)
        assert.equal(saved.tokens.account_id, summary.accountId ?? "")
        assert.equal(await tagOf(second.finishLogin(pending, callback)), "PendingLoginConsumed")
        assert.equal(CodexAuth.accountIdOf(saved.tokens.id_token), summary.accountId)
        assert.deepEqual(CodexAuth.headersFor(saved.tokens.access_token), await second.getHeaders())
      } finally {
        await second.close()
      }
      const none = await CodexAuth.open({ codexHome, issuer: emulator.url })
      try {
        assert.equal(
          await tagOf(none.beginLogin()),
          Deno.env.get("CODEX_AUTH_STORE_KEY") ? "resolved" : "PendingLoginKeyMissing"
        )
      } finally {
        await none.close()
      }
    } finally {
      await emulator.close()
    }
  }
})

Deno.test({
  name: "two-step: sealed on Deno, finished by a Node process over the same CODEX_HOME",
  ...options,
  fn: async () => {
    const emulator = await startEmulator({ autoApprove: true })
    const codexHome = await tempHome()
    try {
      const auth = await CodexAuth.open({ codexHome, issuer: emulator.url, sealKey: key })
      const pending = await auth.beginLogin()
      await auth.close()
      const callback = await callbackOf(pending.authorizeUrl)
      const script = `
        import { CodexAuth } from "@codex-auth/node"
        const auth = await CodexAuth.open()
        try {
          const who = await auth.finishLogin(process.env.PENDING, process.env.CALLBACK_URL)
          console.log("finished " + who.email)
        } catch (error) {
          console.log("failed " + error._tag)
        } finally {
          await auth.close()
        }
      `
      const run = () =>
        new Deno.Command("node", {
          args: ["--input-type=module", "-e", script],
          cwd: new URL("../../..", import.meta.url).pathname,
          env: {
            CODEX_HOME: codexHome,
            CODEX_AUTH_ISSUER: emulator.url,
            CODEX_AUTH_STORE_KEY: key,
            PENDING: JSON.stringify(pending),
            CALLBACK_URL: callback
          },
          stdout: "piped",
          stderr: "piped"
        }).output()
      const finished = await run()
      assert.equal(
        new TextDecoder().decode(finished.stdout).trim(),
        "finished user@example.com",
        new TextDecoder().decode(finished.stderr)
      )
      assert.isTrue(await exists(`${codexHome}/auth.json`), "Node saved the login Deno began")
      const replayed = await run()
      assert.equal(new TextDecoder().decode(replayed.stdout).trim(), "failed PendingLoginConsumed")
    } finally {
      await emulator.close()
    }
  }
})
