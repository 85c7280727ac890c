// `codex-auth login --with-access-token` as a user runs it (the built bin; run `npm run build` first): an Agent
// Identity token minted by the emulator, piped on stdin, checked against the emulator's JWKS
// (CODEX_AGENT_IDENTITY_JWKS_BASE_URL), saved as Codex 0.169 saves it. With the real Codex CLI (CODEX_BIN, inside
// scripts/netns.sh), both directions: Codex's `login status` accepts what we wrote (it verifies the token and
// registers a task at the emulator, whose Ed25519 check must pass), and what `codex login --with-access-token`
// writes is byte for byte what we write and reads back as the same login.
import * as AccessTokenAuth from "@codex-auth/accounts/AccessTokenAuth"
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { codexBin, interopEnabled, makeCodexHome } from "../support/codex.ts"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const spawn = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly input?: string; readonly env: NodeJS.ProcessEnv }
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(command, args, {
      env: options.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.stdout!.on("data", (chunk) => (stdout += chunk))
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    if (options.input !== undefined) child.stdin!.end(options.input)
  })

let emulator: StartedEmulatorPromise
const temps: Array<string> = []
const tempHome = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-accesstoken-"))
  temps.push(dir)
  return dir
}
beforeAll(async () => {
  emulator = await startEmulatorPromise({})
})
afterAll(async () => {
  await emulator?.close()
  for (const dir of temps.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

const agentIdentityEnv = () => ({
  CODEX_AGENT_IDENTITY_JWKS_BASE_URL: `${emulator.url}${Emulator.agentIdentityJwksBasePath}`,
  CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL: `${emulator.url}${Emulator.agentIdentityAuthApiBasePath}`
})

const runWith = (args: ReadonlyArray<string>, extra: Record<string, string>, input?: string): Promise<Result> => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    CODEX_AUTH_ISSUER: "",
    ...agentIdentityEnv(),
    ...extra
  }
  delete env["CI"]
  delete env["CODEX_HOME"]
  if (extra["CODEX_AUTH_NO_FAST_PATH"] === undefined) delete env["CODEX_AUTH_NO_FAST_PATH"]
  return spawn(process.execPath, [bin, ...args], input === undefined ? { env } : { env, input })
}

const run = (args: ReadonlyArray<string>, input?: string): Promise<Result> => runWith(args, {}, input)

const mint = async (request: Emulator.AgentIdentityMintRequest = {}): Promise<Emulator.MintedAgentIdentity> => {
  const response = await fetch(`${emulator.url}/__emulator/agent-identity`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request)
  })
  assert.strictEqual(response.status, 200)
  return (await response.json()) as Emulator.MintedAgentIdentity
}

const codexDocument = (token: string) =>
  `{\n  "auth_mode": "agentIdentity",\n  "OPENAI_API_KEY": null,\n  "agent_identity": "${token}"\n}`

const requestsSince = async (count: number) => (await emulator.admin.requests()).slice(count)

describe("codex-auth login --with-access-token", () => {
  it("checks the token against the JWKS and writes Codex's document (0600), never printing the token", async () => {
    const home = tempHome()
    const minted = await mint()
    const before = (await emulator.admin.requests()).length
    const result = await run(["login", "--with-access-token", "--codex-home", home], `  ${minted.access_token}\n\n`)
    assert.strictEqual(result.code, 0, result.stderr)
    assert.include(result.stderr, "Logged in using an access token (Agent Identity) - user@example.com")
    assert.notInclude(result.stdout + result.stderr, minted.access_token.split(".")[2]!.slice(0, 40))
    const text = Fs.readFileSync(Path.join(home, "auth.json"), "utf8")
    assert.strictEqual(text, codexDocument(minted.access_token))
    assert.strictEqual(Fs.statSync(Path.join(home, "auth.json")).mode & 0o777, 0o600)
    const requests = await requestsSince(before)
    assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path} ${r.status}`), [
      `GET ${Emulator.agentIdentityJwksBasePath}/agent-identities/jwks 200`
    ])
  })

  it("--json prints the summary from the token's claims", async () => {
    const home = tempHome()
    const minted = await mint()
    const result = await run(["login", "--with-access-token", "--json", "--codex-home", home], minted.access_token)
    assert.strictEqual(result.code, 0, result.stderr)
    assert.deepStrictEqual(JSON.parse(result.stdout), {
      loggedIn: true,
      method: "accessToken",
      mode: "agentIdentity",
      email: "user@example.com",
      accountId: minted.account_id,
      plan: "plus"
    })
  })

  for (
    const [name, request, expected] of [
      ["an untrusted key id", { kid: "not-in-the-jwks" }, "is not one the issuer trusts"],
      ["a forged signature", { forgeSignature: true }, "signature does not verify"],
      ["an expired token", { expiresInSeconds: -3600 }, "it has expired"],
      ["another audience", { audience: "codex" }, "audience is not codex-app-server"]
    ] as const
  ) {
    it(`refuses ${name} (exit 1) and leaves the stored login alone`, async () => {
      const home = tempHome()
      Fs.writeFileSync(Path.join(home, "auth.json"), `{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "sk-keep"\n}`)
      const result = await run(
        ["login", "--with-access-token", "--codex-home", home],
        (await mint(request)).access_token
      )
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, expected)
      assert.include(result.stderr, "Nothing was saved")
      assert.include(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), "sk-keep")
    })
  }

  it("status shows the login's claims (fast path and full CLI alike); token and headers refuse: no bearer", async () => {
    const home = tempHome()
    const minted = await mint()
    assert.strictEqual((await run(["login", "--with-access-token", "--codex-home", home], minted.access_token)).code, 0)
    const before = (await emulator.admin.requests()).length
    const secrets = [minted.access_token, minted.access_token.split(".")[1]!, minted.access_token.split(".")[2]!]
    const payload = JSON.parse(Buffer.from(minted.access_token.split(".")[1]!, "base64url").toString()) as {
      readonly exp: number
      readonly chatgpt_account_is_fedramp: boolean
    }
    const answers: Array<Result> = []
    for (const fast of [true, false]) {
      const withEnv = (args: ReadonlyArray<string>) => runWith(args, fast ? {} : { CODEX_AUTH_NO_FAST_PATH: "1" })
      const status = await withEnv(["status", "--codex-home", home])
      assert.strictEqual(status.code, 0, status.stderr)
      assert.include(
        status.stderr,
        "✓ Logged in to ChatGPT as user@example.com (plus) using an access token (Agent Identity)"
      )
      assert.include(status.stderr, `  - Account: ${minted.account_id}`)
      assert.include(status.stderr, "  - Access token expires: ")
      const json = await withEnv(["status", "--json", "--codex-home", home])
      assert.strictEqual(json.code, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout), {
        loggedIn: true,
        mode: "agentIdentity",
        email: "user@example.com",
        plan: "plus",
        accountId: minted.account_id,
        fedramp: payload.chatgpt_account_is_fedramp,
        accessTokenExpiresAt: new Date(payload.exp * 1000).toISOString(),
        lastRefresh: null,
        store: "file",
        location: Path.join(Fs.realpathSync(home), "auth.json")
      })
      for (const command of ["token", "headers"]) {
        const refused = await withEnv([command, "--codex-home", home])
        assert.strictEqual(refused.code, 1, command)
        assert.strictEqual(refused.stdout, "")
        assert.include(refused.stderr, "does not expose a bearer token")
        answers.push(refused)
      }
      answers.push(status, json)
    }
    for (const answer of answers) {
      for (const secret of secrets) assert.notInclude(answer.stdout + answer.stderr, secret)
    }
    // Status reads the file only: no JWKS fetch, no task registration.
    assert.deepStrictEqual(await requestsSince(before), [])
    assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), codexDocument(minted.access_token))
    const logout = await run(["logout", "--codex-home", home])
    assert.strictEqual(logout.code, 0, logout.stderr)
    assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
    assert.deepStrictEqual(await requestsSince(before), [])
  })

  it("empty stdin, a personal access token and a conflicting flag are refused before anything is written", async () => {
    const home = tempHome()
    const empty = await run(["login", "--with-access-token", "--codex-home", home], " \n")
    assert.strictEqual(empty.code, 1)
    assert.include(empty.stderr, "No access token provided via stdin")
    const pat = await run(["login", "--with-access-token", "--codex-home", home], "at-abcdef\n")
    assert.strictEqual(pat.code, 1)
    assert.include(pat.stderr, "personal access token")
    assert.notInclude(pat.stderr, "at-abcdef")
    const both = await run(["login", "--with-access-token", "--with-api-key", "--codex-home", home], "x")
    assert.strictEqual(both.code, 2)
    assert.include(both.stderr, "pick one")
    assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
  })
})

describe.runIf(interopEnabled("access-token interop"))("access-token interop with the real Codex CLI", () => {
  const codex = codexBin()!

  it("codex login status accepts what codex-auth wrote: it verifies the token and registers a task here", async () => {
    const home = tempHome()
    const minted = await mint()
    assert.strictEqual(
      (await run(["login", "--with-access-token", "--codex-home", home], minted.access_token)).code,
      0
    )
    const codexHome = await makeCodexHome(codex)
    try {
      Fs.copyFileSync(Path.join(home, "auth.json"), Path.join(codexHome.codexHome, "auth.json"))
      const before = (await emulator.admin.requests()).length
      const status = await codexHome.run(["login", "status"], { env: agentIdentityEnv() }).done
      assert.strictEqual(status.code, 0, status.stdout + status.stderr)
      assert.include(status.stdout + status.stderr, AccessTokenAuth.statusLine)
      const requests = await requestsSince(before)
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path} ${r.status}`), [
        `GET ${Emulator.agentIdentityJwksBasePath}/agent-identities/jwks 200`,
        `POST ${Emulator.agentIdentityAuthApiBasePath}/v1/agent/${minted.agent_runtime_id}/task/register 200`
      ])
      assert.deepStrictEqual(requests[1]!.bodyKeys, ["timestamp", "signature"])
    } finally {
      await codexHome.remove()
    }
  })

  it("codex login --with-access-token writes the file codex-auth writes, and codex-auth reads it back", async () => {
    const minted = await mint()
    const codexHome = await makeCodexHome(codex)
    try {
      const result = await spawn(codex, ["login", "--with-access-token"], {
        input: `${minted.access_token}\n`,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          CODEX_HOME: codexHome.codexHome,
          HOME: codexHome.home,
          RUST_LOG: "error",
          ...agentIdentityEnv()
        }
      })
      assert.strictEqual(result.code, 0, result.stdout + result.stderr)
      const text = Fs.readFileSync(Path.join(codexHome.codexHome, "auth.json"), "utf8")
      assert.strictEqual(text, codexDocument(minted.access_token))
      const document = Effect.runSync(AuthJson.parse(text, { path: "auth.json" }))
      assert.strictEqual(AuthJson.stringify(document), text)
      assert.strictEqual(
        Redacted.value(Option.getOrThrow(AccessTokenAuth.fromDocument(document))),
        minted.access_token
      )
      assert.strictEqual(Option.getOrThrow(AccessTokenAuth.storedClaims(document)).accountId, minted.account_id)
      // And a Codex-written file is exactly the document codex-auth builds for the same token.
      assert.strictEqual(AuthJson.stringify(AccessTokenAuth.toDocument(Redacted.make(minted.access_token))), text)
      // codex-auth's status reads Codex's file as the access-token login it is; token refuses (no bearer).
      const status = await run(["status", "--json", "--codex-home", codexHome.codexHome])
      assert.strictEqual(status.code, 0, status.stderr)
      assert.deepInclude(JSON.parse(status.stdout), {
        loggedIn: true,
        mode: "agentIdentity",
        email: "user@example.com",
        accountId: minted.account_id
      })
      const token = await run(["token", "--codex-home", codexHome.codexHome])
      assert.strictEqual(token.code, 1)
      assert.include(token.stderr, "does not expose a bearer token")
      assert.strictEqual(Fs.readFileSync(Path.join(codexHome.codexHome, "auth.json"), "utf8"), text)
    } finally {
      await codexHome.remove()
    }
  })
})
