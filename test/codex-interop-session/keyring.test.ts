// The keyring store and the real Codex CLI (0.169.0) on one Secret Service: a private dbus session bus and
// gnome-keyring-daemon with an unlocked login keyring, started here, shared with Codex via DBUS_SESSION_BUS_ADDRESS.
// Entries we write (service `Codex Auth`, account `cli|` + 16 hex of sha256(canonical CODEX_HOME)) are the ones
// `codex … -c cli_auth_credentials_store="keyring"` reads, and the other way round.
// Runs only inside scripts/netns.sh (loopback only), with the keyring programs of scripts/setup-keyring.sh:
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh npx vitest run test/codex-interop-session
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as RuntimeFacts from "@codex-auth/core/RuntimeFacts"
import type * as Session from "@codex-auth/core/Session"
import { Session as SessionTag } from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as KeyringCredentialStore from "@codex-auth/keyring/KeyringCredentialStore"
import * as NodeCodexHome from "@codex-auth/node/NodeCodexHome"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { codexBin, type CodexHome, execOfflineConfig, interopEnabled, makeCodexHome } from "../support/codex.ts"

const bin = codexBin()
const interop = interopEnabled("codex-interop-session (keyring)")
const keyringPrograms = ["dbus-daemon", "gnome-keyring-daemon", "secret-tool"].every((program) =>
  spawnSync("sh", ["-c", `command -v ${program}`]).status === 0
)
// CI installs them (scripts/setup-keyring.sh): there a missing program is a failure, not a skip.
if (interop && !keyringPrograms && process.env.CI) {
  throw new Error("codex-interop-session (keyring): CI needs gnome-keyring, dbus and libsecret-tools")
}
const enabled = interop && keyringPrograms
if (!enabled) {
  console.warn(
    "codex-interop-session (keyring): skipped — needs scripts/setup-keyring.sh, CODEX_BIN=$(bash " +
      "scripts/setup-codex.sh) and bash scripts/netns.sh npx vitest run test/codex-interop-session"
  )
}

const keyringStore = ["-c", "cli_auth_credentials_store=\"keyring\""]
const user = Emulator.user({ email: "keyring@example.com", accountId: "acct-keyring", planType: "pro" })

let bus: ChildProcess | undefined
let keyring: ChildProcess | undefined
let dataHome = ""
let busAddress = ""
const savedEnv = { ...process.env }

/** A private session bus and Secret Service. Our keyring binding connects through this process's environment. */
const startSecretService = async (): Promise<void> => {
  dataHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-keyring-interop-"))
  bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "ignore"] })
  busAddress = await new Promise<string>((resolve) => bus!.stdout!.once("data", (d) => resolve(String(d).trim())))
  process.env["DBUS_SESSION_BUS_ADDRESS"] = busAddress
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

/** Codex's keyring account for a CODEX_HOME, computed independently of our implementation. */
const accountOf = (codexHome: string): string =>
  "cli|" + createHash("sha256").update(Fs.realpathSync(codexHome)).digest("hex").slice(0, 16)

/** Every Secret Service item of service `Codex Auth` for `account`, as secret-tool sees it (what Codex sees). */
const itemsFor = (account: string): Array<string> => {
  const search = spawnSync(
    "secret-tool",
    ["search", "--all", "--unlock", "service", "Codex Auth", "username", account],
    {
      env: process.env,
      encoding: "utf8"
    }
  )
  const secrets = (search.stdout + search.stderr).split("\n").filter((line) => line.startsWith("secret = "))
  return secrets.map((line) => line.slice("secret = ".length))
}

/** Runs `use` with a session of ours whose store is the keyring, on `codexHome`, talking to the emulator. */
const withKeyringSession = <A, E>(
  codexHome: string,
  issuer: string,
  use: (session: Session.Session.Service) => Effect.Effect<A, E>,
  options: KeyringCredentialStore.Options = {}
): Promise<A> => {
  const store = KeyringCredentialStore.layer(options).pipe(
    Layer.provide(Layer.mergeAll(NodeCodexHome.layer, NodeSecretFile.layer))
  )
  return Effect.runPromise(
    Effect.flatMap(SessionTag, use).pipe(
      Effect.provide(
        NodeSession.layer({ profile: { issuer }, store, refreshRetryDelayMillis: 10 }).pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", codexHome]]))))
        )
      )
    )
  )
}

/** Saves a login minted by the emulator through our keyring store. */
const saveMintedLogin = async (
  codexHome: string,
  emulator: StartedEmulatorPromise,
  mint: { readonly accessTokenTtlSeconds?: number } = {},
  options: KeyringCredentialStore.Options = {}
) => {
  const minted = await emulator.admin.mintTokens(mint)
  await withKeyringSession(codexHome, emulator.url, (session) =>
    Effect.flatMap(
      Effect.orDie(TokenSet.fromTokenResponse(
        {
          idToken: Redacted.make(minted.id_token),
          accessToken: Redacted.make(minted.access_token),
          refreshToken: Redacted.make(minted.refresh_token)
        },
        Date.now(),
        { provenance: { issuer: emulator.url, clientId: Emulator.codexClientId } }
      )),
      (tokenSet) => session.saveLogin({ _tag: "ChatGpt", tokenSet, openaiApiKey: Option.none() })
    ), options)
  return minted
}

/** The secret-tool view of the `secrets` layout's key (service `codex`), and of any `Codex Auth` entry. */
const secretsKeysFor = (codexHome: string): Array<string> => {
  const account = "secrets|" + createHash("sha256").update(Fs.realpathSync(codexHome)).digest("hex").slice(0, 16)
  const search = spawnSync("secret-tool", ["search", "--all", "--unlock", "service", "codex", "username", account], {
    env: process.env,
    encoding: "utf8"
  })
  return (search.stdout + search.stderr).split("\n").filter((line) => line.startsWith("secret = "))
    .map((line) => line.slice("secret = ".length))
}

describe.skipIf(!enabled)("the keyring store and the real Codex CLI", () => {
  let emulator: StartedEmulatorPromise | undefined
  let home: CodexHome | undefined
  const links: Array<string> = []

  beforeAll(startSecretService, 30_000)
  afterAll(() => {
    keyring?.kill("SIGTERM")
    bus?.kill("SIGTERM")
    process.env = savedEnv
    if (dataHome !== "") Fs.rmSync(dataHome, { recursive: true, force: true })
  })
  afterEach(async () => {
    await emulator?.close()
    await home?.remove()
    for (const link of links.splice(0)) Fs.rmSync(link, { force: true })
    emulator = undefined
    home = undefined
  })

  const codex = (args: ReadonlyArray<string>, env: Record<string, string> = {}, timeoutMs = 15_000) =>
    home!.run(args, { env: { DBUS_SESSION_BUS_ADDRESS: busAddress, ...env }, timeoutMs })

  it("a login we save in the keyring is what `codex login status` with the keyring store reads", async () => {
    emulator = await startEmulatorPromise({ users: [user] })
    home = await makeCodexHome(bin!)
    Fs.writeFileSync(Path.join(home.codexHome, "auth.json"), "{}", { mode: 0o600 })
    const minted = await saveMintedLogin(home.codexHome, emulator)
    // Saved under Codex's names, compact, and auth.json gone (a keyring save removes it, as Codex's does).
    const items = itemsFor(accountOf(home.codexHome))
    expect(items).toHaveLength(1)
    expect(JSON.parse(items[0]!).tokens.refresh_token).toBe(minted.refresh_token)
    expect(items[0]).not.toContain("\n")
    expect(Fs.existsSync(Path.join(home.codexHome, "auth.json"))).toBe(false)

    const status = await codex(["login", "status", ...keyringStore]).done
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
    // Control: with its default file store Codex finds nothing, so the answer above came from the keyring.
    const fileStatus = await codex(["login", "status"]).done
    expect(fileStatus.stdout + fileStatus.stderr).not.toContain("Logged in")
  })

  // Codex on Windows (features.secret_auth_storage, on by default there): the Credential Manager holds at most
  // 2,560 bytes, so the login goes to CODEX_HOME/secrets/codex_auth.age (age, scrypt) and only its key to the keyring.
  // The same layout is selectable on Linux, so the real Codex CLI checks ours here.
  const secretsStore = [...keyringStore, "-c", "features.secret_auth_storage=true"]
  const secrets = { backend: "secrets" } as const

  it("secrets layout: a login larger than a Credential Manager blob, saved by us, is read by Codex", async () => {
    emulator = await startEmulatorPromise({ users: [user] })
    home = await makeCodexHome(bin!)
    Fs.writeFileSync(Path.join(home.codexHome, "auth.json"), "{}", { mode: 0o600 })
    const minted = await saveMintedLogin(home.codexHome, emulator, {}, secrets)
    // The Credential Manager stores a password as UTF-16 in a blob of at most 2,560 bytes (1,280 characters).
    const tokens = minted.id_token.length + minted.access_token.length + minted.refresh_token.length
    expect(tokens * 2, "the tokens alone, as UTF-16, exceed a Credential Manager blob").toBeGreaterThan(2560)
    const file = Path.join(home.codexHome, "secrets", "codex_auth.age")
    const bytes = Fs.readFileSync(file)
    expect(bytes.subarray(0, 21).toString("latin1")).toBe("age-encryption.org/v1")
    expect(bytes.includes(Buffer.from(minted.refresh_token)), "encrypted, not plain").toBe(false)
    expect(Fs.statSync(file).mode & 0o777).toBe(0o600)
    const [key] = secretsKeysFor(home.codexHome)
    expect(Buffer.from(key!, "base64")).toHaveLength(32)
    expect(itemsFor(accountOf(home.codexHome)), "no direct entry").toHaveLength(0)
    expect(Fs.existsSync(Path.join(home.codexHome, "auth.json"))).toBe(false)

    const status = await codex(["login", "status", ...secretsStore]).done
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
    // Control: Codex's direct layout finds nothing, so the answer above came from the encrypted file.
    const direct = await codex(["login", "status", ...keyringStore]).done
    expect(direct.stdout + direct.stderr).not.toContain("Logged in")
  }, 120_000)

  it("secrets layout: what Codex writes (device login) we read, refresh in place, and Codex reads again", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true, users: [user] })
    home = await makeCodexHome(bin!)
    const login = codex(["login", "--device-auth", "--experimental_issuer", emulator.url, ...secretsStore], {}, 30_000)
    expect((await login.done).code, login.output()).toBe(0)
    const file = Path.join(home.codexHome, "secrets", "codex_auth.age")
    expect(Fs.existsSync(file), "Codex wrote the encrypted file").toBe(true)
    const [codexKey] = secretsKeysFor(home.codexHome)

    await emulator.admin.clearRequests()
    const status = await withKeyringSession(home.codexHome, emulator.url, (session) => session.status, secrets)
    expect(status.loggedIn).toBe(true)
    expect(Option.getOrNull(status.email)).toBe("keyring@example.com")
    const refreshed = await withKeyringSession(home.codexHome, emulator.url, (session) => session.refresh, secrets)
    expect(refreshed._tag).toBe("ChatGpt")
    expect(secretsKeysFor(home.codexHome), "the same key, reused").toEqual([codexKey])
    const codexStatus = await codex(["login", "status", ...secretsStore]).done
    expect(codexStatus.stdout + codexStatus.stderr).toContain("Logged in using ChatGPT")

    // Logout through our store removes Codex's secret; Codex then finds no login.
    await withKeyringSession(home.codexHome, emulator.url, (session) => session.logout, secrets)
    const after = await codex(["login", "status", ...secretsStore]).done
    expect(after.stdout + after.stderr).not.toContain("Logged in using ChatGPT")
  }, 180_000)

  it("the default layout follows the OS in RuntimeFacts: Windows → the encrypted file, elsewhere → the direct entry", async () => {
    home = await makeCodexHome(bin!)
    const locationWith = (facts: Layer.Layer<RuntimeFacts.RuntimeFacts> | undefined) =>
      Effect.runPromise(
        Effect.map(CredentialStore, (store) => store.location).pipe(
          Effect.provide(KeyringCredentialStore.layer()),
          Effect.provide(Layer.mergeAll(NodeCodexHome.layer, NodeSecretFile.layer, facts ?? Layer.empty)),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", home!.codexHome]])))
        )
      )
    expect(await locationWith(RuntimeFacts.layer({ ...RuntimeFacts.desktop, os: "win32" }))).toContain(
      Path.join("secrets", "codex_auth.age")
    )
    expect(await locationWith(RuntimeFacts.layer(RuntimeFacts.desktop))).toBe(
      `Codex Auth / ${accountOf(home.codexHome)}`
    )
    expect(await locationWith(undefined)).toBe(`Codex Auth / ${accountOf(home.codexHome)}`)
  })

  it(
    "secrets layout: a damaged file or a lost key is a typed error saying what to do; nothing is removed",
    async () => {
      emulator = await startEmulatorPromise({ users: [user] })
      home = await makeCodexHome(bin!)
      await saveMintedLogin(home.codexHome, emulator, {}, secrets)
      const file = Path.join(home.codexHome, "secrets", "codex_auth.age")
      const original = Fs.readFileSync(file)
      const damaged = Buffer.from(original)
      damaged[damaged.length - 5] = damaged[damaged.length - 5]! ^ 0xff
      Fs.writeFileSync(file, damaged)
      const load = () =>
        withKeyringSession(home!.codexHome, emulator!.url, (session) => Effect.flip(session.status), secrets)
      const broken = await load()
      expect(broken.message).toContain("cannot be decrypted with the keyring's key")
      expect(broken.message).toContain(`remove ${file} and sign in again`)
      expect(Fs.readFileSync(file).equals(damaged), "left as it was").toBe(true)

      Fs.writeFileSync(file, original)
      const account = "secrets|" +
        createHash("sha256").update(Fs.realpathSync(home.codexHome)).digest("hex").slice(0, 16)
      spawnSync("secret-tool", ["clear", "service", "codex", "username", account], { env: process.env })
      expect(secretsKeysFor(home.codexHome)).toHaveLength(0)
      const keyless = await load()
      expect(keyless.message).toContain("its key is not in the keyring")
      expect(Fs.readFileSync(file).equals(original)).toBe(true)
    },
    120_000
  )

  it("CODEX_HOME through a symlink: both sides name the entry after the canonical path", async () => {
    emulator = await startEmulatorPromise({ users: [user] })
    home = await makeCodexHome(bin!)
    const link = Path.join(Os.tmpdir(), `codex-home-link-${process.pid}-${Date.now()}`)
    Fs.symlinkSync(home.codexHome, link)
    links.push(link)
    await saveMintedLogin(link, emulator)
    expect(itemsFor(accountOf(home.codexHome))).toHaveLength(1)
    // Codex given the real directory finds the entry we saved through the link.
    const status = await codex(["login", "status", ...keyringStore], { CODEX_HOME: home.codexHome }).done
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
  })

  it("an entry Codex writes (device login, keyring store) is what we read; our refresh updates that entry", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true, users: [user] })
    home = await makeCodexHome(bin!)
    const login = codex(["login", "--device-auth", "--experimental_issuer", emulator.url, ...keyringStore], {}, 30_000)
    expect((await login.done).code, login.output()).toBe(0)
    expect(Fs.existsSync(Path.join(home.codexHome, "auth.json")), "Codex stored in the keyring, not the file").toBe(
      false
    )
    const account = accountOf(home.codexHome)
    const written = itemsFor(account)
    expect(written).toHaveLength(1)
    const codexTokens = JSON.parse(written[0]!).tokens

    await emulator.admin.clearRequests()
    const [status, token] = await withKeyringSession(
      home.codexHome,
      emulator.url,
      (session) => Effect.all([session.status, session.getToken])
    )
    expect(status.loggedIn).toBe(true)
    expect(status.store).toBe("keyring")
    expect(Option.getOrNull(status.email)).toBe("keyring@example.com")
    expect(Option.getOrNull(status.accountId)).toBe("acct-keyring")
    expect(Redacted.value(token)).toBe(codexTokens.access_token)
    expect(await emulator.admin.requests()).toHaveLength(0)

    // Our refresh rewrites Codex's entry in place (no second item Codex would find ambiguous), and Codex reads it.
    const refreshed = await withKeyringSession(home.codexHome, emulator.url, (session) => session.refresh)
    expect(refreshed._tag).toBe("ChatGpt")
    const after = itemsFor(account)
    expect(after).toHaveLength(1)
    expect(JSON.parse(after[0]!).tokens.refresh_token).not.toBe(codexTokens.refresh_token)
    const codexStatus = await codex(["login", "status", ...keyringStore]).done
    expect(codexStatus.stdout + codexStatus.stderr).toContain("Logged in using ChatGPT")
  })

  it("Codex refreshing (exec) an entry we saved rewrites it in place, and we adopt Codex's tokens", async () => {
    emulator = await startEmulatorPromise({ users: [user] })
    home = await makeCodexHome(bin!)
    const minted = await saveMintedLogin(home.codexHome, emulator, { accessTokenTtlSeconds: -120 })
    await emulator.admin.clearRequests()
    const exec = codex(
      ["exec", "--skip-git-repo-check", ...keyringStore, ...execOfflineConfig(emulator.url), "say hi"],
      { CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${emulator.url}/oauth/token` },
      60_000
    )
    await exec.done
    const refreshes = (await emulator.admin.requests()).filter((r) => r.grantType === "refresh_token")
    expect(refreshes.map((r) => r.refreshToken), exec.output()).toEqual([minted.refresh_token])
    const items = itemsFor(accountOf(home.codexHome))
    expect(items).toHaveLength(1)
    const codexTokens = JSON.parse(items[0]!).tokens
    expect(codexTokens.refresh_token).not.toBe(minted.refresh_token)

    const token = await withKeyringSession(home.codexHome, emulator.url, (session) => session.getToken)
    expect(Redacted.value(token)).toBe(codexTokens.access_token)
    expect((await emulator.admin.requests()).filter((r) => r.grantType === "refresh_token")).toHaveLength(1)
  })
})
