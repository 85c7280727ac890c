// The keyring store against a real Secret Service: a private dbus session bus and gnome-keyring-daemon with an
// unlocked login keyring in a temporary XDG_DATA_HOME, started and stopped here. Install with
// scripts/setup-keyring.sh; skipped (with a warning) where those programs are missing.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import { SecretFile } from "@codex-auth/core/SecretFile"
import * as KeyringCredentialStore from "@codex-auth/keyring/KeyringCredentialStore"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const available = ["dbus-daemon", "gnome-keyring-daemon", "secret-tool"].every((program) =>
  spawnSync("sh", ["-c", `command -v ${program}`]).status === 0
)
// CI installs them (scripts/test.sh), so there a missing program is a failure, not a skip.
if (!available && process.env.CI) throw new Error("keyring tests need gnome-keyring, dbus and libsecret-tools")
if (!available) console.warn("keyring: skipped — run scripts/setup-keyring.sh (gnome-keyring, dbus, libsecret-tools)")

let bus: ChildProcess | undefined
let keyring: ChildProcess | undefined
let dataHome = ""
const savedEnv = { ...process.env }

const startSecretService = async (): Promise<void> => {
  dataHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-keyring-"))
  bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "inherit"] })
  const address = await new Promise<string>((resolve) => bus!.stdout!.once("data", (d) => resolve(String(d).trim())))
  process.env["DBUS_SESSION_BUS_ADDRESS"] = address
  process.env["XDG_DATA_HOME"] = dataHome
  keyring = spawn("gnome-keyring-daemon", ["--foreground", "--unlock", "--components=secrets"], {
    stdio: ["pipe", "ignore", "ignore"],
    env: process.env
  })
  keyring.stdin!.end("test-password")
  // Ready once the login keyring is written; probing the bus earlier would make dbus activate a second, locked
  // daemon that then waits for a password prompt.
  const loginKeyring = Path.join(dataHome, "keyrings", "login.keyring")
  for (let i = 0; i < 200; i++) {
    if (Fs.existsSync(loginKeyring) && Fs.statSync(loginKeyring).size > 0) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error("gnome-keyring-daemon did not create the login keyring")
}

beforeAll(async () => {
  if (available) await startSecretService()
}, 30_000)

afterAll(() => {
  keyring?.kill("SIGTERM")
  bus?.kill("SIGTERM")
  process.env = savedEnv
  if (dataHome !== "") Fs.rmSync(dataHome, { recursive: true, force: true })
})

const idToken = [
  Buffer.from("{\"alg\":\"none\"}").toString("base64url"),
  Buffer.from(JSON.stringify({ email: "k@example.com" })).toString("base64url"),
  "c2ln"
].join(".")

const document = (refresh: string): AuthJson.AuthDocument =>
  AuthJson.parseEither(
    JSON.stringify({
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: { id_token: idToken, access_token: "at", refresh_token: refresh, account_id: "acct-k" },
      last_refresh: "2026-11-21T22:18:32Z"
    }),
    { path: "test" }
  ).pipe((either) => {
    if (either._tag === "Left") throw either.left
    return either.right
  })

const tempHome = Effect.acquireRelease(
  Effect.sync(() => Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-home-keyring-")))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const storeIn = (home: string, layer = KeyringCredentialStore.layer()) =>
  Effect.provide(
    CredentialStore,
    layer.pipe(
      Layer.provideMerge(CodexHome.layer(home)),
      Layer.provide(Layer.succeed(SecretFile, NodeSecretFile.make))
    )
  )

const secretToolLookup = (account: string) =>
  spawnSync("secret-tool", ["lookup", "service", "Codex Auth", "username", account], {
    env: process.env,
    encoding: "utf8"
  })

describe.skipIf(!available)("KeyringCredentialStore (Secret Service)", () => {
  it("the account is cli| + 16 hex of sha256(canonical CODEX_HOME)", async () => {
    const path = "/home/someone/.codex"
    const expected = "cli|" + createHash("sha256").update(path).digest("hex").slice(0, 16)
    assert.strictEqual(await Effect.runPromise(KeyringCredentialStore.accountFor(path)), expected)
  })

  it.scopedLive("save writes compact JSON under Codex's names and removes auth.json; load reads it back", () =>
    Effect.gen(function*() {
      const home = yield* tempHome
      Fs.writeFileSync(Path.join(home, "auth.json"), "{}")
      const store = yield* storeIn(home)
      assert.strictEqual(store.kind, "keyring")
      yield* store.save(document("rt-keyring-1"))
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")), "auth.json removed after a keyring save")
      const account = yield* KeyringCredentialStore.accountFor(home)
      // What Codex would read: the entry through libsecret, the same compact JSON Codex stores.
      const lookup = secretToolLookup(account)
      assert.strictEqual(lookup.status, 0, lookup.stderr)
      assert.strictEqual(lookup.stdout, AuthJson.stringifyCompact(document("rt-keyring-1")))
      const loaded = Option.getOrThrow(yield* store.load)
      assert.strictEqual(Redacted.value(Option.getOrThrow(loaded.tokens).refreshToken), "rt-keyring-1")
      assert.isTrue(yield* store.remove)
      assert.isTrue(Option.isNone(yield* store.load))
      assert.notStrictEqual(secretToolLookup(account).status, 0)
    }))

  it.scopedLive("auto uses the keyring when it answers", () =>
    Effect.gen(function*() {
      const home = yield* tempHome
      const store = yield* storeIn(home, KeyringCredentialStore.layerAuto)
      assert.strictEqual(store.kind, "keyring")
    }))

  // The keyring binding keeps its bus connection for the life of the process: the fallback runs in a fresh one.
  it.scopedLive("auto falls back to the file store, with a one-line warning, when no Secret Service answers", () =>
    Effect.gen(function*() {
      const home = yield* tempHome
      const module = Path.resolve("packages/keyring/dist/KeyringCredentialStore.js")
      assert.isTrue(Fs.existsSync(module), "build first: npx tsc -b")
      const script = Path.join(home, "auto.mjs")
      const imports = {
        Keyring: module,
        CodexHome: Path.resolve("packages/core/dist/CodexHome.js"),
        Store: Path.resolve("packages/core/dist/CredentialStore.js"),
        SecretFile: Path.resolve("packages/core/dist/SecretFile.js"),
        NodeSecretFile: Path.resolve("packages/node/dist/NodeSecretFile.js"),
        Effect: Path.resolve("node_modules/effect/dist/esm/Effect.js"),
        Layer: Path.resolve("node_modules/effect/dist/esm/Layer.js")
      }
      Fs.writeFileSync(
        script,
        Object.entries(imports).map(([name, path]) => `import * as ${name} from ${JSON.stringify(path)}\n`).join("") +
          `const layer = Keyring.layerAuto.pipe(Layer.provideMerge(CodexHome.layer(${JSON.stringify(home)})),` +
          ` Layer.provide(Layer.succeed(SecretFile.SecretFile, NodeSecretFile.make)))\n` +
          `const store = await Effect.runPromise(Effect.provide(Store.CredentialStore, layer))\n` +
          `console.log("kind=" + store.kind)\n`
      )
      const run = spawnSync("node", [script], {
        encoding: "utf8",
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" }
      })
      assert.strictEqual(run.status, 0, run.stderr)
      assert.include(run.stdout, "kind=file")
      // One plain line on stderr (stdout carries tokens for `token`/`headers`), not an Effect log record.
      assert.notInclude(run.stdout, "keyring is not available")
      const warnings = run.stderr.split("\n").filter((line) => line.includes("keyring is not available"))
      assert.strictEqual(warnings.length, 1, run.stderr)
      assert.match(warnings[0]!, /^Warning: the OS keyring is not available \(.+\); storing credentials in /)
      assert.include(warnings[0]!, Path.join(home, "auth.json"))
    }))
})
