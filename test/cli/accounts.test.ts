// `codex-auth login --account NAME` and `codex-auth accounts` as a user runs them: the built bin (run `npx tsc -b`
// first), a temp pool file, the emulator with three users approving one device code each.
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (
  args: ReadonlyArray<string>,
  options: { readonly input?: string; readonly env?: NodeJS.ProcessEnv } = {}
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "", ...options.env }
    delete env["CI"]
    delete env["CODEX_HOME"]
    if (options.env?.["CODEX_AUTH_POOL"] === undefined) delete env["CODEX_AUTH_POOL"]
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
      env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk) => (stdout += chunk))
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    if (options.input !== undefined) child.stdin!.end(options.input)
  })

const temps: Array<string> = []
const tempDir = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-accounts-"))
  temps.push(dir)
  return dir
}

const names = ["a", "b", "c"] as const
const users = names.map((name) => Emulator.user({ email: `${name}@example.com` }))

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  emulator = await startEmulatorPromise({ users, deviceInterval: "0" })
})
afterAll(async () => {
  await emulator.close()
  for (const dir of temps.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

/** `login --account NAME --flow device`, the device code approved in the emulator as NAME@example.com. */
const loginAccount = async (name: string, pool: string, extra: ReadonlyArray<string> = []): Promise<Result> => {
  const login = run([
    "login",
    "--account",
    name,
    "--flow",
    "device",
    "--issuer",
    emulator.url,
    "--json",
    ...extra
  ], { env: { CODEX_AUTH_POOL: pool } })
  const pending = await emulator.admin.awaitPendingDeviceCode()
  await emulator.admin.approveDeviceCode(pending.userCode, `${name}@example.com`)
  return login
}

const accountsJson = async (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) => {
  const result = await run(["accounts", "--json", ...args], { env })
  return { result, document: JSON.parse(result.stdout) }
}

describe("codex-auth login --account and accounts", () => {
  it("login --account a/b/c signs each in its own CODEX_HOME; accounts --json lists them with health", async () => {
    const dir = tempDir()
    const pool = Path.join(dir, "pool.json")
    for (const name of names) {
      const login = await loginAccount(name, pool)
      assert.strictEqual(login.code, 0, login.stderr)
      const summary = JSON.parse(login.stdout)
      assert.deepInclude(summary, { loggedIn: true, method: "device", email: `${name}@example.com` })
      assert.deepStrictEqual(summary.account, {
        name,
        codexHome: Path.join(dir, "accounts", name),
        pool,
        replaced: false
      })
    }
    const config = JSON.parse(Fs.readFileSync(pool, "utf8"))
    assert.deepStrictEqual(config, {
      strategy: "round-robin",
      accounts: names.map((name) => ({ name, codexHome: Path.join(dir, "accounts", name) }))
    })
    assert.strictEqual(Fs.statSync(pool).mode & 0o777, 0o600)
    const stored: Record<string, any> = {}
    for (const name of names) {
      const home = Path.join(dir, "accounts", name)
      assert.strictEqual(Fs.statSync(home).mode & 0o777, 0o700)
      stored[name] = JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"))
      assert.strictEqual(stored[name].auth_mode, "chatgpt")
    }
    // Three different accounts, not one login copied three times.
    assert.strictEqual(new Set(names.map((name) => stored[name].tokens.account_id)).size, 3)

    const { document, result } = await accountsJson([], { CODEX_AUTH_POOL: pool })
    assert.strictEqual(result.code, 0, result.stderr)
    assert.strictEqual(result.stderr, "")
    assert.strictEqual(document.pool, pool)
    assert.strictEqual(document.strategy, "round-robin")
    assert.deepStrictEqual(document.accounts.map((a: any) => a.name), [...names])
    for (const account of document.accounts) {
      assert.deepInclude(account, {
        mode: "chatgpt",
        email: `${account.name}@example.com`,
        plan: "plus",
        accountId: stored[account.name].tokens.account_id,
        health: "healthy",
        until: null,
        reason: null,
        location: Path.join(dir, "accounts", account.name, "auth.json")
      })
      assert.isAbove(Date.parse(account.accessTokenExpiresAt), Date.parse("2026-01-01T00:00:00Z"))
    }
    // No secret anywhere in the listing.
    for (const name of names) {
      for (const secret of [stored[name].tokens.access_token, stored[name].tokens.refresh_token]) {
        assert.notInclude(result.stdout, secret)
      }
    }

    // --pool FILE wins over CODEX_AUTH_POOL; the human table goes to stderr.
    const human = await run(["accounts", "--pool", pool], { env: { CODEX_AUTH_POOL: Path.join(dir, "other.json") } })
    assert.strictEqual(human.code, 0, human.stderr)
    assert.strictEqual(human.stdout, "")
    const lines = human.stderr.trimEnd().split("\n")
    assert.strictEqual(lines[0], `Account pool ${pool} (round-robin, 3 accounts)`)
    assert.match(lines[2]!, /^NAME\s+MODE\s+EMAIL\s+PLAN\s+TOKEN EXPIRES\s+HEALTH$/)
    for (const [i, name] of names.entries()) {
      assert.match(lines[3 + i]!, new RegExp(`^${name}\\s+ChatGPT\\s+${name}@example\\.com\\s+plus\\s+.*✓ healthy$`))
    }
    // Columns line up: every row's HEALTH starts where the header's does.
    const column = lines[2]!.indexOf("HEALTH")
    for (const line of lines.slice(3, 6)) assert.strictEqual(line.indexOf("✓ healthy"), column, line)

    // Signing an account in again replaces it in place.
    const again = await loginAccount("b", pool)
    assert.strictEqual(again.code, 0, again.stderr)
    assert.strictEqual(JSON.parse(again.stdout).account.replaced, true)
    assert.deepStrictEqual(JSON.parse(Fs.readFileSync(pool, "utf8")).accounts.map((a: any) => a.name), [...names])
  })

  it("--with-api-key --account adds an API-key account; --codex-home picks its home", async () => {
    const dir = tempDir()
    const pool = Path.join(dir, "pool.json")
    const home = Path.join(dir, "elsewhere")
    Fs.mkdirSync(home)
    const key = "sk-proj-PoolKey0123456789abcdefghij-VWXYZ"
    const login = await run(["login", "--with-api-key", "--account", "keyed", "--pool", pool, "--codex-home", home], {
      input: `${key}\n`
    })
    assert.strictEqual(login.code, 0, login.stderr)
    assert.include(login.stderr, "Pool account: keyed")
    assert.notInclude(login.stderr, key)
    assert.deepStrictEqual(JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8")), {
      auth_mode: "apikey",
      OPENAI_API_KEY: key
    })
    const { document, result } = await accountsJson(["--pool", pool])
    assert.strictEqual(result.code, 0, result.stderr)
    assert.deepStrictEqual(document.accounts.map((a: any) => [a.name, a.mode, a.health, a.location]), [
      ["keyed", "apikey", "healthy", Path.join(home, "auth.json")]
    ])
    assert.notInclude(result.stdout, key)
  })

  it("an account without credentials needs login; --check finds a revoked refresh token", async () => {
    const dir = tempDir()
    const pool = Path.join(dir, "pool.json")
    // "a" expires at once, so --check must refresh it.
    await emulator.admin.updateSettings({ accessTokenTtlSeconds: -60 })
    try {
      assert.strictEqual((await loginAccount("a", pool)).code, 0)
    } finally {
      await emulator.admin.updateSettings({ accessTokenTtlSeconds: 3600 })
    }
    assert.strictEqual((await loginAccount("b", pool)).code, 0)
    Fs.rmSync(Path.join(dir, "accounts", "b", "auth.json"))
    assert.isAtLeast(await emulator.admin.revoke({ email: "a@example.com" }), 1)

    // Without --check: what the stores show. "b" holds nothing; "a" holds tokens (their refresh not yet tried).
    const plain = await accountsJson(["--pool", pool])
    assert.strictEqual(plain.result.code, 0, plain.result.stderr)
    assert.deepStrictEqual(plain.document.accounts.map((a: any) => [a.name, a.health]), [
      ["a", "healthy"],
      ["b", "needs-login"]
    ])
    assert.strictEqual(plain.document.accounts[1].reason, "not signed in")

    await emulator.admin.clearRequests()
    const checked = await accountsJson(["--pool", pool, "--check"])
    assert.strictEqual(checked.result.code, 1, checked.result.stderr)
    const a = checked.document.accounts[0]
    assert.strictEqual(a.health, "needs-login")
    assert.match(a.reason, /refresh token/i)
    const grants = (await emulator.admin.requests()).filter((entry) => entry.grantType === "refresh_token")
    assert.strictEqual(grants.length, 1)

    const human = await run(["accounts", "--pool", pool, "--check"])
    assert.strictEqual(human.code, 1)
    assert.include(human.stderr, "✗ needs login")
    assert.include(human.stderr, "codex-auth login --account a, codex-auth login --account b")
  })

  it("a sign-in that fails takes the account it added out of the pool again; an existing account stays", async () => {
    const pool = Path.join(tempDir(), "pool.json")
    assert.strictEqual((await loginAccount("a", pool)).code, 0)
    const login = run(["login", "--account", "b", "--flow", "device", "--issuer", emulator.url], {
      env: { CODEX_AUTH_POOL: pool }
    })
    await emulator.admin.denyDeviceCode((await emulator.admin.awaitPendingDeviceCode()).userCode)
    const failed = await login
    assert.strictEqual(failed.code, 1, failed.stderr)
    const { document } = await accountsJson([], { CODEX_AUTH_POOL: pool })
    assert.deepStrictEqual(document.accounts.map((account: { name: string }) => account.name), ["a"])

    const again = run(["login", "--account", "a", "--flow", "device", "--issuer", emulator.url], {
      env: { CODEX_AUTH_POOL: pool }
    })
    await emulator.admin.denyDeviceCode((await emulator.admin.awaitPendingDeviceCode()).userCode)
    assert.strictEqual((await again).code, 1)
    const after = await accountsJson([], { CODEX_AUTH_POOL: pool })
    assert.deepStrictEqual(after.document.accounts.map((account: { name: string }) => account.name), ["a"])
  })

  it("an empty or missing pool: exit 1 with the way to add an account; --json lists none", async () => {
    const pool = Path.join(tempDir(), "none.json")
    const human = await run(["accounts", "--pool", pool])
    assert.strictEqual(human.code, 1)
    assert.strictEqual(human.stderr.trim().split("\n").length, 1, human.stderr)
    assert.include(human.stderr, `${pool} has no accounts`)
    assert.include(human.stderr, "codex-auth login --account NAME")
    const { document, result } = await accountsJson([], { CODEX_AUTH_POOL: pool })
    assert.strictEqual(result.code, 1)
    assert.deepStrictEqual(document, { pool, strategy: "round-robin", accounts: [] })
    assert.isFalse(Fs.existsSync(pool))
  })

  it("a broken pool file: one line naming it, exit 1", async () => {
    const pool = Path.join(tempDir(), "pool.json")
    Fs.writeFileSync(pool, `{"stratgy": "round-robin"}`)
    for (const args of [["accounts", "--pool", pool], ["accounts", "--json", "--pool", pool]]) {
      const result = await run(args)
      assert.strictEqual(result.code, 1, args.join(" "))
      if (args.includes("--json")) {
        // --json: the failure is one JSON document on stdout (issue 18).
        const { error } = JSON.parse(result.stdout)
        assert.strictEqual(error._tag, "PoolConfigInvalid")
        assert.include(error.message, `The account pool config ${pool} cannot be used`)
      } else {
        assert.strictEqual(result.stdout, "")
      }
      assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr)
      assert.include(result.stderr, `The account pool config ${pool} cannot be used`)
    }
  })

  it("bad --account usage: one line, exit 2, nothing created", async () => {
    const dir = tempDir()
    const pool = Path.join(dir, "pool.json")
    for (
      const args of [
        ["login", "--account", "../evil", "--pool", pool],
        ["login", "--account", "x", "--store", "memory", "--pool", pool],
        ["login", "--pool", pool, "--flow", "device"]
      ]
    ) {
      const result = await run(args)
      assert.strictEqual(result.code, 2, args.join(" "))
      assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr)
      assert.isFalse(Fs.existsSync(pool), args.join(" "))
    }
    const help = await run(["accounts", "--help"])
    assert.strictEqual(help.code, 0)
    for (const flag of ["--pool", "--json", "--check", "codex-auth login --account NAME"]) {
      assert.include(help.stdout, flag)
    }
    assert.include((await run(["--help"])).stdout, "accounts")
    const loginHelp = await run(["login", "--help"])
    for (const flag of ["--account", "--pool", "--with-api-key"]) assert.include(loginHelp.stdout, flag)
  })
})
