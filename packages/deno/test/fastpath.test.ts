// The Deno CLI's startup path (`deno run -A packages/deno/cli.ts status|token|headers`, no Effect) against the full
// CLI on the same CODEX_HOME (CODEX_AUTH_NO_FAST_PATH=1): the same stdout, stderr and exit code, byte for byte, and
// CODEX_AUTH_STARTUP_TRACE says which one answered — `fast` without loading the engine, `engine` for every state the
// startup path must not answer (a stale token, which the engine refreshes against the emulator; no login; a
// config.toml policy; a flag it does not know; another store). Child processes resolve the
// workspace packages as a user's `deno run` does (their built dist/: run `npm run build` first).
import * as assert from "../../../test/shared/assert.ts"
import { readAuth, startEmulator, tempHome } from "./support/emulator.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const root = new URL("../../../", import.meta.url).pathname
const denoCli = `${root}packages/deno/cli.ts`

interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** What CODEX_AUTH_STARTUP_TRACE recorded: `fast` or `engine`. */
  readonly trace: string
}

const b64 = (value: unknown): string =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
const jwt = (payload: Record<string, unknown>): string => `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.sig`
const now = Date.now()
const seconds = (millis: number) => Math.floor(millis / 1000)
const minute = 60_000
const day = 24 * 60 * minute
const claims = (auth: Record<string, unknown>) => ({ "https://api.openai.com/auth": auth })

/** Logins the startup path answers (a fresh ChatGPT token, FedRAMP, an API key). */
const shapes: Record<string, unknown> = {
  chatgpt: {
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: {
      id_token: jwt({
        email: "ada@example.com",
        ...claims({ chatgpt_account_id: "acct-1", chatgpt_plan_type: "plus", chatgpt_user_id: "user-1" })
      }),
      access_token: jwt({ exp: seconds(now + 10 * day), ...claims({ chatgpt_plan_type: "plus" }) }),
      refresh_token: "rt-opaque",
      account_id: "acct-1"
    },
    last_refresh: new Date(now - 2 * day).toISOString()
  },
  fedramp: {
    OPENAI_API_KEY: null,
    tokens: {
      id_token: jwt({
        "https://api.openai.com/profile": { email: "grace@example.com" },
        ...claims({ chatgpt_account_id: "acct-fed", chatgpt_account_is_fedramp: true })
      }),
      access_token: jwt({ exp: seconds(now + 30 * minute) }),
      refresh_token: "rt"
    }
  },
  apiKey: { auth_mode: "apikey", OPENAI_API_KEY: "sk-proj-abcdefghijklmnop" }
}

const commands: ReadonlyArray<ReadonlyArray<string>> = [
  ["status"],
  ["status", "--json"],
  ["token"],
  ["token", "--json"],
  ["headers"],
  ["headers", "--json"]
]

let sequence = 0

/** `deno run -A cli.ts …` in a clean environment; `extra` adds (or, `""`-free, overrides) variables. */
const deno = async (
  args: ReadonlyArray<string>,
  home: string,
  extra: Record<string, string> = {}
): Promise<Result> => {
  const trace = `${home}.trace-${sequence++}`
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", denoCli, ...args],
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: home,
      CODEX_HOME: home,
      NO_COLOR: "1",
      TERM: "xterm-256color",
      CODEX_AUTH_STARTUP_TRACE: trace,
      ...extra
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped"
  }).output()
  const traced = await Deno.readTextFile(trace).catch(() => "")
  await Deno.remove(trace).catch(() => undefined)
  const decoder = new TextDecoder()
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    trace: traced.trim().split(" ")[0] ?? ""
  }
}

const full = (args: ReadonlyArray<string>, home: string, extra: Record<string, string> = {}) =>
  deno(args, home, { ...extra, CODEX_AUTH_NO_FAST_PATH: "1" })

const answerOf = ({ code, stderr, stdout }: Result) => ({ code, stdout, stderr })

/**
 * The startup path answers, without the engine, what the full CLI answers. A relative time (`in 30 min`) can cross a
 * minute while the full CLI starts, so its answer must equal the startup path's from just before or just after it.
 */
const answersFast = async (args: ReadonlyArray<string>, home: string, extra: Record<string, string> = {}) => {
  const what = `${args.join(" ")} ${JSON.stringify(extra)}`
  const before = await deno(args, home, extra)
  const engine = await full(args, home, extra)
  const after = await deno(args, home, extra)
  assert.equal(before.trace, "fast", `the startup path answers ${what}`)
  assert.equal(after.trace, "fast", `the startup path answers ${what}`)
  assert.equal(engine.trace, "engine", `CODEX_AUTH_NO_FAST_PATH=1 loads the engine for ${what}`)
  assert.equal(engine.code, 0, `${what}: ${engine.stderr}`)
  const same = [before, after].some((fast) => JSON.stringify(answerOf(fast)) === JSON.stringify(answerOf(engine)))
  if (!same) assert.deepEqual(answerOf(before), answerOf(engine), `the same bytes and exit code for ${what}`)
  return engine
}

/**
 * The startup path steps aside: the engine answers, exactly as the full CLI does. `reset` restores the state before
 * each run (an engine may change it: a login outside a forced workspace is removed).
 */
const handsOver = async (
  args: ReadonlyArray<string>,
  home: string,
  extra: Record<string, string> = {},
  reset: () => Promise<void> = () => Promise.resolve()
) => {
  const what = `${args.join(" ")} ${JSON.stringify(extra)}`
  await reset()
  const ours = await deno(args, home, extra)
  await reset()
  const engine = await full(args, home, extra)
  assert.equal(ours.trace, "engine", `the engine answers ${what}`)
  assert.deepEqual(answerOf(ours), answerOf(engine), `the same bytes and exit code for ${what}`)
  return ours
}

const writeAuth = (home: string, document: unknown, mode = 0o600) =>
  Deno.writeTextFile(`${home}/auth.json`, JSON.stringify(document, null, 2), { mode }).then(() =>
    Deno.chmod(`${home}/auth.json`, mode)
  )

const inHome = async (body: (home: string) => Promise<void>) => {
  const home = await Deno.realPath(await tempHome())
  try {
    await body(home)
  } finally {
    await Deno.remove(home, { recursive: true })
  }
}

Deno.test({
  name: "fast path: status, token and headers (human and --json) on a fresh login, byte-identical, engine not loaded",
  ...options,
  fn: () =>
    inHome(async (home) => {
      for (const [name, document] of Object.entries(shapes)) {
        await writeAuth(home, document)
        for (const args of commands) {
          const answer = await answersFast(args, home)
          if (name === "chatgpt" && args.length === 1 && args[0] === "token") {
            assert.equal(answer.stdout, `${(document as { tokens: { access_token: string } }).tokens.access_token}\n`)
          }
        }
      }
      await writeAuth(home, shapes["chatgpt"])
      // The flags it knows, given explicitly.
      await answersFast(["token", "--store", "file", "--codex-home", home], `${home}`)
      // A valid CA bundle (§12) is read and parsed, and still answered here.
      const bundle = Deno.env.get("SSL_CERT_FILE") ?? "/etc/ssl/certs/ca-certificates.crt"
      if (await Deno.stat(bundle).then((info) => info.isFile, () => false)) {
        await answersFast(["status", "--json"], home, { CODEX_CA_CERTIFICATE: bundle })
      }
      // The insecure-mode warning the full CLI prints, from the startup path.
      await writeAuth(home, shapes["chatgpt"], 0o644)
      const exposed = await answersFast(["token"], home)
      assert.include(exposed.stderr, "is open to other users (mode 0644)")
    })
})

Deno.test({
  name: "fast path: what it must not answer goes to the engine, with the full CLI's bytes and exit code",
  ...options,
  fn: () =>
    inHome(async (home) => {
      // Logged out: the engine's "Not logged in" (status) and its error (token, headers).
      for (const args of commands) {
        const out = await handsOver(args, home)
        assert.equal(out.code, 1, `${args.join(" ")} logged out: exit 1`)
      }
      // config.toml forcing another workspace (§10): the engine applies the policy (and removes the login).
      const login = () => writeAuth(home, shapes["chatgpt"])
      await Deno.writeTextFile(`${home}/config.toml`, `forced_chatgpt_workspace_id = "acct-other"\n`)
      for (const args of [["status"], ["status", "--json"], ["headers", "--json"]]) {
        await handsOver(args, home, {}, login)
      }
      const refused = await handsOver(["token"], home, {}, login)
      assert.equal(refused.code, 1, "a login outside the forced workspace is refused")
      assert.include(refused.stderr, "forced_chatgpt_workspace_id")
      assert.equal(refused.stdout, "")
      await Deno.remove(`${home}/config.toml`)
      await login()
      // A flag the startup path does not know, another store.
      await handsOver(["status", "--verbose"], home)
      await handsOver(["status", "--bogus"], home)
      await handsOver(["status"], home, { CODEX_AUTH_STORE: "memory" })
      // A proxy or a CA bundle that is not PEM matters only for the network (issue 13): the engine serves a fresh
      // token without reading them, and so does the startup path, with the same bytes.
      await answersFast(["token"], home, { HTTPS_PROXY: "http://127.0.0.1:9" })
      await Deno.writeTextFile(`${home}/not-a-bundle.pem`, "not a certificate\n")
      const badCa = await answersFast(["token"], home, { CODEX_CA_CERTIFICATE: `${home}/not-a-bundle.pem` })
      assert.equal(badCa.stdout.trim().split(".").length, 3, "the token")
    })
})

Deno.test({
  name:
    "fast path: a stale token goes to the engine, which refreshes it against the emulator; then the new one is fast",
  ...options,
  fn: () =>
    inHome(async (home) => {
      const emulator = await startEmulator()
      try {
        // 60 s left: stale by §9 (within 5 minutes of exp).
        const minted = await emulator.run(emulator.admin.mintTokens({ accessTokenTtlSeconds: 60 }))
        await writeAuth(home, {
          auth_mode: "chatgpt",
          OPENAI_API_KEY: null,
          tokens: {
            id_token: minted.id_token,
            access_token: minted.access_token,
            refresh_token: minted.refresh_token,
            account_id: minted.account_id
          },
          last_refresh: new Date().toISOString()
        })
        const env = { CODEX_AUTH_ISSUER: emulator.url }
        const refreshed = await deno(["token", "--json"], home, env)
        assert.equal(refreshed.trace, "engine", "a stale token loads the engine")
        assert.equal(refreshed.code, 0, refreshed.stderr)
        const stored = await readAuth(home)
        assert.notEqual(stored.tokens.access_token, minted.access_token, "the engine refreshed the token")
        assert.equal(JSON.parse(refreshed.stdout).token, stored.tokens.access_token, "and printed the new one")
        const grants = (await emulator.run(emulator.admin.requests)).filter((r) => r.grantType === "refresh_token")
        assert.equal(grants.length, 1, "one refresh grant")
        // The refreshed login is fresh: answered without the engine, as the full CLI answers it.
        for (const args of commands) await answersFast(args, home, env)
        const token = await deno(["token"], home, env)
        assert.equal(token.stdout, `${stored.tokens.access_token}\n`)
        const after = (await emulator.run(emulator.admin.requests)).filter((r) => r.grantType === "refresh_token")
        assert.equal(after.length, 1, "no other grant")
      } finally {
        await emulator.close()
      }
    })
})
