// The facade's two-step login (issue 21) against the emulator over HTTP, real files and real processes: begun on one
// instance or process, finished on another; every bad pending value or callback is a typed error with nothing saved.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../../..")

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ autoApprove: true })
})
afterAll(() => emulator.close())

const key = Crypto.randomBytes(32).toString("base64")
const tempHome = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-twostep-"))
const authFile = (home: string) => Path.join(home, "auth.json")
const readAuth = (home: string): string | undefined =>
  Fs.existsSync(authFile(home)) ? Fs.readFileSync(authFile(home), "utf8") : undefined

const openAt = (codexHome: string, options: CodexAuth.OpenOptions = {}) =>
  CodexAuth.open({ codexHome, issuer: emulator.url, sealKey: key, ...options })

/** What the browser is redirected to after the (auto-approved) sign-in page. */
const callbackOf = async (authorizeUrl: string): Promise<string> => {
  const response = await fetch(authorizeUrl, { redirect: "manual" })
  const location = response.headers.get("location")
  assert.isString(location, `the authorize page answered ${response.status} without a redirect`)
  return location!
}

const rejection = async (promise: Promise<unknown>): Promise<Error & { readonly _tag: string }> => {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  assert.isTrue(CodexAuth.isCodexAuthError(error), `expected a typed rejection, got ${String(error)}`)
  return error as Error & { readonly _tag: string }
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const withSeparator = (text: string, index: number): string => {
  const flipped = text[index] === "A" ? "B" : "A"
  return text.slice(0, index) + flipped + text.slice(index + 1)
}

describe("CodexAuth two-step login", () => {
  it("begins on one instance and finishes on another over the same store; the pending value is plain JSON", async () => {
    const home = tempHome()
    const first = await openAt(home)
    const pending = await first.beginLogin()
    await first.close()
    assert.deepStrictEqual(Object.keys(pending).sort(), [
      "authorizeUrl",
      "expiresAt",
      "id",
      "redirectUri",
      "sealed",
      "v"
    ])
    const text = JSON.stringify(pending)
    assert.deepStrictEqual(JSON.parse(text), pending)
    const url = new URL(pending.authorizeUrl)
    assert.strictEqual(url.origin + url.pathname, `${emulator.url}/oauth/authorize`)
    assert.strictEqual(url.searchParams.get("redirect_uri"), pending.redirectUri)
    assert.strictEqual(pending.redirectUri, "http://127.0.0.1:1455/auth/callback")
    assert.isAbove(Date.parse(pending.expiresAt), Date.now())
    assert.isUndefined(readAuth(home), "beginning a login saves nothing")

    const callback = await callbackOf(pending.authorizeUrl)
    const second = await openAt(home)
    try {
      // Kept as JSON text (a cookie), handed back as text.
      const summary = await second.finishLogin(text, callback)
      assert.strictEqual(summary.email, "user@example.com")
      assert.strictEqual(summary.method, "custom")
      const saved = JSON.parse(readAuth(home)!)
      assert.strictEqual(saved.auth_mode, "chatgpt")
      assert.strictEqual(saved.tokens.account_id, summary.accountId)
      assert.isTrue((await second.status()).loggedIn)
      assert.strictEqual(await second.getToken(), saved.tokens.access_token)
      // The code verifier went to the issuer and nowhere into the value.
      const exchange = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/token").at(-1)
      assert.isDefined(exchange)
    } finally {
      await second.close()
    }
  })

  it("a replayed pending login is PendingLoginConsumed on the same and on another instance; auth.json unchanged", async () => {
    const home = tempHome()
    const auth = await openAt(home)
    try {
      const pending = await auth.beginLogin()
      const callback = await callbackOf(pending.authorizeUrl)
      await auth.finishLogin(pending, callback)
      const before = readAuth(home)
      const again = await rejection(auth.finishLogin(pending, callback))
      assert.instanceOf(again, CodexAuth.PendingLoginConsumed)
      assert.include(again.message, "beginLogin()")
      const other = await openAt(home)
      try {
        assert.strictEqual((await rejection(other.finishLogin(pending, callback)))._tag, "PendingLoginConsumed")
      } finally {
        await other.close()
      }
      assert.strictEqual(readAuth(home), before)
      const ledger = JSON.parse(Fs.readFileSync(Path.join(home, "codex-auth-pending.json"), "utf8"))
      assert.deepStrictEqual(Object.keys(ledger.consumed), [pending.id])
      assert.strictEqual(Fs.statSync(Path.join(home, "codex-auth-pending.json")).mode & 0o777, 0o600)
    } finally {
      await auth.close()
    }
  })

  it("tampered, wrong-key, foreign-issuer and malformed values are PendingLoginInvalid; nothing is saved", async () => {
    const home = tempHome()
    const auth = await openAt(home)
    try {
      const pending = await auth.beginLogin()
      const callback = await callbackOf(pending.authorizeUrl)
      const altered: ReadonlyArray<unknown> = [
        { ...pending, sealed: withSeparator(pending.sealed, 20) },
        { ...pending, sealed: withSeparator(pending.sealed, pending.sealed.length - 3) },
        { ...pending, expiresAt: new Date(Date.parse(pending.expiresAt) + 3_600_000).toISOString() },
        { ...pending, redirectUri: "http://127.0.0.1:1457/auth/callback" },
        { ...pending, authorizeUrl: pending.authorizeUrl.replace("127.0.0.1", "localhost") },
        { ...pending, id: withSeparator(pending.id, 3) },
        { ...pending, sealed: pending.sealed.slice(0, 30) },
        { ...pending, v: 2 },
        { ...pending, extra: true },
        "not json",
        null,
        42
      ]
      for (const value of altered) {
        const error = await rejection(auth.finishLogin(value as CodexAuth.PendingLogin, callback))
        assert.strictEqual(error._tag, "PendingLoginInvalid", JSON.stringify(value))
      }
      const otherKey = await openAt(home, { sealKey: Crypto.randomBytes(32) })
      try {
        const error = await rejection(otherKey.finishLogin(pending, callback))
        assert.instanceOf(error, CodexAuth.PendingLoginInvalid)
        assert.include(error.message, "another key")
      } finally {
        await otherKey.close()
      }
      const foreign = await startEmulatorPromise({ autoApprove: true })
      const elsewhere = await CodexAuth.open({ codexHome: home, issuer: foreign.url, sealKey: key })
      try {
        const error = await rejection(elsewhere.finishLogin(pending, callback))
        assert.strictEqual(error._tag, "PendingLoginInvalid")
        assert.include(error.message, "another issuer")
      } finally {
        await elsewhere.close()
        await foreign.close()
      }
      assert.isUndefined(readAuth(home))
      assert.isFalse(Fs.existsSync(Path.join(home, "codex-auth-pending.json")), "no invalid value consumed anything")
      // The genuine value still finishes.
      assert.strictEqual((await auth.finishLogin(pending, callback)).email, "user@example.com")
    } finally {
      await auth.close()
    }
  })

  it("without a key beginLogin says how to supply one; a bad key is PendingLoginKeyInvalid; CODEX_AUTH_STORE_KEY works", async () => {
    const home = tempHome()
    const saved = process.env["CODEX_AUTH_STORE_KEY"]
    delete process.env["CODEX_AUTH_STORE_KEY"]
    try {
      const none = await CodexAuth.open({ codexHome: home, issuer: emulator.url })
      try {
        const error = await rejection(none.beginLogin())
        assert.instanceOf(error, CodexAuth.PendingLoginKeyMissing)
        assert.include(error.message, "sealKey")
        assert.include(error.message, "CODEX_AUTH_STORE_KEY")
      } finally {
        await none.close()
      }
      for (const bad of ["c2hvcnQ=", "not base64 !", new Uint8Array(16)]) {
        const auth = await openAt(home, { sealKey: bad })
        try {
          assert.strictEqual((await rejection(auth.beginLogin()))._tag, "PendingLoginKeyInvalid")
        } finally {
          await auth.close()
        }
      }
      process.env["CODEX_AUTH_STORE_KEY"] = key
      const fromEnv = await CodexAuth.open({ codexHome: home, issuer: emulator.url })
      try {
        const pending = await fromEnv.beginLogin()
        // Sealed with the variable's key: an instance given the same key as an option opens it.
        const explicit = await openAt(home)
        try {
          await explicit.finishLogin(pending, await callbackOf(pending.authorizeUrl))
        } finally {
          await explicit.close()
        }
        assert.isDefined(readAuth(home))
      } finally {
        await fromEnv.close()
      }
    } finally {
      if (saved === undefined) delete process.env["CODEX_AUTH_STORE_KEY"]
      else process.env["CODEX_AUTH_STORE_KEY"] = saved
    }
  })

  it("an expired pending login is PendingLoginExpired (a short ttl); a bad ttl is rejected; nothing saved", async () => {
    const home = tempHome()
    const auth = await openAt(home)
    try {
      const pending = await auth.beginLogin({ ttlMillis: 1 })
      const callback = await callbackOf(pending.authorizeUrl)
      // expiresAt is 1 ms after begin; wait until the clock is surely past it.
      while (Date.now() <= Date.parse(pending.expiresAt) + 5) await new Promise((resolve) => setTimeout(resolve, 5))
      const error = await rejection(auth.finishLogin(pending, callback))
      assert.instanceOf(error, CodexAuth.PendingLoginExpired)
      assert.include(error.message, pending.expiresAt)
      assert.strictEqual((await rejection(auth.awaitLogin(pending)))._tag, "PendingLoginExpired")
      assert.strictEqual((await rejection(auth.openInBrowser(pending)))._tag, "PendingLoginExpired")
      for (const ttlMillis of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.strictEqual((await rejection(auth.beginLogin({ ttlMillis })))._tag, "PendingLoginInvalid")
      }
      assert.isUndefined(readAuth(home))
    } finally {
      await auth.close()
    }
  })

  it("a callback with the wrong state, an error=, no code or another address is a typed error and uses nothing up", async () => {
    const home = tempHome()
    const auth = await openAt(home)
    try {
      const pending = await auth.beginLogin()
      const callback = new URL(await callbackOf(pending.authorizeUrl))
      const state = new URL(pending.authorizeUrl).searchParams.get("state")!
      const wrongState = new URL(callback)
      wrongState.searchParams.set("state", withSeparator(state, 5))
      const cases: ReadonlyArray<readonly [string, string]> = [
        [wrongState.href, "InvalidCallbackUrl"],
        [
          `${pending.redirectUri}?error=access_denied&error_description=user+said+no&state=${state}`,
          "AuthorizationFailed"
        ],
        [`${pending.redirectUri}?state=${state}`, "MissingAuthorizationCode"],
        [callback.href.replace(":1455/", ":1457/"), "InvalidCallbackUrl"],
        [callback.href.replace("/auth/callback", "/callback"), "InvalidCallbackUrl"],
        ["not a url", "InvalidCallbackUrl"]
      ]
      for (const [url, tag] of cases) {
        const error = await rejection(auth.finishLogin(pending, url))
        assert.strictEqual(error._tag, tag, url)
        assert.notInclude(error.message, state)
        assert.notInclude(error.message, callback.searchParams.get("code")!)
      }
      const denied = await rejection(
        auth.finishLogin(pending, `${pending.redirectUri}?error=access_denied&state=${state}`)
      )
      assert.instanceOf(denied, CodexAuth.AuthorizationFailed)
      assert.isUndefined(readAuth(home))
      assert.isFalse(Fs.existsSync(Path.join(home, "codex-auth-pending.json")))
      assert.strictEqual((await auth.finishLogin(pending, callback.href)).email, "user@example.com")
    } finally {
      await auth.close()
    }
  })

  it("two logins pending at once finish in either order; each callback only fits its own login", async () => {
    for (const order of [[0, 1], [1, 0]] as const) {
      const homes = [tempHome(), tempHome()] as const
      const auths = [await openAt(homes[0]), await openAt(homes[1])] as const
      try {
        const pendings = [await auths[0].beginLogin(), await auths[1].beginLogin()] as const
        assert.notStrictEqual(pendings[0].id, pendings[1].id)
        const callbacks = [await callbackOf(pendings[0].authorizeUrl), await callbackOf(pendings[1].authorizeUrl)]
        // Crossed: the other login's callback has the other state.
        assert.strictEqual(
          (await rejection(auths[0].finishLogin(pendings[0], callbacks[1]!)))._tag,
          "InvalidCallbackUrl"
        )
        for (const index of order) {
          // Finished on the other instance from the one that began it.
          const summary = await auths[1 - index]!.finishLogin(pendings[index], callbacks[index]!)
          assert.strictEqual(summary.email, "user@example.com")
        }
        assert.isDefined(readAuth(homes[1]))
        assert.isDefined(readAuth(homes[0]))
        const tokens = homes.map((home) => JSON.parse(readAuth(home)!).tokens.refresh_token)
        assert.notStrictEqual(tokens[0], tokens[1])
      } finally {
        await auths[0].close()
        await auths[1].close()
      }
    }
  })

  it("the workspace restriction of the finishing instance applies (§10): nothing saved", async () => {
    const home = tempHome()
    const begin = await openAt(home)
    const pending = await begin.beginLogin()
    await begin.close()
    const restricted = await openAt(home, { workspaceIds: ["ws-not-this-one"] })
    try {
      const error = await rejection(restricted.finishLogin(pending, await callbackOf(pending.authorizeUrl)))
      assert.strictEqual(error._tag, "WorkspaceRestricted")
      assert.isUndefined(readAuth(home))
    } finally {
      await restricted.close()
    }
    // Restricted at begin: allowed_workspace_id is in the authorize URL.
    const scoped = await openAt(home, { workspaceIds: ["ws-a", "ws-b"] })
    try {
      const restrictedPending = await scoped.beginLogin()
      assert.strictEqual(new URL(restrictedPending.authorizeUrl).searchParams.get("allowed_workspace_id"), "ws-a,ws-b")
    } finally {
      await scoped.close()
    }
  })

  it("awaitLogin serves the pending login's loopback on another instance; cancelLogin ends a wait and uses it up", async () => {
    const port = await freePort()
    const scoped = await startEmulatorPromise({ autoApprove: true, redirectPorts: [port] })
    const home = tempHome()
    const options = { codexHome: home, issuer: scoped.url, sealKey: key, loopbackPorts: [port] }
    try {
      const begin = await CodexAuth.open(options)
      const pending = await begin.beginLogin()
      await begin.close()
      assert.strictEqual(pending.redirectUri, `http://127.0.0.1:${port}/auth/callback`)
      const auth = await CodexAuth.open(options)
      try {
        const waiting = auth.awaitLogin(pending)
        const location = await callbackOf(pending.authorizeUrl)
        let answer: Response | undefined
        for (let i = 0; i < 2400 && answer === undefined; i++) {
          answer = await fetch(location, { redirect: "manual" }).catch(() => undefined)
          if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 25))
        }
        assert.strictEqual(answer?.status, 302)
        const success = answer!.headers.get("location") ?? ""
        assert.match(success, /^\/success\?id_token=/)
        // Saved before the browser is sent on (as Codex does); the login ends when the success page is shown.
        assert.isDefined(readAuth(home))
        const page = await fetch(new URL(success, location))
        assert.strictEqual(page.status, 200)
        assert.strictEqual((await waiting).email, "user@example.com")
        assert.isDefined(readAuth(home))
        assert.strictEqual((await rejection(auth.finishLogin(pending, location)))._tag, "PendingLoginConsumed")

        const before = readAuth(home)
        const second = await auth.beginLogin()
        const secondWait = auth.awaitLogin(second)
        // Whether the wait has bound its loopback yet or not, cancelling ends it.
        await auth.cancelLogin(second)
        const cancelled = await rejection(secondWait)
        assert.strictEqual(cancelled._tag, "LoginCancelled")
        const other = await CodexAuth.open(options)
        try {
          const error = await rejection(other.finishLogin(second, await callbackOf(second.authorizeUrl)))
          assert.strictEqual(error._tag, "PendingLoginConsumed")
        } finally {
          await other.close()
        }
        assert.strictEqual(readAuth(home), before)
        // Cancelling again is harmless; waiting on a used-up login fails at once, on any instance.
        await auth.cancelLogin(second)
        const late = await CodexAuth.open(options)
        try {
          assert.strictEqual((await rejection(late.awaitLogin(second)))._tag, "PendingLoginConsumed")
          assert.strictEqual((await rejection(late.awaitLogin(pending)))._tag, "PendingLoginConsumed")
        } finally {
          await late.close()
        }
      } finally {
        await auth.close()
      }
    } finally {
      await scoped.close()
    }
  })

  it("openInBrowser launches only a genuine pending login's authorize URL", async () => {
    const home = tempHome()
    const seen = Path.join(home, "opened.txt")
    const script = Path.join(home, "browser.sh")
    Fs.writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`, { mode: 0o755 })
    const saved = process.env["BROWSER"]
    process.env["BROWSER"] = script
    try {
      const auth = await openAt(home)
      try {
        const pending = await auth.beginLogin()
        const forged = { ...pending, authorizeUrl: "https://evil.example/phish" }
        assert.strictEqual((await rejection(auth.openInBrowser(forged)))._tag, "PendingLoginInvalid")
        assert.isFalse(Fs.existsSync(seen))
        await auth.openInBrowser(pending)
        for (let i = 0; i < 2400 && !Fs.existsSync(seen); i++) await new Promise((resolve) => setTimeout(resolve, 25))
        assert.strictEqual(Fs.readFileSync(seen, "utf8"), pending.authorizeUrl)
      } finally {
        await auth.close()
      }
    } finally {
      if (saved === undefined) delete process.env["BROWSER"]
      else process.env["BROWSER"] = saved
    }
  })
})

describe("CodexAuth two-step login across processes", () => {
  const child = (script: string, env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const process_ = ChildProcess.spawn(process.execPath, ["--input-type=module", "-e", script], {
        cwd: root,
        env: { ...process.env, CODEX_AUTH_STORE_KEY: key, CODEX_AUTH_ISSUER: emulator.url, ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      process_.stdout.on("data", (chunk) => (stdout += chunk))
      process_.stderr.on("data", (chunk) => (stderr += chunk))
      process_.on("close", (code) => resolve({ code, stdout, stderr }))
    })

  const finishScript = `
    import * as Fs from "node:fs"
    import { CodexAuth } from "@codex-auth/node"
    const auth = await CodexAuth.open()
    try {
      const pending = Fs.readFileSync(process.env.PENDING_FILE, "utf8")
      const who = await auth.finishLogin(pending, process.env.CALLBACK_URL)
      console.log("finished " + who.email)
    } catch (error) {
      console.log("failed " + error._tag)
    } finally {
      await auth.close()
    }
  `

  it(
    "begin in one process, finish in another (the pending value passed through a file); a third replays it",
    async () => {
      const home = tempHome()
      const pendingFile = Path.join(home, "pending.json")
      const begun = await child(
        `
      import * as Fs from "node:fs"
      import { CodexAuth } from "@codex-auth/node"
      const auth = await CodexAuth.open()
      Fs.writeFileSync(process.env.PENDING_FILE, JSON.stringify(await auth.beginLogin()))
      await auth.close()
    `,
        { CODEX_HOME: home, PENDING_FILE: pendingFile }
      )
      assert.strictEqual(begun.code, 0, begun.stderr)
      const pending = JSON.parse(Fs.readFileSync(pendingFile, "utf8")) as CodexAuth.PendingLogin
      assert.isUndefined(readAuth(home))
      const callback = await callbackOf(pending.authorizeUrl)
      const env = { CODEX_HOME: home, PENDING_FILE: pendingFile, CALLBACK_URL: callback }

      const finished = await child(finishScript, env)
      assert.strictEqual(finished.code, 0, finished.stderr)
      assert.strictEqual(finished.stdout.trim(), "finished user@example.com")
      const saved = readAuth(home)
      assert.isDefined(saved)

      const replayed = await child(finishScript, env)
      assert.strictEqual(replayed.stdout.trim(), "failed PendingLoginConsumed", replayed.stderr)
      assert.strictEqual(readAuth(home), saved)

      const wrongKey = await child(finishScript, {
        ...env,
        CODEX_AUTH_STORE_KEY: Crypto.randomBytes(32).toString("base64")
      })
      assert.strictEqual(wrongKey.stdout.trim(), "failed PendingLoginInvalid", wrongKey.stderr)
    },
    120_000
  )

  it(
    "two processes finishing one pending login at once: exactly one saves, the other is PendingLoginConsumed",
    async () => {
      const home = tempHome()
      const pendingFile = Path.join(home, "pending.json")
      const auth = await openAt(home)
      const pending = await auth.beginLogin()
      await auth.close()
      Fs.writeFileSync(pendingFile, JSON.stringify(pending))
      const callback = await callbackOf(pending.authorizeUrl)
      const tokenRequestsBefore = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/token")
        .length
      const env = { CODEX_HOME: home, PENDING_FILE: pendingFile, CALLBACK_URL: callback }
      const results = await Promise.all([child(finishScript, env), child(finishScript, env), child(finishScript, env)])
      const outcomes = results.map((result) => result.stdout.trim()).sort()
      assert.deepStrictEqual(outcomes, [
        "failed PendingLoginConsumed",
        "failed PendingLoginConsumed",
        "finished user@example.com"
      ], results.map((result) => result.stderr).join("\n"))
      const exchanges = (await emulator.admin.requests()).filter((entry) => entry.path === "/oauth/token").length -
        tokenRequestsBefore
      // One code exchange and its API-key exchange: the losers never reached the issuer.
      assert.strictEqual(exchanges, 2)
    },
    120_000
  )
})

describe("standalone helpers", () => {
  it("authorizeUrl alone: its verifier exchanges the code; accountIdOf and headersFor read the tokens", async () => {
    const request = await CodexAuth.authorizeUrl({ issuer: emulator.url, workspaceIds: ["ws-1"] })
    const url = new URL(request.url)
    assert.strictEqual(url.searchParams.get("state"), request.state)
    assert.strictEqual(url.searchParams.get("code_challenge"), request.codeChallenge)
    assert.strictEqual(url.searchParams.get("allowed_workspace_id"), "ws-1")
    assert.strictEqual(request.redirectUri, "http://127.0.0.1:1455/auth/callback")
    assert.match(request.codeVerifier, /^[A-Za-z0-9_-]{86}$/)
    assert.notInclude(request.url, request.codeVerifier)
    const callback = new URL(await callbackOf(request.url))
    assert.strictEqual(callback.searchParams.get("state"), request.state)
    const exchange = (codeVerifier: string) =>
      fetch(`${emulator.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          client_id: url.searchParams.get("client_id")!,
          code: callback.searchParams.get("code")!,
          redirect_uri: request.redirectUri,
          code_verifier: codeVerifier
        })
      })
    assert.notStrictEqual(
      (await exchange(request.codeVerifier.replace(/^./, (c) => (c === "x" ? "y" : "x")))).status,
      200
    )
    const other = await CodexAuth.authorizeUrl({ issuer: emulator.url })
    assert.notStrictEqual(other.state, request.state)
    assert.notStrictEqual(other.codeVerifier, request.codeVerifier)
    // A fresh code: the rejected attempt above may have used the first one up.
    const fresh = await CodexAuth.authorizeUrl({ issuer: emulator.url })
    const freshCallback = new URL(await callbackOf(fresh.url))
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: url.searchParams.get("client_id")!,
        code: freshCallback.searchParams.get("code")!,
        redirect_uri: fresh.redirectUri,
        code_verifier: fresh.codeVerifier
      })
    })
    assert.strictEqual(response.status, 200)
    const tokens = await response.json() as { id_token: string; access_token: string }
    const accountId = CodexAuth.accountIdOf(tokens.id_token)
    assert.isString(accountId)
    assert.strictEqual(CodexAuth.accountIdOf(tokens.access_token), accountId)
    assert.isNull(CodexAuth.accountIdOf("not-a-jwt"))
    const headers = CodexAuth.headersFor(tokens.access_token)
    assert.strictEqual(headers["authorization"], `Bearer ${tokens.access_token}`)
    assert.strictEqual(headers["chatgpt-account-id"], accountId)
    assert.strictEqual(headers["originator"], "codex_cli_rs")
    assert.match(headers["user-agent"] ?? "", /^codex_cli_rs\/\d+\.\d+\.\d+ \(/)
    assert.strictEqual(
      CodexAuth.headersFor(tokens.access_token, { accountId: "acct-x" })["chatgpt-account-id"],
      "acct-x"
    )
    // The same headers getHeaders() gives for the same token.
    const home = tempHome()
    const auth = await openAt(home)
    try {
      const pending = await auth.beginLogin()
      await auth.finishLogin(pending, await callbackOf(pending.authorizeUrl))
      const stored = JSON.parse(readAuth(home)!).tokens.access_token as string
      assert.deepStrictEqual(CodexAuth.headersFor(stored), await auth.getHeaders())
    } finally {
      await auth.close()
    }
  })
})
