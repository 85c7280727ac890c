// Issue 13: a rotated refresh token is never lost. Real files, the emulator over HTTP (its refresh tokens are single
// use: a reuse answers refresh_token_reused), the built CLI as a child process and real signals.
import * as CodexHome from "@codex-auth/core/CodexHome"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as Emulator from "@codex-auth/emulator/Emulator"
import type * as EmulatorAdmin from "@codex-auth/emulator/EmulatorAdmin"
import { startEmulator, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Buffer } from "node:buffer"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "./fixtures.ts"

type EmulatorAdminService = EmulatorAdmin.EmulatorAdmin.Service

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

const refreshGrants = (requests: ReadonlyArray<Emulator.RequestLogEntry>) =>
  requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")

/** A session over real files in `home`, whose SecretFile can be made to fail writes of auth.json. */
const sessionIn = (home: string, issuer: string, files: SecretFile.SecretFile.Service = NodeSecretFile.make) =>
  Effect.map(
    Layer.build(
      Session.layer({ refreshRetryDelayMillis: 10 }).pipe(
        Layer.provide(FileCredentialStore.layer),
        Layer.provide(CodexHome.layer(home)),
        Layer.provide(Layer.succeed(SecretFile.SecretFile, files)),
        Layer.provide(OAuthClient.layer),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(ProviderProfile.layer(ProviderProfile.make({ issuer })))
      )
    ),
    (context) => Context.get(context, Session.Session)
  )

/** NodeSecretFile, except that replacing auth.json fails (as on a bind-mounted file: EBUSY) while `failing`. */
const failingAuthJson = (state: { failing: boolean }): SecretFile.SecretFile.Service => ({
  ...NodeSecretFile.make,
  writeAtomic: (path, text, options) =>
    state.failing && Path.basename(path) === "auth.json"
      ? Effect.fail(new SecretFile.SecretFileError({ operation: "write", path, reason: "EBUSY: resource busy" }))
      : NodeSecretFile.make.writeAtomic(path, text, options)
})

const seeded = (
  emulator: { readonly admin: { readonly mintTokens: EmulatorAdminService["mintTokens"] } },
  home: string,
  issuer: string
) =>
  Effect.gen(function*() {
    const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    const text = authJsonText(minted, issuer)
    writeAuthJson(home, text)
    return { minted, text }
  })

describe("never lose a rotated refresh token", () => {
  it.scopedLive("the save fails after the grant: the journal keeps the new tokens and the next run restores them", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const { minted, text } = yield* seeded(emulator, home, emulator.url)
      const state = { failing: true }
      const first = yield* sessionIn(home, emulator.url, failingAuthJson(state))
      const error = yield* Effect.flip(first.getToken)
      assert.strictEqual(error._tag, "CredentialStoreError")
      assert.include(error.message, "auth.next")
      assert.include(error.message, "restores them")
      assert.notInclude(error.message, minted.refresh_token)
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), text, "auth.json was left as it was")
      assert.strictEqual(Fs.statSync(Path.join(home, "auth.next")).mode & 0o777, 0o600)
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1)

      // The next run (a new session, as a new process would be) recovers instead of presenting the spent token.
      state.failing = false
      const second = yield* sessionIn(home, emulator.url)
      const token = Redacted.value(yield* second.getToken)
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1, "no grant with the spent token")
      const saved = readAuthJson(home)
      assert.strictEqual(saved.tokens.access_token, token)
      assert.notStrictEqual(saved.tokens.refresh_token, minted.refresh_token)
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.next")), "the journal goes once its tokens are saved")
      // And the recovered refresh token is the live one: a forced refresh works.
      yield* second.refresh
      const grants = refreshGrants(yield* emulator.admin.requests)
      assert.strictEqual(grants.length, 2)
      assert.strictEqual(grants[1]!.refreshToken, saved.tokens.refresh_token)
      assert.strictEqual(grants[1]!.status, 200)
    }))

  it.scopedLive("a full disk (a 64 KiB tmpfs): the refresh stops before the grant; the token is unspent", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-full-"))
          const mounted = ChildProcess.spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status === 0
          return { dir, mounted }
        }),
        ({ dir, mounted }) =>
          Effect.sync(() => {
            if (mounted) ChildProcess.spawnSync("umount", [dir])
            Fs.rmSync(dir, { recursive: true, force: true })
          })
      )
      if (!home.mounted) {
        // Not root, or no mount in this sandbox: say so rather than pass silently.
        console.warn("skipped: cannot mount a tmpfs here")
        return
      }
      const { minted, text } = yield* seeded(emulator, home.dir, emulator.url)
      // Fill what is left, as a disk that ran full would be.
      const filler = Fs.openSync(Path.join(home.dir, "filler"), "w")
      try {
        for (;;) Fs.writeSync(filler, Buffer.alloc(1024))
      } catch {
        // ENOSPC: the disk is full
      } finally {
        Fs.closeSync(filler)
      }
      const session = yield* sessionIn(home.dir, emulator.url)
      const error = yield* Effect.flip(session.getToken)
      assert.strictEqual(error._tag, "CredentialStoreError")
      assert.include(error.message, "nothing was sent to the issuer")
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 0, "the refresh token was not spent")
      assert.strictEqual(Fs.readFileSync(Path.join(home.dir, "auth.json"), "utf8"), text)
      // Free some space: the same token refreshes.
      Fs.rmSync(Path.join(home.dir, "filler"))
      const again = yield* sessionIn(home.dir, emulator.url)
      yield* again.getToken
      const grants = refreshGrants(yield* emulator.admin.requests)
      assert.strictEqual(grants.length, 1)
      assert.strictEqual(grants[0]!.refreshToken, minted.refresh_token)
      assert.strictEqual(grants[0]!.status, 200)
    }))

  it.scopedLive("a stale journal (its tokens were saved, then the process died) is swept, never restored", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const { text } = yield* seeded(emulator, home, emulator.url)
      Fs.writeFileSync(
        Path.join(home, "auth.next"),
        JSON.stringify({ codex_auth_journal: 1, replaces: "some-other-token", auth: "{}" }),
        { mode: 0o600 }
      )
      const session = yield* sessionIn(home, emulator.url)
      yield* session.getToken
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1)
      assert.notStrictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), text)
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.next")))
    }))

  it.scopedLive("a 502 after the grant is ambiguous: sent once, auth.json untouched, the message says what to do", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const { text } = yield* seeded(emulator, home, emulator.url)
      yield* emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", status: 502 })
      const session = yield* sessionIn(home, emulator.url)
      const error = yield* Effect.flip(session.getToken)
      assert.strictEqual(error._tag, "RefreshTransientError")
      assert.include(error.message, "may already have replaced the refresh token")
      assert.include(error.message, "codex-auth login")
      assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1, "never retried with the same token")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), text)
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.next")), "the reservation is given back")
    }))

  for (
    const [name, body] of [
      ["{}", "{}"],
      ["an error with 200", JSON.stringify({ error: "invalid_grant" })],
      ["an empty refresh token", "EMPTY-RT"]
    ] as const
  ) {
    it.scopedLive(`a 200 with ${name} is no refresh: MalformedResponse, auth.json untouched`, () =>
      Effect.gen(function*() {
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const { minted, text } = yield* seeded(emulator, home, emulator.url)
        const fresh: Emulator.MintedTokens = yield* emulator.admin.mintTokens({})
        const reply = body === "EMPTY-RT"
          ? JSON.stringify({ id_token: fresh.id_token, access_token: fresh.access_token, refresh_token: "" })
          : body
        yield* emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", status: 200, body: reply })
        const session = yield* sessionIn(home, emulator.url)
        const error = yield* Effect.flip(session.getToken)
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.notInclude(error.message, minted.refresh_token)
        assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), text)
        assert.strictEqual(refreshGrants(yield* emulator.admin.requests).length, 1)
      }))
  }
})

// --- the CLI under signals -------------------------------------------------------------------------------------

interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const spawnCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env }
  delete childEnv["CI"]
  const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => (stdout += chunk))
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<Exited>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, exited }
}

const until = async (what: string, check: () => Promise<boolean>, millis = 60_000) => {
  const deadline = Date.now() + millis
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe("codex-auth token interrupted while its grant is in flight", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} after the grant was sent: the answer is saved, then exit 130; the next run needs no grant`, async () => {
      const emulator = await startEmulatorPromise()
      const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-home-"))
      try {
        const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        writeAuthJson(home, authJsonText(minted, emulator.url))
        // The issuer rotates at once; its answer takes 1.5 s to come back.
        await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 1_500 })
        const { child, exited } = spawnCli(["token", "--codex-home", home, "--issuer", emulator.url], {})
        await until("the grant", async () => refreshGrants(await emulator.admin.requests()).length === 1)
        child.kill(signal)
        const result = await exited
        assert.strictEqual(result.code, 130, result.stderr)
        const saved = readAuthJson(home)
        assert.notStrictEqual(saved.tokens.refresh_token, minted.refresh_token, "the rotated tokens were dropped")
        assert.isFalse(Fs.existsSync(Path.join(home, "auth.next")))
        const next = await spawnCli(["token", "--codex-home", home, "--issuer", emulator.url], {}).exited
        assert.strictEqual(next.code, 0, next.stderr)
        assert.strictEqual(next.stdout.trim(), saved.tokens.access_token)
        assert.strictEqual(
          refreshGrants(await emulator.admin.requests()).length,
          1,
          "the spent token was never sent again"
        )
      } finally {
        Fs.rmSync(home, { recursive: true, force: true })
        await emulator.close()
      }
    })
  }

  it("a second signal still stops at once", async () => {
    const emulator = await startEmulatorPromise()
    const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-home-"))
    try {
      const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      writeAuthJson(home, authJsonText(minted, emulator.url))
      await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 60_000 })
      const { child, exited } = spawnCli(["token", "--codex-home", home, "--issuer", emulator.url], {})
      await until("the grant", async () => refreshGrants(await emulator.admin.requests()).length === 1)
      child.kill("SIGINT")
      await new Promise((resolve) => setTimeout(resolve, 200))
      child.kill("SIGINT")
      const result = await exited
      // Killed by the second signal (no exit code of its own), long before the 60 s answer.
      assert.strictEqual(result.signal, "SIGINT")
      assert.isNull(result.code)
    } finally {
      Fs.rmSync(home, { recursive: true, force: true })
      await emulator.close()
    }
  })
})
