// The browser login persists the moment the code exchange (and the workspace check) succeeded, over the real loopback
// server and the emulator: a client that GETs the callback and never follows the 302 still leaves auth.json written
// and the login succeeds; a /cancel after the exchange (any web page can fire one) changes nothing.
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import { afterEach, assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const emulators: Array<StartedEmulatorPromise> = []
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()))
})

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** One GET that does not follow redirects. */
const get = (url: string) =>
  new Promise<{ status: number; location: string | undefined; body: string }>((resolve, reject) => {
    Http.get(url, (response) => {
      let body = ""
      response.on("data", (chunk) => (body += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, body }))
    }).on("error", reject)
  })

/** Opens a browser-flow instance, starts its login, and returns the callback URL the emulator redirected to. */
const startLogin = async (onDemand = false) => {
  const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-persist-"))
  const port = await freePort()
  // The issuer allow-lists the redirect URI's port.
  const emulator = await startEmulatorPromise({ autoApprove: true, redirectPorts: [port] })
  emulators.push(emulator)
  let authorizeUrl: ((url: string) => void) | undefined
  const authorize = new Promise<string>((resolve) => (authorizeUrl = resolve))
  const auth = await CodexAuth.open({
    codexHome,
    issuer: emulator.url,
    flow: "browser",
    openBrowser: false,
    loopbackPorts: [port],
    loginTimeoutMillis: 60_000,
    loginOnDemand: onDemand,
    presenter: (event) => {
      if (event._tag === "BrowserLoginStarted") authorizeUrl!(event.authorizeUrl)
      // "Logged in" is announced only for saved tokens.
      if (event._tag === "LoginSucceeded") announcedSaved.push(Fs.existsSync(authFile(codexHome)))
    }
  })
  const announcedSaved: Array<boolean> = []
  // On demand: the session's own login, started by a getToken that finds no credentials.
  const login: Promise<unknown> = onDemand ? auth.getToken() : auth.login()
  login.catch(() => undefined)
  // The emulator auto-approves: the authorize URL answers with a redirect to our loopback callback.
  const consent = await get(await authorize)
  assert.strictEqual(consent.status, 302)
  assert.match(consent.location ?? "", new RegExp(`^http://127\\.0\\.0\\.1:${port}/auth/callback\\?`))
  return { auth, login, codexHome, port, callback: consent.location!, announcedSaved }
}

const authFile = (codexHome: string) => Path.join(codexHome, "auth.json")

describe("browser login persists at the exchange", () => {
  it("a callback whose 302 is never followed: auth.json is written before the redirect; the login succeeds", {
    timeout: 60_000
  }, async () => {
    const { auth, callback, codexHome, login, port } = await startLogin()
    try {
      assert.isFalse(Fs.existsSync(authFile(codexHome)))
      const redirect = await get(callback)
      assert.strictEqual(redirect.status, 302)
      assert.match(redirect.location ?? "", /^\/success\?/)
      // Saved before the 302 was sent, not when (if ever) /success is loaded.
      assert.isTrue(Fs.existsSync(authFile(codexHome)), "auth.json written when the 302 arrives")
      const stored = JSON.parse(Fs.readFileSync(authFile(codexHome), "utf8"))
      assert.strictEqual(stored.tokens.account_id, Emulator.defaultUser.accountId)
      const summary = (await login) as CodexAuth.LoginSummary
      assert.strictEqual(summary.method, "browser")
      assert.strictEqual(await auth.getToken(), stored.tokens.access_token)
      // The server is gone once the login ended.
      await get(`http://127.0.0.1:${port}/success`).then(
        () => assert.fail("the loopback server should be closed"),
        (error: NodeJS.ErrnoException) => assert.strictEqual(error.code, "ECONNREFUSED")
      )
    } finally {
      await auth.close()
    }
  })

  it(
    "on demand (getToken with loginOnDemand): saved before the 302 and before \"Logged in\"; the token is the saved one",
    {
      timeout: 60_000
    },
    async () => {
      const { announcedSaved, auth, callback, codexHome, login } = await startLogin(true)
      try {
        assert.isFalse(Fs.existsSync(authFile(codexHome)))
        const redirect = await get(callback)
        assert.strictEqual(redirect.status, 302)
        // The session's save ran inside the flow, before the redirect (not after the 10 s wait for /success).
        assert.isTrue(Fs.existsSync(authFile(codexHome)), "auth.json written when the 302 arrives")
        const stored = JSON.parse(Fs.readFileSync(authFile(codexHome), "utf8"))
        assert.strictEqual(await login, stored.tokens.access_token)
        assert.deepStrictEqual(announcedSaved, [true])
      } finally {
        await auth.close()
      }
    }
  )

  it("/cancel after the exchange: answered 'not cancelled', auth.json kept, the login resolves successfully", {
    timeout: 60_000
  }, async () => {
    const { auth, callback, codexHome, login, port } = await startLogin()
    try {
      assert.strictEqual((await get(callback)).status, 302)
      const written = Fs.readFileSync(authFile(codexHome), "utf8")
      const cancel = await get(`http://127.0.0.1:${port}/cancel`)
      assert.strictEqual(cancel.status, 200)
      assert.include(cancel.body, "it was not cancelled")
      // A browser that follows the redirect late still gets the success page.
      const success = await get(`http://127.0.0.1:${port}/success`)
      assert.strictEqual(success.status, 200)
      const summary = (await login) as CodexAuth.LoginSummary
      assert.strictEqual(summary.method, "browser")
      assert.strictEqual(Fs.readFileSync(authFile(codexHome), "utf8"), written)
      assert.isTrue((await auth.status()).loggedIn)
    } finally {
      await auth.close()
    }
  })

  it("/cancel before any callback still cancels: nothing written", { timeout: 60_000 }, async () => {
    const { auth, codexHome, login, port } = await startLogin()
    try {
      const cancel = await get(`http://127.0.0.1:${port}/cancel`)
      assert.strictEqual(cancel.body, "Login cancelled")
      const error = await login.then(() => undefined, (e: Error & { _tag: string }) => e)
      assert.strictEqual(error?._tag, "LoginCancelled")
      assert.isFalse(Fs.existsSync(authFile(codexHome)))
    } finally {
      await auth.close()
    }
  })
})
