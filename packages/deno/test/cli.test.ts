// The Deno CLI as a user runs it (`deno run -A packages/deno/cli.ts …` in a child process) against the emulator on
// Deno.serve: device login approved through the admin API, status (human and --json), token, headers, refresh,
// logout and the exit codes — and, for the same CODEX_HOME, the Node CLI (`packages/node/bin/codex-auth.js`, built by
// `npm run build`) prints the same JSON keys, the same token and headers and the same first human line.
import * as assert from "../../../test/shared/assert.ts"
import { exists, readAuth, startEmulator, tempHome } from "./support/emulator.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const root = new URL("../../../", import.meta.url).pathname
const denoCli = `${root}packages/deno/cli.ts`
const nodeCli = `${root}packages/node/bin/codex-auth.js`

interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const environment = (extra: Record<string, string>): Record<string, string> => {
  const env = Deno.env.toObject()
  delete env["CI"]
  delete env["CODEX_HOME"]
  return { ...env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "", ...extra }
}

const spawn = (command: string, args: ReadonlyArray<string>, extra: Record<string, string>) =>
  new Deno.Command(command, {
    args: [...args],
    env: environment(extra),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped"
  }).spawn()

const collect = async (child: Deno.ChildProcess): Promise<Result> => {
  const output = await child.output()
  const decoder = new TextDecoder()
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) }
}

const deno = (args: ReadonlyArray<string>, extra: Record<string, string> = {}): Promise<Result> =>
  collect(spawn(Deno.execPath(), ["run", "-A", "--conditions=source", denoCli, ...args], extra))

const node = (args: ReadonlyArray<string>, extra: Record<string, string> = {}): Promise<Result> =>
  collect(spawn("node", [nodeCli, ...args], extra))

const firstLine = (text: string): string => text.split("\n")[0] ?? ""

const keysOf = (text: string): ReadonlyArray<string> => Object.keys(JSON.parse(text)).sort()

/** Both CLIs (Node's fast path and its full CLI) answer `args` on the same state like the Deno CLI did. */
const sameAsNode = async (args: ReadonlyArray<string>, ours: Result, compare: "bytes" | "keys" | "first-line") => {
  for (const extra of [{}, { CODEX_AUTH_NO_FAST_PATH: "1" }]) {
    const theirs = await node(args, extra)
    const what = `${args.join(" ")} ${JSON.stringify(extra)}`
    assert.equal(theirs.code, ours.code, `exit code of ${what}`)
    if (compare === "bytes") {
      assert.equal(ours.stdout, theirs.stdout, `stdout of ${what}`)
    } else if (compare === "keys") {
      assert.deepEqual(keysOf(ours.stdout), keysOf(theirs.stdout), `JSON keys of ${what}`)
    } else {
      assert.equal(firstLine(ours.stderr), firstLine(theirs.stderr), `first line of ${what}`)
    }
  }
}

Deno.test({
  name: "cli: device login, status, token, headers, refresh, logout through `deno run cli.ts`, shaped like Node's",
  ...options,
  fn: async () => {
    const emulator = await startEmulator({ deviceInterval: "0" })
    const home = await tempHome()
    const at = ["--codex-home", home]
    try {
      const notYet = await deno(["status", ...at])
      assert.equal(notYet.code, 1, "not logged in: exit 1")
      assert.equal(notYet.stdout, "")
      assert.include(notYet.stderr, "Not logged in")
      await sameAsNode(["status", ...at], notYet, "first-line")
      const notYetJson = await deno(["status", "--json", ...at])
      assert.equal(notYetJson.code, 1)
      assert.isFalse(JSON.parse(notYetJson.stdout).loggedIn, "--json says loggedIn: false")
      await sameAsNode(["status", "--json", ...at], notYetJson, "bytes")

      // Login: the device code, approved by "the user" through the emulator's admin API.
      const login = spawn(
        Deno.execPath(),
        [
          "run",
          "-A",
          "--conditions=source",
          denoCli,
          "login",
          "--flow",
          "device",
          "--issuer",
          emulator.url,
          "--json",
          ...at
        ],
        {}
      )
      const pending = await emulator.run(emulator.admin.awaitPendingDeviceCode())
      await emulator.run(emulator.admin.approveDeviceCode(pending.userCode))
      const loggedIn = await collect(login)
      assert.equal(loggedIn.code, 0, loggedIn.stderr)
      const stored = await readAuth(home)
      assert.deepEqual(JSON.parse(loggedIn.stdout), {
        loggedIn: true,
        method: "device",
        email: "user@example.com",
        accountId: stored.tokens.account_id,
        plan: "plus"
      })
      assert.include(loggedIn.stderr, "one-time code")
      assert.include(loggedIn.stderr, pending.userCode)
      assert.equal(stored.auth_mode, "chatgpt")
      assert.equal(((await Deno.stat(`${home}/auth.json`)).mode ?? 0) & 0o777, 0o600, "auth.json is 0600")
      for (const secret of [stored.tokens.access_token, stored.tokens.refresh_token, stored.tokens.id_token]) {
        assert.notInclude(loggedIn.stderr, secret, "no secret on stderr")
      }

      const status = await deno(["status", ...at])
      assert.equal(status.code, 0)
      assert.equal(status.stdout, "")
      assert.equal(firstLine(status.stderr), "✓ Logged in to ChatGPT as user@example.com (plus) using ChatGPT")
      assert.include(status.stderr, `  - Account: ${stored.tokens.account_id}`)
      await sameAsNode(["status", ...at], status, "first-line")
      const statusJson = await deno(["status", "--json", ...at])
      const parsed = JSON.parse(statusJson.stdout)
      assert.isTrue(parsed.loggedIn)
      assert.equal(parsed.accountId, stored.tokens.account_id)
      assert.equal(parsed.location, `${await Deno.realPath(home)}/auth.json`)
      await sameAsNode(["status", "--json", ...at], statusJson, "bytes")

      const token = await deno(["token", ...at])
      assert.equal(token.code, 0)
      assert.equal(token.stdout, `${stored.tokens.access_token}\n`)
      assert.equal(token.stderr, "")
      await sameAsNode(["token", ...at], token, "bytes")
      const tokenJson = await deno(["token", "--json", ...at])
      assert.equal(JSON.parse(tokenJson.stdout).token, stored.tokens.access_token)
      await sameAsNode(["token", "--json", ...at], tokenJson, "bytes")

      const headers = await deno(["headers", ...at])
      assert.equal(headers.code, 0)
      assert.include(headers.stdout, `Authorization: Bearer ${stored.tokens.access_token}\n`)
      assert.include(headers.stdout, `ChatGPT-Account-ID: ${stored.tokens.account_id}\n`)
      assert.include(headers.stdout, "originator: codex_cli_rs\n")
      await sameAsNode(["headers", ...at], headers, "bytes")
      const headersJson = await deno(["headers", "--json", ...at])
      assert.equal(JSON.parse(headersJson.stdout)["Authorization"], `Bearer ${stored.tokens.access_token}`)
      await sameAsNode(["headers", "--json", ...at], headersJson, "bytes")

      const refresh = await deno(["refresh", "--json", ...at])
      assert.equal(refresh.code, 0, refresh.stderr)
      assert.isTrue(JSON.parse(refresh.stdout).refreshed, "refreshed: true")
      assert.include(refresh.stderr, "✓ Refreshed the tokens of user@example.com")
      const rotated = await readAuth(home)
      assert.notEqual(rotated.tokens.refresh_token, stored.tokens.refresh_token, "the refresh token rotated")
      assert.equal((await deno(["token", ...at])).stdout, `${rotated.tokens.access_token}\n`)
      const grants = (await emulator.run(emulator.admin.requests)).filter((r) => r.grantType === "refresh_token")
      assert.equal(grants.length, 1, "one refresh grant")

      const logout = await deno(["logout", "--json", "--issuer", emulator.url, ...at])
      assert.equal(logout.code, 0, logout.stderr)
      const logoutJson = JSON.parse(logout.stdout)
      assert.equal(logoutJson.removed, true)
      assert.equal(logoutJson.revoke, "revoked")
      assert.deepEqual(Object.keys(logoutJson).sort(), ["location", "removed", "revoke"])
      assert.isFalse(await exists(`${home}/auth.json`), "auth.json removed")
      const revokes = (await emulator.run(emulator.admin.requests)).filter((r) => r.path === "/oauth/revoke")
      assert.equal(revokes.length, 1, "the refresh token was revoked")

      const after = await deno(["token", ...at])
      assert.equal(after.code, 1, "no credentials: exit 1")
      assert.equal(after.stdout, "")
      assert.equal(after.stderr.trim().split("\n").length, 1, "one line")
      assert.include(after.stderr, "codex-auth login")
      await sameAsNode(["token", ...at], after, "first-line")
    } finally {
      await emulator.close()
      await Deno.remove(home, { recursive: true })
    }
  }
})

Deno.test({
  name: "cli: bad usage exits 2, --help lists the commands, --account is refused on Deno",
  ...options,
  fn: async () => {
    const home = await tempHome()
    try {
      const bogus = await deno(["status", "--bogus", "--codex-home", home])
      assert.equal(bogus.code, 2, "an unknown flag is exit 2")
      await sameAsNode(["status", "--bogus", "--codex-home", home], bogus, "first-line")
      const port = await deno(["login", "--port", "70000", "--codex-home", home])
      assert.equal(port.code, 2)
      assert.include(port.stderr, "--port must be between 1 and 65535")
      const help = await deno(["--help"])
      assert.equal(help.code, 0)
      for (const command of ["login", "status", "token", "headers", "refresh", "logout"]) {
        assert.include(help.stdout, command)
      }
      const loginHelp = await deno(["login", "--help"])
      for (const flag of ["--flow", "--no-browser", "--port", "--issuer", "--workspace", "--store", "--json"]) {
        assert.include(loginHelp.stdout, flag)
      }
      const account = await deno(["login", "--account", "work", "--flow", "device", "--codex-home", home])
      assert.equal(account.code, 2)
      assert.include(account.stderr, "--account")
      const missing = await deno(["status", "--codex-home", `${home}/nope`])
      assert.equal(missing.code, 1, "a missing --codex-home fails with exit 1, as on Node")
      assert.include(missing.stderr, "does not exist. Create that directory")
      await sameAsNode(["status", "--codex-home", `${home}/nope`], missing, "first-line")
    } finally {
      await Deno.remove(home, { recursive: true })
    }
  }
})
