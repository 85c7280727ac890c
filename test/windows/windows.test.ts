// The Windows lane: node.exe (process.platform "win32") under Wine runs the built packages — the lock through
// LockFileEx, the atomic save, the CLI and the facade — against the emulator running natively on 127.0.0.1 (Wine
// processes share loopback with Linux ones). Node under Wine cannot write to pipes, so every child's stdout and
// stderr are files. The lane needs scripts/setup-wine.sh (run by `npm test`); where Wine cannot be installed it
// skips with a line saying so.
import { startEmulator } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
// @ts-expect-error: a plain .mjs shared with the crash suite
import { contentOf as contentOfUntyped } from "../crash/content.mjs"
import { authJsonText, readAuthJson, tempCodexHome, writeAuthJson } from "../session/fixtures.ts"

const here = Path.dirname(new URL(import.meta.url).pathname)
const root = Path.resolve(here, "../..")
const wine = "/usr/lib/wine/wine64"
const contentOf = contentOfUntyped as (round: number, n: number) => string

const setUp = (): { readonly nodeExe: string; readonly prefix: string } | string => {
  const nodeExe = process.env.CODEX_AUTH_WIN_NODE ||
    execFileSync("bash", [Path.join(root, "scripts/setup-wine.sh")], { encoding: "utf8" }).trim()
  if (nodeExe === "" || !Fs.existsSync(nodeExe) || !Fs.existsSync(wine)) {
    return "Wine or node.exe is not installed here (scripts/setup-wine.sh said why)"
  }
  return { nodeExe, prefix: Path.resolve(nodeExe, "../../../../prefix") }
}
const lane = setUp()
if (typeof lane === "string") console.log(`windows lane skipped: ${lane}`)

// Wine creates sockets in its wineserver, so the server must live in this suite's network namespace (where the
// emulator listens): stop any server of the prefix left from elsewhere, let the first child start ours, stop it after.
const stopWineserver = () => {
  if (typeof lane === "string") return
  try {
    execFileSync("/usr/lib/wine/wineserver", ["-k"], {
      env: { ...process.env, WINEPREFIX: lane.prefix },
      stdio: "ignore"
    })
  } catch {
    // none was running
  }
}

// The prefix (and so its one wineserver) is the machine's, not this checkout's: two test runs at once on one machine
// (two clones, each in its own network namespace) would share a wineserver living in one namespace, and the other's
// node.exe would find no emulator (ECONNREFUSED, seen). The lane holds an flock(1) on the prefix's lock file for its
// whole run, so a second run's lane waits for the first one's to end.
let laneLock: ChildProcess | undefined
const lockLane = (): Promise<void> => {
  if (typeof lane === "string") return Promise.resolve()
  const holder = spawn("flock", [Path.join(lane.prefix, "..", "lane.lock"), "-c", "echo locked; read _"], {
    stdio: ["pipe", "pipe", "inherit"]
  })
  laneLock = holder
  return new Promise((resolve, reject) => {
    holder.stdout!.once("data", () => resolve())
    holder.once("error", reject)
    holder.once("exit", (code) => reject(new Error(`flock on the Wine prefix's lane.lock exited ${code}`)))
  })
}
const unlockLane = () => {
  laneLock?.stdin?.end()
  laneLock?.kill()
  laneLock = undefined
}

/** The Windows name of a Linux path, as Wine maps the root file system (drive Z:). */
const winPath = (path: string): string => "Z:" + path.replaceAll("/", "\\")

interface WinChild {
  readonly child: ChildProcess
  /** The JSON lines the child has written to its stdout file so far. */
  readonly lines: () => Array<any>
  readonly exited: Promise<number | null>
  /** Where its stdout and stderr files are. */
  readonly dir: string
}

/** The real Codex CLI for Windows (`setup-wine.sh codex`), or why not. */
const codexExe = ((): string | undefined => {
  if (typeof lane === "string") return undefined
  const exe = process.env.CODEX_AUTH_WIN_CODEX ||
    execFileSync("bash", [Path.join(root, "scripts/setup-wine.sh"), "codex"], { encoding: "utf8" }).trim()
  if (exe !== "" && Fs.existsSync(exe)) return exe
  console.log("windows lane: the Codex interop test skips — setup-wine.sh codex found no codex.exe (it said why)")
  return undefined
})()

const runWin = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runWine(typeof lane === "string" ? "" : lane.nodeExe, args, env)

/** Runs a Windows program under Wine; its stdout and stderr are files. */
const runWine = (
  program: string,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): Effect.Effect<WinChild, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      if (typeof lane === "string") throw new Error(lane)
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "win-child-"))
      const out = Path.join(dir, "stdout")
      const stdout = Fs.openSync(out, "w")
      const stderr = Fs.openSync(Path.join(dir, "stderr"), "w")
      const { CODEX_HOME: _home, NODE_EXTRA_CA_CERTS: _ca, ...inherited } = process.env
      const child = spawn(wine, [program, ...args], {
        cwd: root,
        env: { ...inherited, ...env, WINEPREFIX: lane.prefix, WINEDEBUG: "-all", NO_COLOR: "1" },
        stdio: ["ignore", stdout, stderr]
      })
      Fs.closeSync(stdout)
      Fs.closeSync(stderr)
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const lines = () =>
        Fs.readFileSync(out, "utf8").split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
      return { child, lines, exited, dir }
    }),
    ({ child, dir }) =>
      Effect.sync(() => {
        if (child.exitCode === null) child.kill("SIGKILL")
        Fs.rmSync(dir, { recursive: true, force: true })
      })
  )

const childScript = winPath(Path.join(here, "child.mjs"))
const cli = winPath(Path.join(root, "packages/node/bin/codex-auth.js"))

const until = (what: string, condition: () => boolean, timeoutMillis = 60_000) =>
  Effect.promise(async () => {
    const deadline = Date.now() + timeoutMillis
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  })

const stderrOf = (child: WinChild & { readonly dir?: string }) =>
  Fs.readFileSync(Path.join(child.dir, "stderr"), "utf8")

describe.skipIf(typeof lane === "string")("Windows (node.exe under Wine)", () => {
  // Another run's lane (a second clone on this machine) may hold the prefix for its ~2–10 minutes.
  beforeAll(async () => {
    await lockLane()
    stopWineserver()
  }, 1_200_000)
  afterAll(() => {
    stopWineserver()
    unlockLane()
  })

  it.scopedLive(
    "the lock (LockFileEx on auth.lock) excludes a second node.exe until the first lets go",
    () =>
      Effect.gen(function*() {
        const home = yield* tempCodexHome
        const lockPath = winPath(Path.join(home, "auth.lock"))
        const release = Path.join(home, "release")
        const holder = yield* runWin([childScript, "lock", lockPath, winPath(release)])
        yield* until("the holder's lock", () => holder.lines().some((l) => l.event === "locked"))
        assert.strictEqual(holder.lines()[0].platform, "win32")

        const contender = yield* runWin([childScript, "try", lockPath])
        yield* Effect.promise(() => contender.exited)
        const [refused] = contender.lines()
        assert.strictEqual(refused?.event, "failed", stderrOf(contender))
        assert.include(refused.reason, "held by another process")

        Fs.writeFileSync(release, "")
        yield* Effect.promise(() => holder.exited)
        assert.deepStrictEqual(holder.lines().map((l) => l.event), ["locked", "released"])
        const after = yield* runWin([childScript, "try", lockPath])
        yield* Effect.promise(() => after.exited)
        assert.strictEqual(after.lines()[0]?.event, "locked", stderrOf(after))
      }),
    { timeout: 180_000 }
  )

  it.scopedLive(
    "8 node.exe processes, expired token, one CODEX_HOME: one refresh grant, 8 identical tokens",
    () =>
      Effect.gen(function*() {
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        writeAuthJson(home, authJsonText(minted, emulator.url))
        yield* emulator.admin.clearRequests
        const go = Path.join(home, "go")
        const env = { CODEX_HOME: winPath(home), ISSUER: emulator.url }
        const children = yield* Effect.all(
          Array.from({ length: 8 }, () => runWin([childScript, "token", winPath(go)], env)),
          { concurrency: "unbounded" }
        )
        yield* until(
          "8 ready children",
          () => children.every((c) => c.lines().some((l) => l.event === "ready")),
          120_000
        )
        Fs.writeFileSync(go, "")
        yield* Effect.promise(() => Promise.all(children.map((c) => c.exited)))
        const answers = children.map((c) => c.lines().find((l) => "token" in l || "error" in l))
        for (const [i, answer] of answers.entries()) {
          assert.isDefined(answer, stderrOf(children[i]!))
          assert.isUndefined(answer.error, answer.error)
          assert.strictEqual(answer.platform, "win32")
        }
        const tokens = new Set(answers.map((a) => a.token as string))
        assert.strictEqual(tokens.size, 1, "all 8 processes got the same token")
        const [token] = tokens
        assert.notStrictEqual(token, minted.access_token)
        const requests = yield* emulator.admin.requests
        const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
        assert.strictEqual(grants.length, 1, "exactly one refresh grant")
        assert.isFalse(requests.some((r) => r.errorCode === "refresh_token_reused"))
        assert.strictEqual(readAuthJson(home).tokens.access_token, token)
        assert.deepStrictEqual(Fs.readdirSync(home).filter((n) => n.endsWith(".tmp")), [], "no temporary left")
      }),
    { timeout: 300_000 }
  )

  it.scopedLive(
    "killing the Wine process mid-write never leaves a broken auth.json (10 kills)",
    () =>
      Effect.gen(function*() {
        const home = yield* tempCodexHome
        const path = Path.join(home, "auth.json")
        const writer = winPath(Path.join(root, "test/crash/writerChild.mjs"))
        for (let round = 1; round <= 10; round++) {
          const child = yield* runWin([writer, winPath(path), String(round)])
          const target = 2 + (round * 3) % 7
          // The writer announces "begin N" / "done N" in plain lines on its stdout file.
          const announced = () => Fs.readFileSync(Path.join(child.dir, "stdout"), "utf8")
          yield* until(`write ${target} of round ${round}`, () => announced().includes(`done ${target}\n`), 120_000)
          child.child.kill("SIGKILL")
          yield* Effect.promise(() => child.exited)
          const done = [...announced().matchAll(/done (\d+)\n/g)].map((m) => Number(m[1]))
          const last = Math.max(...done)
          const text = Fs.readFileSync(path, "utf8")
          assert.include([contentOf(round, last), contentOf(round, last + 1)], text, `round ${round}: a whole write`)
        }
      }),
    { timeout: 300_000 }
  )

  it.scopedLive(
    "the browser opener on win32: cmd /c start hands the URL, & and ^ and | included, to the browser",
    () =>
      Effect.gen(function*() {
        // Wine's `start` goes through ShellExecute to winebrowser, which runs the Linux `xdg-open`: a recorder here.
        const bin = yield* Effect.acquireRelease(
          Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "win-opener-"))),
          (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
        )
        const received = Path.join(bin, "received")
        Fs.writeFileSync(Path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${received}'\n`, {
          mode: 0o755
        })
        const authorize =
          "http://127.0.0.1:1455/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann" +
          "&redirect_uri=http%3A%2F%2F127.0.0.1%3A1455%2Fauth%2Fcallback&scope=openid+profile+email+offline_access" +
          "&state=Ab_-9z&codex_cli_simplified_flow=true&originator=codex_cli_rs"
        // cmd.exe metacharacters: unescaped, `&` ends the command, `|` pipes, `^` disappears, `(` `)` group.
        const hostile = "http://127.0.0.1:1455/x?a=1&b=2^3&c=(4)|5"
        const { BROWSER: _browser, ...env } = process.env
        const child = yield* runWin([childScript, "open", authorize, hostile], {
          ...env as Record<string, string>,
          PATH: `${bin}:${process.env.PATH}`
        })
        yield* Effect.promise(() => child.exited)
        assert.deepStrictEqual(child.lines(), [
          { platform: "win32", opened: authorize },
          { platform: "win32", opened: hostile }
        ], stderrOf(child))
        yield* until("both URLs at the browser", () =>
          Fs.existsSync(received) && Fs.readFileSync(received, "utf8").split("\n").length > 2)
        // The two opens run side by side: they may reach the browser in either order.
        const urls = Fs.readFileSync(received, "utf8").trim().split("\n")
        assert.strictEqual(urls.length, 2, urls.join("\n"))
        assert.include(urls, authorize, "an authorize URL arrives byte for byte")
        // ShellExecute percent-encodes ^ and | (as a browser would): the same URL, nothing cut or eaten.
        assert.strictEqual(
          decodeURI(
            urls.find((url) =>
              url !== authorize
            )!
          ),
          hostile
        )
      }),
    { timeout: 120_000 }
  )

  it.scopedLive(
    "the keyring store on win32: a login larger than a Credential Manager blob saved and loaded, read by the CLI and by codex.exe",
    (context) =>
      Effect.gen(function*() {
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const minted = yield* emulator.admin.mintTokens({})
        const authFile = Path.join(home, "input.json")
        Fs.writeFileSync(authFile, authJsonText(minted, emulator.url))
        // Stored as UTF-16, this is more than the 2,560-byte blob a Credential Manager entry holds.
        assert.isAbove(Fs.readFileSync(authFile, "utf8").length * 2, 2560)
        const child = yield* runWin([childScript, "keyring", winPath(home), winPath(authFile)])
        yield* Effect.promise(() => child.exited)
        const [answer] = child.lines()
        assert.isDefined(answer, stderrOf(child))
        if ("unavailable" in answer) {
          // It imports ProcessPrng from bcryptprimitives.dll: Wine 8.0 has none, and scripts/setup-wine.sh puts a
          // forwarder to advapi32's RtlGenRandom in the prefix.
          const builtin = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll"
          const forwarder = typeof lane === "string"
            ? ""
            : Path.join(lane.prefix, "drive_c/windows/system32/bcryptprimitives.dll")
          console.log(
            "windows lane: keyring skipped — @napi-rs/keyring's win32 build does not load under this Wine" +
              (Fs.existsSync(builtin) || Fs.existsSync(forwarder)
                ? ""
                : " (it imports bcryptprimitives.dll, which this Wine does not have; run scripts/setup-wine.sh)") +
              `: ${answer.unavailable}`
          )
          return context.skip()
        }
        assert.isUndefined(answer.error, answer.error)
        // Codex's Windows layout: the encrypted file, not one oversized keyring entry.
        assert.include(answer.location, "codex_auth.age")
        assert.isTrue(answer.same, "the document loaded is the one saved")
        assert.isTrue(Fs.existsSync(Path.join(home, "secrets", "codex_auth.age")))
        const status = yield* runWin([cli, "status", "--json", "--store", "keyring", "--codex-home", winPath(home)])
        assert.strictEqual(yield* Effect.promise(() => status.exited), 0, stderrOf(status))
        assert.strictEqual(JSON.parse(Fs.readFileSync(Path.join(status.dir, "stdout"), "utf8")).loggedIn, true)
        if (codexExe === undefined) return
        // The real Codex CLI for Windows reads it: its keyring store there is this layout (secret_auth_storage is on
        // by default on Windows), the key in Wine's Credential Manager under the name we gave it.
        const codexStatus = (store: ReadonlyArray<string>) =>
          Effect.gen(function*() {
            const run = yield* runWine(codexExe, ["login", "status", ...store], { CODEX_HOME: winPath(home) })
            yield* Effect.promise(() => run.exited)
            return Fs.readFileSync(Path.join(run.dir, "stdout"), "utf8") + stderrOf(run)
          })
        assert.include(yield* codexStatus(["-c", "cli_auth_credentials_store=\"keyring\""]), "Logged in using ChatGPT")
        // Control: with its file store Codex finds nothing (the keyring save removed auth.json).
        assert.include(yield* codexStatus([]), "Not logged in")
      }),
    { timeout: 240_000 }
  )

  it.scopedLive(
    "the real Codex CLI for Windows (codex.exe under Wine) reads the auth.json our node.exe refreshed and saved",
    (context) =>
      Effect.gen(function*() {
        if (codexExe === undefined) return context.skip()
        const emulator = yield* startEmulator()
        const home = yield* tempCodexHome
        const codexStatus = Effect.gen(function*() {
          const run = yield* runWine(codexExe, ["login", "status"], { CODEX_HOME: winPath(home) })
          yield* Effect.promise(() => run.exited)
          return Fs.readFileSync(Path.join(run.dir, "stdout"), "utf8") + stderrOf(run)
        })
        // Control: nothing stored, nothing read.
        assert.include(yield* codexStatus, "Not logged in")
        const minted = yield* emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        writeAuthJson(home, authJsonText(minted, emulator.url))
        // Our node.exe refreshes the expired token and writes auth.json (LockFileEx, the win32 atomic save).
        const token = yield* runWin([cli, "token", "--codex-home", winPath(home), "--issuer", emulator.url])
        assert.strictEqual(yield* Effect.promise(() => token.exited), 0, stderrOf(token))
        const saved = readAuthJson(home)
        assert.notStrictEqual(saved.tokens.refresh_token, minted.refresh_token, "auth.json is node.exe's write")
        assert.strictEqual(Fs.readFileSync(Path.join(token.dir, "stdout"), "utf8").trim(), saved.tokens.access_token)
        assert.include(yield* codexStatus, "Logged in using ChatGPT")
      }),
    { timeout: 180_000 }
  )

  it.scopedLive("the CLI's status and token, and the facade's getToken, on win32", () =>
    Effect.gen(function*() {
      const emulator = yield* startEmulator()
      const home = yield* tempCodexHome
      const minted = yield* emulator.admin.mintTokens({})
      writeAuthJson(home, authJsonText(minted, emulator.url))

      const status = yield* runWin([cli, "status", "--json", "--codex-home", winPath(home)])
      assert.strictEqual(yield* Effect.promise(() => status.exited), 0, stderrOf(status))
      const document = JSON.parse(Fs.readFileSync(Path.join(status.dir, "stdout"), "utf8"))
      assert.strictEqual(document.loggedIn, true)

      const token = yield* runWin([cli, "token", "--codex-home", winPath(home)])
      assert.strictEqual(yield* Effect.promise(() => token.exited), 0, stderrOf(token))
      const printed = Fs.readFileSync(Path.join(token.dir, "stdout"), "utf8").trim()
      assert.strictEqual(printed, minted.access_token)

      // CODEX_HOME unset: %USERPROFILE%\.codex, as Codex reads it on Windows (Wine sets USERPROFILE to the prefix's
      // C:\users\<user>; the folder is made for this test and removed after it).
      if (typeof lane === "string") return
      const profileHome = Path.join(lane.prefix, "drive_c/users", Os.userInfo().username, ".codex")
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          Fs.rmSync(profileHome, { recursive: true, force: true })
          Fs.mkdirSync(profileHome, { recursive: true })
        }),
        () => Effect.sync(() => Fs.rmSync(profileHome, { recursive: true, force: true }))
      )
      writeAuthJson(profileHome, authJsonText(minted, emulator.url))
      const byProfile = yield* runWin([cli, "token"])
      assert.strictEqual(yield* Effect.promise(() => byProfile.exited), 0, stderrOf(byProfile))
      assert.strictEqual(Fs.readFileSync(Path.join(byProfile.dir, "stdout"), "utf8").trim(), minted.access_token)

      const facade = yield* runWin([childScript, "facade", winPath(home)])
      yield* Effect.promise(() => facade.exited)
      const [answer] = facade.lines()
      assert.isDefined(answer, stderrOf(facade))
      assert.deepStrictEqual(answer, { platform: "win32", token: minted.access_token, loggedIn: true })
    }), { timeout: 180_000 })
})
