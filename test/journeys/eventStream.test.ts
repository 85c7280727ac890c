// The paste flow's authorize URL reaches the facade's event stream (PasteRequested), so a GUI can show it, and the
// console presenter prints it once and then the prompt.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ autoApprove: true })
})
afterAll(() => emulator.close())

/** What a person's browser ends on after the auto-approved authorize URL: the redirect to the paste flow's URI. */
const redirectOf = async (authorizeUrl: string) =>
  (await fetch(authorizeUrl, { redirect: "manual" })).headers.get("location") ?? ""

describe("the paste flow on the facade's event stream", () => {
  it("flow: paste — events() carries PasteRequested with the authorize URL before the login completes", async () => {
    const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "journey-events-"))
    const answered: Array<string> = []
    const auth = await CodexAuth.open({
      codexHome,
      issuer: emulator.url,
      flow: "paste",
      loginHandler: async (request) => {
        answered.push(request.authorizeUrl)
        return redirectOf(request.authorizeUrl)
      }
    })
    try {
      const seen: Array<CodexAuth.LoginEvent> = []
      const watching = (async () => {
        for await (const event of auth.events()) {
          seen.push(event)
          if (event._tag === "LoginSucceeded") return
        }
      })()
      const summary = await auth.login()
      await watching
      assert.strictEqual(summary.method, "paste")
      const requested = seen.find((event) => event._tag === "PasteRequested")
      assert.isDefined(requested, JSON.stringify(seen))
      if (requested?._tag !== "PasteRequested") return
      assert.strictEqual(requested.redirectUri, "http://127.0.0.1:1455/auth/callback")
      assert.deepStrictEqual(answered, [requested.authorizeUrl])
      assert.strictEqual(new URL(requested.authorizeUrl).origin, emulator.url)
      assert.isBelow(
        seen.indexOf(requested),
        seen.findIndex((event) => event._tag === "LoginSucceeded")
      )
    } finally {
      await auth.close()
    }
  })
})
