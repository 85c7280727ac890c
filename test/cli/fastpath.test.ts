// The CLI's fast path (token / headers / status without Effect) against the full CLI on the same auth.json:
// the same stdout, stderr and exit code, byte for byte; and every state it must not answer falls through.
// Runs the built bin (run `npx tsc -b` first).
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as FastCli from "../../packages/node/src/internal/fast/cli.ts"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

let tmp: string
let home: string

const env = (codexHome: string, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "",
  HOME: home,
  CODEX_HOME: codexHome,
  NO_COLOR: "1",
  TERM: "xterm-256color",
  ...extra
})

const spawn = (args: ReadonlyArray<string>, environment: Record<string, string>): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
      env: environment,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const full = (args: ReadonlyArray<string>, codexHome: string, extra: Record<string, string> = {}) =>
  spawn(args, { ...env(codexHome, extra), CODEX_AUTH_NO_FAST_PATH: "1" })

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (payload: Record<string, unknown>): string => `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.sig`

const now = Date.now()
const seconds = (millis: number) => Math.floor(millis / 1000)
const minute = 60_000
const day = 24 * 60 * minute

const auth = (claims: Record<string, unknown>) => ({ "https://api.openai.com/auth": claims })

/** Every shape a hot loop can meet that the fast path must answer, keyed by a name. */
const shapes: Record<string, unknown> = {
  current: {
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: {
      id_token: jwt({
        email: "ada@example.com",
        ...auth({ chatgpt_account_id: "acct-1", chatgpt_plan_type: "plus", chatgpt_user_id: "user-1" })
      }),
      access_token: jwt({ exp: seconds(now + 10 * day), ...auth({ chatgpt_plan_type: "plus" }) }),
      refresh_token: "rt-opaque",
      oauth_provenance: { issuer: "https://auth.openai.com", client_id: "app_EMoamEEZ73f0CkXaXp7hrann" },
      login_owner_id: "owner",
      account_id: "acct-1"
    },
    last_refresh: new Date(now - 2 * day).toISOString(),
    extra_field: [1, 2.50, { kept: true }]
  },
  olderFedramp: {
    OPENAI_API_KEY: null,
    tokens: {
      id_token: jwt({
        "https://api.openai.com/profile": { email: "grace@example.com" },
        ...auth({ chatgpt_account_id: "acct-fed", chatgpt_account_is_fedramp: true })
      }),
      access_token: jwt({ exp: seconds(now + 30 * minute), ...auth({ chatgpt_plan_type: "galaxy" }) }),
      refresh_token: "rt"
    }
  },
  apiKey: { auth_mode: "apikey", OPENAI_API_KEY: "sk-proj-abcdefghijklmnop" },
  apiKeyWithoutMode: { OPENAI_API_KEY: "sk-legacy-1234567890" },
  noExpFreshByLastRefresh: {
    auth_mode: "chatgptAuthTokens",
    OPENAI_API_KEY: "sk-also-here",
    tokens: {
      id_token: jwt({ email: "lin@example.com" }),
      access_token: "opaque-access-token",
      refresh_token: "rt",
      account_id: null
    },
    last_refresh: new Date(now - 3 * 60 * minute).toISOString()
  }
}

/** `codex login --with-access-token`'s file: an Agent Identity JWT (decoded for status, never verified or shown). */
const agentIdentityToken = (claims: Record<string, unknown>): string =>
  `${b64({ alg: "RS256", kid: "key-1", typ: "JWT" })}.${
    b64({
      iss: "https://chatgpt.com/codex-backend/agent-identity",
      aud: "codex-app-server",
      iat: seconds(now - day),
      agent_runtime_id: "runtime-1",
      agent_private_key: "MC4CAQAwBQYDK2VwBCIEIAgentPrivateKey",
      chatgpt_user_id: "user-agent",
      ...claims
    })
  }.c2lnbmF0dXJl`

const agentIdentityShapes: Record<string, string> = {
  agentIdentity: JSON.stringify(
    {
      auth_mode: "agentIdentity",
      OPENAI_API_KEY: null,
      agent_identity: agentIdentityToken({
        exp: seconds(now + 50 * minute),
        account_id: "acct-agent",
        email: "agent@example.com",
        plan_type: "business",
        chatgpt_account_is_fedramp: true
      })
    },
    null,
    2
  ),
  agentIdentityNoEmailExpired: JSON.stringify({
    auth_mode: "agentIdentity",
    OPENAI_API_KEY: null,
    agent_identity: agentIdentityToken({
      exp: seconds(now - 3 * day),
      account_id: "acct-agent-2",
      email: null,
      plan_type: "enterprise",
      chatgpt_account_is_fedramp: false
    })
  })
}

/** States only the full CLI answers for `token` / `headers` (status may still be fast when the file parses). */
const fallThrough: Record<string, { readonly text: string; readonly statusFast: boolean }> = {
  expired: {
    text: JSON.stringify({
      tokens: { id_token: jwt({}), access_token: jwt({ exp: seconds(now - 60 * minute) }), refresh_token: "rt" }
    }),
    statusFast: true
  },
  withinFiveMinutes: {
    text: JSON.stringify({
      tokens: { id_token: jwt({}), access_token: jwt({ exp: seconds(now + 4 * minute) }), refresh_token: "rt" }
    }),
    statusFast: true
  },
  badIdToken: {
    text: JSON.stringify({ tokens: { id_token: "nope", access_token: "a", refresh_token: "r" } }),
    statusFast: false
  },
  // No bearer: the engine refuses token / headers with BearerTokenUnavailable; status is answered fast.
  ...Object.fromEntries(
    Object.entries(agentIdentityShapes).map(([name, text]) => [name, { text, statusFast: true }] as const)
  ),
  duplicateKey: { text: `{"OPENAI_API_KEY":"sk-1","OPENAI_API_KEY":"sk-2"}`, statusFast: false },
  notJson: { text: "{", statusFast: false },
  loggedOut: { text: JSON.stringify({ OPENAI_API_KEY: null }), statusFast: false }
}

const homeWith = (name: string, text: string): string => {
  const directory = Path.join(tmp, name)
  Fs.mkdirSync(directory, { recursive: true })
  Fs.writeFileSync(Path.join(directory, "auth.json"), text, { mode: 0o600 })
  return directory
}

const commands: ReadonlyArray<ReadonlyArray<string>> = [
  ["status"],
  ["status", "--json"],
  ["token"],
  ["token", "--json"],
  ["headers"],
  ["headers", "--json"]
]

beforeAll(() => {
  tmp = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-fastpath-")))
  home = Path.join(tmp, "home")
  Fs.mkdirSync(home)
})

afterAll(() => {
  Fs.rmSync(tmp, { recursive: true, force: true })
})

describe("CLI fast path", () => {
  for (const [name, document] of Object.entries(shapes)) {
    it(`answers ${name} exactly as the full CLI does`, { timeout: 180_000 }, async () => {
      const text = JSON.stringify(document, null, 2)
      const codexHome = homeWith(name, text)
      for (const args of commands) {
        const before = FastCli.run(args, env(codexHome), Date.now())
        assert.isDefined(before, `the fast path should answer ${args.join(" ")} for ${name}`)
        const expected = await full(args, codexHome)
        // The full CLI read its clock between the two fast answers: relative times ("in 30 min") may have crossed
        // one minute while it started on a busy machine, so it equals the answer from before or the one from after.
        const after = FastCli.run(args, env(codexHome), Date.now())
        const answers = [before!, after!].map((fast) => ({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }))
        const same = answers.find((answer) => JSON.stringify(answer) === JSON.stringify(expected)) ?? answers[0]
        assert.deepStrictEqual(same, expected, `${name}: ${args.join(" ")}`)
      }
      // The file is read, never written.
      assert.strictEqual(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"), text)
    })
  }

  for (const [name, { statusFast, text }] of Object.entries(fallThrough)) {
    it(`leaves ${name} to the full CLI`, () => {
      const codexHome = homeWith(`fall-${name}`, text)
      for (const args of commands) {
        const answered = FastCli.run(args, env(codexHome), Date.now()) !== undefined
        assert.strictEqual(answered, statusFast && args[0] === "status", `${name}: ${args.join(" ")}`)
      }
    })
  }

  for (const [name, text] of Object.entries(agentIdentityShapes)) {
    it(`answers ${name}'s status exactly as the full CLI does, and its token / headers fail the same way`, {
      timeout: 180_000
    }, async () => {
      const codexHome = homeWith(name, text)
      const token = (JSON.parse(text) as { agent_identity: string }).agent_identity
      for (const args of commands) {
        const expected = await full(args, codexHome)
        if (args[0] === "status") {
          const fast = FastCli.run(args, env(codexHome), Date.now())
          assert.isDefined(fast, `the fast path should answer ${args.join(" ")} for ${name}`)
          assert.deepStrictEqual(
            { code: fast!.code, stdout: fast!.stdout, stderr: fast!.stderr },
            expected,
            `${name}: ${args.join(" ")}`
          )
          assert.strictEqual(expected.code, 0)
        } else {
          // The bin with its fast path (which falls through) and without it: the same refusal.
          assert.deepStrictEqual(await spawn(args, env(codexHome)), expected, `${name}: ${args.join(" ")}`)
          assert.strictEqual(expected.code, 1)
          if (args.includes("--json")) {
            // --json: the failure is a JSON document too (issue 18).
            assert.strictEqual(JSON.parse(expected.stdout).error._tag, "BearerTokenUnavailable")
          } else {
            assert.strictEqual(expected.stdout, "")
          }
          assert.include(expected.stderr, "does not expose a bearer token")
        }
        for (const secret of [token, token.split(".")[1]!, "AgentPrivateKey"]) {
          assert.notInclude(expected.stdout + expected.stderr, secret)
        }
      }
      const statusJson = JSON.parse((await full(["status", "--json"], codexHome)).stdout)
      assert.strictEqual(statusJson.mode, "agentIdentity")
      assert.strictEqual(statusJson.loggedIn, true)
      assert.strictEqual(statusJson.accountId, name === "agentIdentity" ? "acct-agent" : "acct-agent-2")
      assert.strictEqual(statusJson.fedramp, name === "agentIdentity")
      assert.strictEqual(statusJson.email, name === "agentIdentity" ? "agent@example.com" : null)
      assert.strictEqual(statusJson.lastRefresh, null)
      assert.strictEqual(
        Date.parse(statusJson.accessTokenExpiresAt),
        (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { exp: number }).exp * 1000
      )
      const human = (await full(["status"], codexHome)).stderr
      assert.include(human, "using an access token (Agent Identity)")
      assert.strictEqual(human.includes("FedRAMP workspace: yes"), name === "agentIdentity")
      assert.strictEqual(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"), text)
    })
  }

  it("the bin gives the same bytes with and without the fast path, including when it falls through", {
    timeout: 180_000
  }, async () => {
    const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
      [homeWith("bin-current", JSON.stringify(shapes["current"])), ["token"]],
      [homeWith("bin-current", JSON.stringify(shapes["current"])), ["headers", "--json"]],
      [homeWith("bin-expired", fallThrough["expired"]!.text), ["status"]],
      [homeWith("bin-bad", fallThrough["badIdToken"]!.text), ["status", "--json"]],
      [homeWith("bin-bad", fallThrough["badIdToken"]!.text), ["token"]],
      [homeWith("bin-out", fallThrough["loggedOut"]!.text), ["status"]]
    ]
    const junk = Path.join(tmp, "junk-bin.pem")
    Fs.writeFileSync(junk, "")
    const current = homeWith("bin-current", JSON.stringify(shapes["current"]))
    const [badBundle, badBundleFull] = await Promise.all([
      spawn(["token"], env(current, { SSL_CERT_FILE: junk })),
      full(["token"], current, { SSL_CERT_FILE: junk })
    ])
    assert.deepStrictEqual(badBundle, badBundleFull)
    // A fresh token needs no network: the bad bundle is no reason to fail (issue 13; it fails a refresh instead).
    assert.strictEqual(badBundle.code, 0, badBundle.stderr)
    assert.notInclude(badBundle.stderr, "SSL_CERT_FILE")
    for (const [codexHome, args] of cases) {
      const pair = () => Promise.all([spawn(args, env(codexHome)), full(args, codexHome)])
      // A relative time ("expired 60 min ago") can cross a minute between the two processes on a busy machine, either
      // way round. A minute is crossed once: a mismatch is checked once more with a new pair (a real difference stays).
      const first = await pair()
      const [fast, slow] = JSON.stringify(first[0]) === JSON.stringify(first[1]) ? first : await pair()
      assert.deepStrictEqual(fast, slow, `${codexHome}: ${args.join(" ")}`)
    }
    const bad = await spawn(["token"], env(homeWith("bin-bad", fallThrough["badIdToken"]!.text)))
    assert.strictEqual(bad.code, 1)
    assert.include(bad.stderr, "is not a valid JWT")
  })

  it("only understands the argument shapes it can answer", () => {
    const codexHome = homeWith("args", JSON.stringify(shapes["current"]))
    const answers = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
      FastCli.run(args, env(codexHome, extra), Date.now()) !== undefined
    assert.isTrue(answers(["token", "--store", "file"]))
    assert.isTrue(answers(["token", "--codex-home", codexHome], { CODEX_HOME: "" }))
    assert.isTrue(answers(["token", "--json", "--store", "file", "--codex-home", codexHome]))
    for (
      const args of [
        ["token", "--store", "keyring"],
        ["token", "--store", "auto"],
        ["token", "--store=file"],
        ["token", "--verbose"],
        ["token", "--json", "--json"],
        ["token", "--issuer", "http://127.0.0.1:1"],
        ["token", "--help"],
        ["refresh"],
        ["logout"],
        ["--json", "token"],
        ["token", "--codex-home", Path.join(tmp, "missing")]
      ]
    ) {
      assert.isFalse(answers(args), args.join(" "))
    }
    // A CA bundle or a proxy matters only for the network: the full CLI builds its HTTP client on the first request,
    // so a fresh token is answered here whatever they say (issue 13), and the bundle is not even read.
    const pem = Path.join(tmp, "bundle.pem")
    Fs.writeFileSync(pem, "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n")
    const junk = Path.join(tmp, "junk.pem")
    Fs.writeFileSync(junk, "not a certificate")
    assert.isTrue(answers(["token"], { CODEX_CA_CERTIFICATE: Path.join(tmp, "nowhere.pem") }))
    assert.isTrue(answers(["token"], { SSL_CERT_FILE: junk }))
    assert.isTrue(answers(["token"], { CODEX_CA_CERTIFICATE: junk, SSL_CERT_FILE: pem }))
    assert.isTrue(answers(["token"], { CODEX_CA_CERTIFICATE: pem, SSL_CERT_FILE: junk }))
    assert.isTrue(answers(["token"], { SSL_CERT_FILE: "  " }))
    assert.isTrue(answers(["token"], { NO_PROXY: "localhost" }))
    assert.isTrue(answers(["token"], { HTTPS_PROXY: "http://127.0.0.1:9" }))
    assert.isTrue(answers(["token"], { HTTPS_PROXY: "not a url" }))
  })

  it("resolves CODEX_HOME as the full CLI does, without creating ~/.codex", () => {
    assert.isUndefined(FastCli.resolveCodexHome(undefined, { CODEX_HOME: "" }, home))
    assert.isFalse(Fs.existsSync(Path.join(home, ".codex")))
    Fs.mkdirSync(Path.join(home, ".codex"))
    assert.strictEqual(FastCli.resolveCodexHome(undefined, { CODEX_HOME: " " }, home), Path.join(home, ".codex"))
    const linked = Path.join(tmp, "linked-home")
    Fs.symlinkSync(homeWith("target", "{}"), linked)
    assert.strictEqual(FastCli.resolveCodexHome(linked, {}), Path.join(tmp, "target"))
    assert.strictEqual(FastCli.resolveCodexHome(undefined, { CODEX_HOME: linked }), Path.join(tmp, "target"))
    assert.isUndefined(FastCli.resolveCodexHome(Path.join(tmp, "target", "auth.json"), {}))
  })
})
