// The CLI as a new user meets it (issue 18): help without ANSI off a terminal, usage errors that name the flag and
// point to --help (exit 2), one JSON document on stdout for every --json run (failures included), the messages a
// person reads, and a progress line on a terminal while a wait lasts. Real child processes of the built bin (run
// `npm run build` first), real files, an emulator on an ephemeral port, a real lock held by util-linux `flock`.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as CodexAuthPool from "@codex-auth/node/CodexAuthPool"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const bin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-ux-"))
const tempDir = () => Fs.mkdtempSync(Path.join(tmp, "d-"))

// A HOME of its own (no ~/.codex of the machine's), no CI, no keyring reachable (a D-Bus address that goes nowhere).
const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: tempDir(),
    CODEX_AUTH_ISSUER: "",
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${Path.join(tmp, "no-dbus")}`
  }
  for (const name of ["CI", "CODEX_HOME", "NO_COLOR", "FORCE_COLOR", "CODEX_AUTH_POOL"]) delete env[name]
  return env
}

const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, [bin, ...args], {
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const ESC = "\u001b"

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

let emulator: StartedEmulatorPromise
beforeAll(async () => {
  // Access tokens live 60 s: always inside the 5-minute window, so every `token` refreshes (no fast path).
  emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true, accessTokenTtl: "60 seconds" })
}, 60_000)
afterAll(async () => {
  await emulator.close()
  Fs.rmSync(tmp, { recursive: true, force: true })
})

const signedIn = async (): Promise<string> => {
  const home = tempDir()
  const login = await run(["login", "--flow", "device", "--issuer", emulator.url, "--codex-home", home])
  assert.strictEqual(login.code, 0, login.stderr)
  return home
}

describe("help", () => {
  it("piped (not a terminal) and with NO_COLOR: no ANSI, `$ codex-auth …` usage, no @effect/cli built-ins", async () => {
    for (const env of [{}, { NO_COLOR: "1" }]) {
      for (const args of [["--help"], ["login", "--help"], ["status", "-h"], ["accounts", "--help"], []]) {
        const help = await run(args, env)
        assert.strictEqual(help.code, 0, args.join(" "))
        assert.strictEqual(help.stderr, "", args.join(" "))
        assert.notInclude(help.stdout, ESC, args.join(" "))
        for (const builtIn of ["--wizard", "--completions", "--log-level"]) {
          assert.notInclude(help.stdout, builtIn, args.join(" "))
        }
      }
    }
    const rootHelp = await run(["--help"])
    assert.include(rootHelp.stdout, "\nUSAGE\n  $ codex-auth <command> [flags]\n")
    assert.include(rootHelp.stdout, "\n  completion  Print a shell completion script (bash, fish or zsh)")
    assert.strictEqual((await run([])).stdout, rootHelp.stdout, "no command: the root help")
    const login = await run(["login", "--help"])
    assert.include(
      login.stdout,
      "\nUSAGE\n  $ codex-auth login [--flow auto|browser|device|paste] [--device-auth] [--no-browser] [--port N] " +
        "[--workspace ID]... [--with-api-key] [--with-access-token] [--account NAME] [--pool FILE] " +
        "[--codex-home DIR] [--store file|keyring|auto|memory|postgres] [--issuer URL] [--client-id ID] [--json] [--verbose] " +
        "[--config KEY=VALUE]...\n"
    )
    assert.include(login.stdout, "\n  --workspace ID (repeatable)\n")
    assert.notInclude(login.stdout, "$ login")
    assert.strictEqual(
      (await run(["status", "--help"])).stdout.split("\n")[3],
      "  $ codex-auth status [--codex-home DIR] [--store file|keyring|auto|memory|postgres] [--issuer URL] [--client-id ID] [--json] [--verbose] [--config KEY=VALUE]..."
    )
  })

  it("the Deno CLI's help does not offer the account pool it refuses", async () => {
    const deno = Path.join(root, "node_modules/.bin/deno")
    const denoRun = (args: ReadonlyArray<string>) =>
      new Promise<Result>((resolve, reject) => {
        const child = ChildProcess.spawn(deno, ["run", "-A", Path.join(root, "packages/deno/cli.ts"), ...args], {
          env: baseEnv(),
          stdio: ["ignore", "pipe", "pipe"]
        })
        let stdout = ""
        let stderr = ""
        child.stdout.on("data", (chunk) => (stdout += chunk))
        child.stderr.on("data", (chunk) => (stderr += chunk))
        child.on("error", reject)
        child.on("close", (code) => resolve({ code, stdout, stderr }))
      })
    const help = await denoRun(["login", "--help"])
    assert.strictEqual(help.code, 0, help.stderr)
    assert.notInclude(help.stdout, "--account")
    assert.notInclude(help.stdout, "--pool")
    assert.notInclude(help.stdout, ESC)
    assert.include(help.stdout, "\n  $ codex-auth login [--flow auto|browser|device|paste]")
    const refused = await denoRun(["login", "--account", "work"])
    assert.deepStrictEqual(refused, {
      code: 2,
      stdout: "",
      stderr: "✗ --account is the account pool's, which this runtime does not offer yet; use the Node `codex-auth` " +
        "for it. See `codex-auth login --help`.\n"
    })
  }, 120_000)

  it("FORCE_COLOR colours it; NO_COLOR wins over nothing", async () => {
    const forced = await run(["--help"], { FORCE_COLOR: "1" })
    assert.include(forced.stdout, `${ESC}[1mUSAGE${ESC}[22m`)
    const off = await run(["--help"], { FORCE_COLOR: "0" })
    assert.notInclude(off.stdout, ESC)
  })

  it("completions are a command of their own", async () => {
    const bash = await run(["completion", "bash"])
    assert.strictEqual(bash.code, 0, bash.stderr)
    assert.match(bash.stdout, /^function _codex-auth_bash_completions\(\) \{\n/)
    const missing = await run(["completion"])
    assert.deepStrictEqual(missing, {
      code: 2,
      stdout: "",
      stderr: "✗ codex-auth completion needs <shell>. See `codex-auth completion --help`.\n"
    })
    const tcsh = await run(["completion", "tcsh"])
    assert.strictEqual(tcsh.code, 2)
    assert.strictEqual(
      tcsh.stderr,
      "✗ invalid shell \"tcsh\": expected one of bash, fish, zsh. See `codex-auth completion --help`.\n"
    )
  })
})

describe("usage errors: exit 2, the flag named, a pointer to --help", () => {
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string, string | undefined]> = [
    [
      ["status", "--issuer", "notaurl"],
      "invalid value \"notaurl\" for --issuer: expected an http(s) URL such as https://auth.openai.com. See " +
      "`codex-auth status --help`.",
      "--issuer"
    ],
    [["token", "--codex-home"], "--codex-home needs a value (DIR). See `codex-auth token --help`.", "--codex-home"],
    [
      ["login", "--port", "abc"],
      "invalid value \"abc\" for --port: expected an integer. See `codex-auth login --help`.",
      "--port"
    ],
    [
      ["login", "--flow", "nope"],
      "invalid value \"nope\" for --flow: expected one of auto, browser, device, paste. See `codex-auth login --help`.",
      "--flow"
    ],
    [
      ["login", "--store", "vault"],
      "invalid value \"vault\" for --store: expected one of file, keyring, auto, memory, postgres. See " +
      "`codex-auth login --help`.",
      "--store"
    ],
    [["status", "--bogus"], "unknown flag --bogus. See `codex-auth status --help`.", "--bogus"],
    [["status", "--wizard"], "unknown flag --wizard. See `codex-auth status --help`.", "--wizard"],
    [["frobnicate"], "unknown command \"frobnicate\" for \"codex-auth\". See `codex-auth --help`.", undefined],
    [
      ["login", "--port", "70000"],
      "--port must be between 1 and 65535 (got 70000). See `codex-auth login --help`.",
      "--port"
    ]
  ]

  it("human: one line on stderr, nothing on stdout", async () => {
    for (const [args, message] of cases) {
      const result = await run(args)
      assert.deepStrictEqual(result, { code: 2, stdout: "", stderr: `✗ ${message}\n` }, args.join(" "))
    }
  })

  it("--json: the same line on stderr and one error document on stdout", async () => {
    for (const [args, message, flag] of cases) {
      if (args[0] === "frobnicate") continue
      const result = await run([...args, "--json"])
      assert.strictEqual(result.code, 2, args.join(" "))
      assert.strictEqual(result.stderr, `✗ ${message}\n`, args.join(" "))
      const split = message.lastIndexOf(" See ")
      assert.deepStrictEqual(JSON.parse(result.stdout), {
        error: {
          _tag: "UsageError",
          message: message.slice(0, split),
          next: message.slice(split + 1),
          ...(flag === undefined ? {} : { flag })
        }
      }, args.join(" "))
    }
  })
})

describe("--json failures: one JSON document on stdout, same exit codes", () => {
  it("a corrupt auth.json, for every command that reads it", async () => {
    const home = tempDir()
    const file = Path.join(home, "auth.json")
    Fs.writeFileSync(file, "{\"auth_mode\":", { mode: 0o600 })
    const message = `The credentials file ${file} cannot be used: invalid JSON: a value was expected at the end ` +
      "of the file. Run `codex-auth login` again, or fix or remove the file."
    for (const command of ["token", "headers", "refresh", "status"]) {
      const result = await run([command, "--json", "--codex-home", home])
      assert.deepStrictEqual(result, {
        code: 1,
        stderr: `✗ ${message}\n`,
        stdout: `${
          JSON.stringify(
            {
              error: {
                _tag: "AuthFileInvalid",
                message,
                next: "Fix or remove the file named in the message, then run `codex-auth login`."
              }
            },
            null,
            2
          )
        }\n`
      }, command)
    }
    assert.strictEqual(Fs.readFileSync(file, "utf8"), "{\"auth_mode\":", "the file is left as it was")
  })

  it("token / headers / refresh when not signed in", async () => {
    const home = tempDir()
    const message = `Not signed in: no credentials in ${Fs.realpathSync(home)}/auth.json. Run \`codex-auth login\` ` +
      "(or `codex login`) to sign in."
    for (const command of ["token", "headers", "refresh"]) {
      const result = await run([command, "--json", "--codex-home", home])
      assert.strictEqual(result.code, 1, command)
      assert.strictEqual(result.stderr, `✗ ${message}\n`, command)
      assert.deepStrictEqual(JSON.parse(result.stdout), {
        error: { _tag: "LoginRequired", message, next: "Run `codex-auth login` to sign in." }
      }, command)
      // Without --json: the same line, stdout untouched.
      assert.deepStrictEqual(await run([command, "--codex-home", home]), {
        code: 1,
        stdout: "",
        stderr: `✗ ${message}\n`
      })
    }
  })

  it("a missing --codex-home", async () => {
    const missing = Path.join(tempDir(), "absent")
    const result = await run(["token", "--json", "--codex-home", missing])
    const message = `--codex-home ${missing} does not exist. Create that directory, or leave out --codex-home to use ` +
      "CODEX_HOME or ~/.codex."
    assert.deepStrictEqual(result, {
      code: 1,
      stderr: `✗ ${message}\n`,
      stdout: `${
        JSON.stringify(
          {
            error: {
              _tag: "CodexHomeNotFound",
              message,
              next: "Create that directory, or point --codex-home / CODEX_HOME at an existing one."
            }
          },
          null,
          2
        )
      }\n`
    })
  })
})

describe("messages", () => {
  it("--verbose adds the cause chain, without stack frames into bundled code", async () => {
    const result = await run(["status", "--verbose", "--codex-home", Path.join(tempDir(), "absent")])
    assert.strictEqual(result.code, 1)
    const lines = result.stderr.trimEnd().split("\n")
    assert.strictEqual(lines[1], "cause: CodexHomeNotFound")
    assert.notMatch(result.stderr, /\bat .*\.js:\d+|chunk-|\.js:\d+:\d+/)
  })

  it("--store auto without a keyring: one plain warning line (the library's, for every embedder), no Effect log line", async () => {
    const home = Fs.realpathSync(tempDir())
    const result = await run(["status", "--store", "auto", "--codex-home", home])
    assert.strictEqual(result.code, 1)
    const lines = result.stderr.trimEnd().split("\n")
    assert.strictEqual(lines.length, 2, result.stderr)
    assert.match(
      lines[0]!,
      /^Warning: the OS keyring is not available \(.+\); storing credentials in .+auth\.json instead\.$/
    )
    assert.notInclude(result.stderr, "timestamp=")
    assert.notInclude(result.stderr, "fiber=")
    assert.strictEqual(
      lines[1],
      `✗ Not logged in (no credentials in ${home}/auth.json). Run \`codex-auth login\` to sign in.`
    )
  })

  it("the keyring error points to --store file", async () => {
    const result = await run(["status", "--store", "keyring", "--codex-home", tempDir()])
    assert.strictEqual(result.code, 1)
    assert.match(
      result.stderr,
      /^✗ Could not load the credentials \(keyring store, Codex Auth \/ cli\|[0-9a-f]{16}\): .+\. Check that the OS keyring is unlocked and reachable, or pass --store file to use CODEX_HOME\/auth\.json\.\n$/
    )
    assert.notInclude(result.stderr, "cli_auth_credentials_store")
  })

  it("not signed in: no engine jargon", async () => {
    const result = await run(["token", "--codex-home", tempDir()])
    assert.strictEqual(result.code, 1)
    assert.notInclude(result.stderr, "create the session")
  })

  it("--no-browser: the browser line is not nested in itself", async () => {
    const home = tempDir()
    const port = String(await freePort())
    const child = ChildProcess.spawn(
      process.execPath,
      [
        bin,
        "login",
        "--flow",
        "browser",
        "--no-browser",
        "--port",
        port,
        "--issuer",
        emulator.url,
        "--codex-home",
        home
      ],
      { env: baseEnv(), stdio: ["ignore", "pipe", "pipe"] }
    )
    let stderr = ""
    const ready = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        stderr += chunk
        if (stderr.includes("yourself.\n")) resolve()
      })
    )
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    await ready
    child.kill("SIGINT")
    assert.strictEqual(await closed, 130)
    assert.include(stderr, "\n! Could not open a browser (--no-browser was given). Open the address above yourself.\n")
    assert.notInclude(stderr, "Could not open a browser (Could not open a browser")
  }, 60_000)

  it("--json and Ctrl-C: exit 130 with an Interrupted document, nothing saved", async () => {
    const home = tempDir()
    const port = String(await freePort())
    const child = ChildProcess.spawn(
      process.execPath,
      [
        bin,
        "login",
        "--flow",
        "browser",
        "--no-browser",
        "--json",
        "--port",
        port,
        "--issuer",
        emulator.url,
        "--codex-home",
        home
      ],
      { env: baseEnv(), stdio: ["ignore", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    const ready = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        stderr += chunk
        if (stderr.includes("yourself.\n")) resolve()
      })
    )
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    await ready
    child.kill("SIGINT")
    assert.strictEqual(await closed, 130)
    assert.deepStrictEqual(JSON.parse(stdout), {
      error: { _tag: "Interrupted", message: "The command was interrupted.", next: "Run the command again." }
    })
    assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
  }, 60_000)

  it("accounts takes --codex-home: the pool file in that CODEX_HOME", async () => {
    const home = Fs.realpathSync(tempDir())
    const empty = await run(["accounts", "--codex-home", home])
    assert.deepStrictEqual(empty, {
      code: 1,
      stdout: "",
      stderr: `✗ The account pool ${home}/codex-auth-pool.json has no accounts. Add one with ` +
        "`codex-auth login --account NAME`.\n"
    })
    Fs.writeFileSync(
      Path.join(home, "codex-auth-pool.json"),
      JSON.stringify({ accounts: [{ name: "work", codexHome: "work" }] })
    )
    const listed = await run(["accounts", "--json", "--codex-home", home])
    assert.strictEqual(listed.code, 1, listed.stderr)
    const document = JSON.parse(listed.stdout)
    assert.strictEqual(document.pool, `${home}/codex-auth-pool.json`)
    assert.deepStrictEqual(document.accounts.map((a: { name: string; health: string }) => [a.name, a.health]), [[
      "work",
      "needs-login"
    ]])
  })
})

describe("the facades", () => {
  it("CodexAuth.open({ codexHome }) that does not exist names the option, not CODEX_HOME", async () => {
    const saved = process.env["CODEX_HOME"]
    delete process.env["CODEX_HOME"]
    try {
      const missing = Path.join(tempDir(), "nope")
      const error = await CodexAuth.open({ codexHome: missing }).then(
        async (auth) => {
          try {
            await auth.status()
            return undefined
          } finally {
            await auth.close()
          }
        },
        (e: unknown) => e
      ).catch((e: unknown) => e) as (Error & { _tag: string }) | undefined
      assert.strictEqual(error?._tag, "CodexHomeNotFound")
      assert.strictEqual(
        error?.message,
        `The codexHome ${missing} does not exist. Create that directory, or leave codexHome out to use CODEX_HOME or ` +
          "~/.codex."
      )
    } finally {
      if (saved !== undefined) process.env["CODEX_HOME"] = saved
    }
  })

  it("CodexAuthPool.list(): accounts without credentials need a login, as `codex-auth accounts` says", async () => {
    const dir = tempDir()
    const signed = await signedIn()
    const pool = await CodexAuthPool.open({
      accounts: [
        { name: "empty", codexHome: tempDir() },
        { name: "nowhere", codexHome: Path.join(dir, "does-not-exist") },
        { name: "signed", codexHome: signed }
      ],
      issuer: emulator.url
    })
    try {
      const listed = await pool.list()
      assert.deepStrictEqual(listed.map((account) => [account.name, account.health]), [
        ["empty", "needs-login"],
        ["nowhere", "needs-login"],
        ["signed", "healthy"]
      ])
    } finally {
      await pool.close()
    }
  }, 60_000)
})

describe("progress on a terminal", () => {
  // util-linux flock takes the same flock(2) on auth.lock that Codex and codex-auth take; the holder keeps it until
  // `release` (its stdin closes), so a CLI that starts late on a busy machine still finds the lock held.
  const hold = async (home: string) => {
    const holder = ChildProcess.spawn("flock", [Path.join(home, "auth.lock"), "-c", "echo locked; read _"], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()))
    const release = () => {
      if (!holder.stdin.writableEnded) holder.stdin.end()
    }
    return {
      release,
      kill: () => {
        release()
        holder.kill()
      }
    }
  }

  it("a token wait over a second says what it waits for on a TTY, and nothing when piped", async () => {
    const home = await signedIn()
    const holder = await hold(home)
    const progress =
      "… Getting a valid access token (refreshing it, or waiting for another process that holds auth.lock)…"
    // Released once the progress line is on the terminal (or after 60 s, when the assertion below fails).
    const fallback = setTimeout(holder.release, 60_000)
    // util-linux `script` gives the CLI a pseudo-terminal (stdout and stderr both on it).
    const tty = await new Promise<string>((resolve, reject) => {
      const child = ChildProcess.spawn(
        "script",
        ["-qec", `${process.execPath} ${bin} token --issuer ${emulator.url} --codex-home ${home}`, "/dev/null"],
        { env: baseEnv(), stdio: ["ignore", "pipe", "inherit"] }
      )
      let out = ""
      child.stdout.on("data", (chunk) => {
        out += chunk
        if (out.includes(progress)) holder.release()
      })
      child.on("error", reject)
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))))
    }).finally(() => {
      clearTimeout(fallback)
      holder.kill()
    })
    assert.include(tty, `${progress}\r${ESC}[2K`)
    const token = tty.split(`${ESC}[2K`)[1]!.trim()
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]*$/, "then the token")

    // Piped: the lock is held 3 s after the CLI starts (longer than the 1 s before a terminal would show progress).
    const again = await hold(home)
    const releaseAgain = setTimeout(again.release, 3_000)
    const piped = await run(["token", "--issuer", emulator.url, "--codex-home", home]).finally(() => {
      clearTimeout(releaseAgain)
      again.kill()
    })
    assert.strictEqual(piped.code, 0)
    assert.strictEqual(piped.stderr, "", "no progress line when stderr is not a terminal")
    assert.match(piped.stdout, /^[\w-]+\.[\w-]+\.[\w-]*\n$/)
  }, 90_000)
})
