// Issue 13 for the Promise facade: `close()` (or the open signal aborting) while a refresh grant is in flight waits for
// the issuer's answer and saves it, so the rotated refresh token is never dropped. The emulator over HTTP rotates at
// once and holds its answer back; real files.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const authText = (
  minted: { id_token: string; access_token: string; refresh_token: string; account_id: string },
  issuer: string
) =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: "app_EMoamEEZ73f0CkXaXp7hrann" },
        account_id: minted.account_id
      },
      last_refresh: "2026-11-21T22:18:32.564613152Z"
    },
    null,
    2
  )

const refreshGrants = async (emulator: StartedEmulatorPromise) =>
  (await emulator.admin.requests()).filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")

const until = async (what: string, check: () => Promise<boolean>) => {
  const deadline = Date.now() + 60_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const settle = (promise: Promise<unknown>) =>
  promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }))

describe("CodexAuth facade: a refresh in flight survives close()", () => {
  for (const how of ["close()", "the open signal"] as const) {
    it(`${how} during the grant: the caller is released, the answer is saved, the next instance needs no grant`, async () => {
      const emulator = await startEmulatorPromise()
      const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-neverlose-"))
      try {
        const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        Fs.writeFileSync(Path.join(home, "auth.json"), authText(minted, emulator.url), { mode: 0o600 })
        await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 1_500 })
        const controller = new AbortController()
        const auth = await CodexAuth.open({ codexHome: home, issuer: emulator.url, signal: controller.signal })
        const token = settle(auth.getToken())
        await until("the grant", async () => (await refreshGrants(emulator)).length === 1)
        if (how === "close()") await auth.close()
        else {
          controller.abort()
          await auth.close()
        }
        const result = await token
        assert.isFalse(result.ok, "a closed instance answers nothing more")
        if (!result.ok) assert.strictEqual((result.error as { _tag?: string })._tag, "CodexAuthClosed")
        // close() returned only after the answer was kept.
        const saved = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"))
        assert.notStrictEqual(saved.tokens.refresh_token, minted.refresh_token, "the rotated tokens were dropped")
        const again = await CodexAuth.open({ codexHome: home, issuer: emulator.url })
        try {
          assert.strictEqual(await again.getToken(), saved.tokens.access_token)
        } finally {
          await again.close()
        }
        assert.strictEqual((await refreshGrants(emulator)).length, 1, "the spent token was never presented again")
      } finally {
        Fs.rmSync(home, { recursive: true, force: true })
        await emulator.close()
      }
    })
  }
})
