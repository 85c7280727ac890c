// Issue 13 for the keyring store: a keyring that fails after the refresh grant keeps the rotated tokens in the journal
// (CODEX_HOME/auth.next, as the file store keeps them), and the next run restores them instead of reusing the spent
// token. Real components: a private dbus session bus and gnome-keyring-daemon (scripts/setup-keyring.sh), the
// rotation-enforcing emulator over HTTP, the built CLI as child processes; the keyring fails because its daemon and bus
// are gone (killed while the issuer's answer is on its way), the secrets layout because its age file cannot be read.
// Run inside scripts/netns.sh (the emulator listens on 127.0.0.1):
//   bash scripts/netns.sh node_modules/.bin/vitest run packages/keyring/test/KeyringJournal.test.ts
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import { SecretFile } from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as KeyringCredentialStore from "@codex-auth/keyring/KeyringCredentialStore"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, afterEach, assert, describe, it } from "vitest"

const available = ["dbus-daemon", "gnome-keyring-daemon", "secret-tool", "dbus-send"].every((program) =>
  spawnSync("sh", ["-c", `command -v ${program}`]).status === 0
)
if (!available && process.env.CI) throw new Error("keyring tests need gnome-keyring, dbus and libsecret-tools")
if (!available) {
  console.warn("keyring journal: skipped — run scripts/setup-keyring.sh (gnome-keyring, dbus, libsecret-tools)")
}

const root = Path.resolve(import.meta.dirname, "../../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

/** A Secret Service on a private bus, over a keyring directory that outlives it (so it can be stopped and restarted). */
interface SecretService {
  readonly address: string
  readonly stop: () => Promise<void>
}

const exitOf = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

const until = async (what: string, check: () => boolean | Promise<boolean>, millis = 60_000) => {
  const deadline = Date.now() + millis
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const startSecretService = async (dataHome: string): Promise<SecretService> => {
  const bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const address = await new Promise<string>((resolve) => bus.stdout!.once("data", (d) => resolve(String(d).trim())))
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: dataHome }
  const daemon = spawn("gnome-keyring-daemon", ["--foreground", "--unlock", "--components=secrets"], {
    stdio: ["pipe", "ignore", "ignore"],
    env
  })
  daemon.stdin!.end("test-password")
  // Ready once the daemon owns org.freedesktop.secrets. Asking the bus for the name (NameHasOwner) never activates
  // it; anything that talks to the Secret Service earlier would make dbus start a second, locked daemon.
  await until("gnome-keyring-daemon on the bus", () => {
    const owner = spawnSync("dbus-send", [
      "--session",
      "--dest=org.freedesktop.DBus",
      "--type=method_call",
      "--print-reply",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      "string:org.freedesktop.secrets"
    ], { env, encoding: "utf8" })
    return owner.stdout.includes("boolean true")
  }, 30_000)
  return {
    address,
    stop: async () => {
      daemon.kill("SIGTERM")
      await exitOf(daemon)
      bus.kill("SIGTERM")
      await exitOf(bus)
    }
  }
}

const refreshGrants = (requests: ReadonlyArray<Emulator.RequestLogEntry>) =>
  requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")

const authText = (minted: Emulator.MintedTokens, issuer: string): string =>
  JSON.stringify({
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
  })

const documentOf = (text: string): AuthJson.AuthDocument => {
  const parsed = AuthJson.parseEither(text, { path: "test" })
  if (parsed._tag === "Left") throw parsed.left
  return parsed.right
}

const refreshTokenOf = (document: AuthJson.AuthDocument): string =>
  Redacted.value(Option.getOrThrow(document.tokens).refreshToken)

const storeLayer = (home: string, options: KeyringCredentialStore.Options) =>
  KeyringCredentialStore.layer(options).pipe(
    Layer.provideMerge(CodexHome.layer(home)),
    Layer.provide(Layer.succeed(SecretFile, NodeSecretFile.make))
  )

const inStore = <A, E>(
  home: string,
  options: KeyringCredentialStore.Options,
  use: (store: CredentialStore["Type"]) => Effect.Effect<A, E>
) => Effect.runPromise(Effect.flatMap(CredentialStore, use).pipe(Effect.provide(storeLayer(home, options))))

const getToken = (home: string, issuer: string, options: KeyringCredentialStore.Options) =>
  Effect.runPromise(
    Effect.flatMap(Session.Session, (session) => Effect.either(session.getToken)).pipe(
      Effect.provide(
        Session.layer({ refreshRetryDelayMillis: 10 }).pipe(
          Layer.provide(storeLayer(home, options)),
          Layer.provide(OAuthClient.layer),
          Layer.provide(FetchHttpClient.layer),
          Layer.provide(ProviderProfile.layer(ProviderProfile.make({ issuer })))
        )
      )
    )
  )

interface Exited {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const spawnCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env }
  delete childEnv["CI"]
  const child = spawn(process.execPath, [bin, ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => (stdout += chunk))
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<Exited>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
  return { child, exited }
}

const temporaries: Array<string> = []
const services: Array<SecretService> = []
const savedEnv = { ...process.env }
const tempDir = (prefix: string) => {
  const dir = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix)))
  temporaries.push(dir)
  return dir
}

afterEach(async () => {
  for (const service of services.splice(0)) await service.stop()
  // Key by key: a plain object assigned to process.env would no longer reach the native binding's getenv.
  for (const key of ["DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME"]) {
    if (savedEnv[key] === undefined) delete process.env[key]
    else process.env[key] = savedEnv[key]
  }
})
afterAll(() => {
  for (const dir of temporaries.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!available)("the keyring store journals a refresh: a failure after the grant loses nothing", () => {
  it(
    "direct layout, the CLI: the keyring dies while the answer is on its way; the next run restores, 1 grant",
    async () => {
      assert.isTrue(Fs.existsSync(bin), "build first: npm run build")
      const dataHome = tempDir("codex-auth-keyring-journal-")
      const home = tempDir("codex-home-keyring-journal-")
      const emulator = await startEmulatorPromise()
      try {
        const first = await startSecretService(dataHome)
        services.push(first)
        const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        const account = "cli|" + createHash("sha256").update(home).digest("hex").slice(0, 16)
        const env = { XDG_DATA_HOME: dataHome }
        // Seeded as Codex stores it (compact JSON, service `Codex Auth`), through libsecret rather than our store.
        const seed = spawnSync(
          "secret-tool",
          ["store", "--label=Codex Auth", "service", "Codex Auth", "username", account],
          {
            input: authText(minted, emulator.url),
            env: { ...process.env, ...env, DBUS_SESSION_BUS_ADDRESS: first.address },
            encoding: "utf8"
          }
        )
        assert.strictEqual(seed.status, 0, seed.stderr)

        // The issuer rotates at once and answers 3 s later; the keyring is gone by then.
        await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 3_000 })
        const args = ["token", "--codex-home", home, "--issuer", emulator.url, "--store", "keyring"]
        const run = spawnCli(args, { ...env, DBUS_SESSION_BUS_ADDRESS: first.address })
        await until("the grant", async () => refreshGrants(await emulator.admin.requests()).length === 1)
        services.splice(services.indexOf(first), 1)
        await first.stop()
        const failed = await run.exited
        assert.notStrictEqual(failed.code, 0, failed.stdout)
        assert.include(failed.stderr, "auth.next", failed.stderr)
        assert.include(failed.stderr, "restores them")
        assert.notInclude(failed.stderr + failed.stdout, minted.refresh_token)
        const journal = Path.join(home, "auth.next")
        assert.strictEqual(Fs.statSync(journal).mode & 0o777, 0o600)
        const kept = JSON.parse(Fs.readFileSync(journal, "utf8"))
        assert.strictEqual(kept.replaces, minted.refresh_token, "the journal names the spent token it replaces")
        const rotated = JSON.parse(kept.auth).tokens
        assert.notStrictEqual(rotated.refresh_token, minted.refresh_token)

        // The next run, with the keyring back: restored from the journal, no grant with the spent token.
        const second = await startSecretService(dataHome)
        services.push(second)
        const next = await spawnCli(args, { ...env, DBUS_SESSION_BUS_ADDRESS: second.address }).exited
        assert.strictEqual(next.code, 0, next.stderr)
        assert.strictEqual(next.stdout.trim(), rotated.access_token)
        const grants = refreshGrants(await emulator.admin.requests())
        assert.strictEqual(grants.length, 1, "the spent token was never sent again")
        assert.isFalse(Fs.existsSync(journal), "the journal goes once the keyring holds its tokens")
        const lookup = spawnSync("secret-tool", ["lookup", "service", "Codex Auth", "username", account], {
          env: { ...process.env, ...env, DBUS_SESSION_BUS_ADDRESS: second.address },
          encoding: "utf8"
        })
        assert.strictEqual(lookup.status, 0, lookup.stderr)
        assert.strictEqual(JSON.parse(lookup.stdout).tokens.refresh_token, rotated.refresh_token)

        // And the restored refresh token is the live one: a forced refresh spends it once, accepted.
        const forced = await spawnCli(["refresh", ...args.slice(1)], {
          ...env,
          DBUS_SESSION_BUS_ADDRESS: second.address
        }).exited
        assert.strictEqual(forced.code, 0, forced.stderr)
        const after = refreshGrants(await emulator.admin.requests())
        assert.strictEqual(after.length, 2)
        assert.strictEqual(after[1]!.refreshToken, rotated.refresh_token)
        assert.strictEqual(after[1]!.status, 200)
      } finally {
        await emulator.close()
      }
    },
    120_000
  )

  it(
    "secrets layout (Codex on Windows): its age file unreadable after the grant; the next load restores it",
    async () => {
      const dataHome = tempDir("codex-auth-keyring-journal-")
      const home = tempDir("codex-home-keyring-journal-")
      const emulator = await startEmulatorPromise()
      try {
        const service = await startSecretService(dataHome)
        services.push(service)
        // This process's keyring binding connects through its own environment.
        process.env["DBUS_SESSION_BUS_ADDRESS"] = service.address
        process.env["XDG_DATA_HOME"] = dataHome
        const secrets = { backend: "secrets" } as const
        const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        await inStore(home, secrets, (store) => store.save(documentOf(authText(minted, emulator.url))))
        const age = Path.join(home, "secrets", "codex_auth.age")
        const sealed = Fs.readFileSync(age)

        await emulator.admin.addFault({ path: "/oauth/token", kind: "after_grant", delayMillis: 3_000 })
        const failing = getToken(home, emulator.url, secrets)
        await until("the grant", async () => refreshGrants(await emulator.admin.requests()).length === 1)
        // A directory where the age file was: the save (which reads the file first, to keep other secrets) fails.
        Fs.rmSync(age)
        Fs.mkdirSync(age)
        const failed = await failing
        assert.strictEqual(failed._tag, "Left")
        if (failed._tag !== "Left") return
        assert.strictEqual(failed.left._tag, "CredentialStoreError")
        assert.include(failed.left.message, "auth.next")
        assert.notInclude(failed.left.message, minted.refresh_token)
        assert.isTrue(Fs.existsSync(Path.join(home, "auth.next")))

        // The file is back as it was (still the spent token): the next session restores instead of refreshing.
        Fs.rmdirSync(age)
        Fs.writeFileSync(age, sealed, { mode: 0o600 })
        const restored = await getToken(home, emulator.url, secrets)
        assert.strictEqual(restored._tag, "Right")
        assert.strictEqual(refreshGrants(await emulator.admin.requests()).length, 1, "no grant with the spent token")
        assert.isFalse(Fs.existsSync(Path.join(home, "auth.next")))
        const stored = await inStore(home, secrets, (store) => store.load)
        const document = Option.getOrThrow(stored)
        assert.notStrictEqual(refreshTokenOf(document), minted.refresh_token)
        assert.strictEqual(
          Redacted.value(Option.getOrThrow(document.tokens).accessToken),
          restored._tag === "Right" ? Redacted.value(restored.right) : ""
        )
      } finally {
        await emulator.close()
      }
    },
    120_000
  )
})
