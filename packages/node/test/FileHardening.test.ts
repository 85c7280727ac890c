// The file layer under hostile or unlucky file systems (issue 13): a symlinked auth.json, a symlink / FIFO / directory
// at auth.lock, /dev/zero or a huge file as auth.json or CA bundle, a CODEX_HOME near PATH_MAX, files Codex refuses to
// parse, exposed modes, and the system errors of a full, busy or read-only file system. Real files, real mounts (we
// are root; mount tests skip with the reason when mounting is refused), the built CLI as a child process (build
// first), and the real Codex CLI (CODEX_BIN, inside scripts/netns.sh) where its behaviour is the reference.
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as NodeHttpClient from "@codex-auth/node/NodeHttpClient"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { codexBin, interopEnabled } from "../../../test/support/codex.ts"

const root = Path.resolve(import.meta.dirname, "../../..")
const cliBin = Path.join(root, "packages/node/dist/bin/codex-auth.js")
const codex = interopEnabled("FileHardening") ? codexBin() : undefined

const temps: Array<string> = []
const mounts: Array<string> = []
const tempDir = (mode = 0o700): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-harden-"))
  Fs.chmodSync(dir, mode)
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const target of mounts.splice(0).reverse()) ChildProcess.spawnSync("umount", ["-l", target])
  for (const dir of temps.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

/** `mount …`; the reason it was refused, or undefined when it worked (then unmounted after the suite). */
const mount = (args: ReadonlyArray<string>, target: string): string | undefined => {
  const result = ChildProcess.spawnSync("mount", [...args, target], { encoding: "utf8" })
  if (result.status !== 0) return `mount ${args.join(" ")} was refused: ${result.stderr.trim() || result.error}`
  mounts.push(target)
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------------------------------------------

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const jwt = (payload: unknown) => `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.sig`
const farFuture = 4_102_444_800 // 2100-01-01
const accessToken = jwt({ exp: farFuture, "https://api.openai.com/auth": { chatgpt_account_id: "acct-h" } })
const refreshToken = "rt-hardening-secret-0123456789"

const document = (overrides: Record<string, unknown> = {}, tokenOverrides: Record<string, unknown> = {}) => ({
  auth_mode: "chatgpt",
  OPENAI_API_KEY: null,
  tokens: {
    id_token: jwt({
      email: "h@example.com",
      "https://api.openai.com/auth": { chatgpt_account_id: "acct-h", chatgpt_plan_type: "plus" },
      exp: farFuture
    }),
    access_token: accessToken,
    refresh_token: refreshToken,
    account_id: "acct-h",
    ...tokenOverrides
  },
  last_refresh: "2026-01-01T00:00:00Z",
  ...overrides
})

const goodText = JSON.stringify(document(), null, 2)

/** A CODEX_HOME holding `content` as auth.json (mode 0600). */
const homeWith = (content: string | Uint8Array): string => {
  const home = tempDir()
  Fs.writeFileSync(Path.join(home, "auth.json"), content, { mode: 0o600 })
  return home
}

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const spawnRun = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input?: string; readonly timeoutMs?: number } = {}
) => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ...options.env }
  const child = ChildProcess.spawn(command, args, {
    env,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (chunk) => (stdout += chunk))
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  if (options.input !== undefined) child.stdin!.end(options.input)
  const done = new Promise<Run>((resolve, reject) => {
    // A hang is a failure, not a stuck suite: killed, then reported by the caller's assertions.
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, done }
}

/** The built codex-auth CLI with CODEX_HOME = `home` (HOME a throwaway directory). */
const cli = (
  home: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input?: string; readonly timeoutMs?: number } = {}
) => {
  assert.isTrue(Fs.existsSync(cliBin), "build first: npm run build")
  return spawnRun(process.execPath, [cliBin, ...args], {
    ...options,
    env: { HOME: tempDir(), CODEX_HOME: home, CODEX_AUTH_ISSUER: "", ...options.env }
  })
}

/** The real Codex CLI with CODEX_HOME = `home`. */
const codexRun = (home: string, args: ReadonlyArray<string>, input?: string) =>
  spawnRun(codex!, args, {
    env: { HOME: tempDir(), CODEX_HOME: home, RUST_LOG: "error" },
    ...(input === undefined ? {} : { input }),
    timeoutMs: 30_000
  }).done

const codexAccepts = (run: Run) => /Logged in using/.test(run.stdout + run.stderr)

const readError = (path: string, maxBytes?: number) =>
  Effect.flip(NodeSecretFile.make.read(path, maxBytes === undefined ? undefined : { maxBytes }))

const apiKey = "sk-proj-hardening-0123456789-ABCDE"

// ---------------------------------------------------------------------------------------------------------------
// 1. a symlinked auth.json
// ---------------------------------------------------------------------------------------------------------------

describe("a symlinked auth.json is written through, the link stays a link", () => {
  it.effect("writeAtomic replaces the link's target in the target's directory (relative link, chain of two)", () =>
    Effect.gen(function*() {
      const home = tempDir()
      const elsewhere = tempDir()
      const middle = tempDir()
      const target = Path.join(elsewhere, "real-auth.json")
      Fs.writeFileSync(target, "old", { mode: 0o644 })
      // auth.json -> middle/hop.json -> ../elsewhere/real-auth.json (relative to the link's directory)
      Fs.symlinkSync(Path.relative(middle, target), Path.join(middle, "hop.json"))
      Fs.symlinkSync(Path.join(middle, "hop.json"), Path.join(home, "auth.json"))
      const linkBefore = Fs.readlinkSync(Path.join(home, "auth.json"))
      const inodeBefore = Fs.statSync(target).ino

      yield* NodeSecretFile.make.writeAtomic(Path.join(home, "auth.json"), "new", { mode: 0o600 })

      assert.isTrue(Fs.lstatSync(Path.join(home, "auth.json")).isSymbolicLink(), "auth.json is still a link")
      assert.strictEqual(Fs.readlinkSync(Path.join(home, "auth.json")), linkBefore)
      assert.isTrue(Fs.lstatSync(Path.join(middle, "hop.json")).isSymbolicLink(), "the middle link too")
      assert.strictEqual(Fs.readFileSync(target, "utf8"), "new")
      assert.notStrictEqual(Fs.statSync(target).ino, inodeBefore, "replaced by rename, not rewritten in place")
      assert.strictEqual(Fs.statSync(target).mode & 0o777, 0o600)
      assert.deepStrictEqual(Fs.readdirSync(home), ["auth.json"], "no temporary beside the link")
      assert.deepStrictEqual(Fs.readdirSync(elsewhere), ["real-auth.json"], "none beside the target")
      assert.deepStrictEqual(yield* NodeSecretFile.make.read(Path.join(home, "auth.json")), Option.some("new"))
    }))

  it.effect("the sweep of a killed writer's leftovers also looks beside the link's target, where they are", () =>
    Effect.gen(function*() {
      const home = tempDir()
      const elsewhere = tempDir()
      Fs.writeFileSync(Path.join(elsewhere, "real.json"), "{}", { mode: 0o600 })
      Fs.symlinkSync(Path.join(elsewhere, "real.json"), Path.join(home, "auth.json"))
      for (const leftover of [Path.join(elsewhere, ".real.json.0a1b2c"), Path.join(home, ".auth.json.3d4e5f")]) {
        Fs.writeFileSync(leftover, "half", { mode: 0o600 })
      }
      Fs.writeFileSync(Path.join(elsewhere, ".auth-Zq81xW"), "codex's", { mode: 0o600 })
      assert.strictEqual(yield* NodeSecretFile.make.removeTemporaries(Path.join(home, "auth.json")), 2)
      assert.deepStrictEqual(Fs.readdirSync(home), ["auth.json"])
      assert.sameMembers(Fs.readdirSync(elsewhere), ["real.json", ".auth-Zq81xW"])
    }))

  it.effect("a dangling link gets its target created (the link is kept)", () =>
    Effect.gen(function*() {
      const home = tempDir()
      const elsewhere = tempDir()
      Fs.symlinkSync(Path.join(elsewhere, "auth.json"), Path.join(home, "auth.json"))
      yield* NodeSecretFile.make.writeAtomic(Path.join(home, "auth.json"), "{}", { mode: 0o600 })
      assert.isTrue(Fs.lstatSync(Path.join(home, "auth.json")).isSymbolicLink())
      assert.strictEqual(Fs.readFileSync(Path.join(elsewhere, "auth.json"), "utf8"), "{}")
    }))

  it.effect("a link cycle is a typed error that says what to do, and nothing is written", () =>
    Effect.gen(function*() {
      const home = tempDir()
      Fs.symlinkSync(Path.join(home, "b"), Path.join(home, "auth.json"))
      Fs.symlinkSync(Path.join(home, "auth.json"), Path.join(home, "b"))
      const error = yield* Effect.flip(
        NodeSecretFile.make.writeAtomic(Path.join(home, "auth.json"), "{}", { mode: 0o600 })
      )
      assert.strictEqual(error.reason, "ELOOP")
      assert.include(error.message, "symbolic links")
      assert.sameMembers(Fs.readdirSync(home), ["auth.json", "b"])
    }))

  it(
    "the CLI's login keeps the link and writes its target, as the real Codex CLI does",
    { timeout: 90_000 },
    async () => {
      const check = async (login: (home: string) => Promise<Run>) => {
        const home = tempDir()
        const real = tempDir()
        Fs.writeFileSync(Path.join(real, "auth.json"), "{}", { mode: 0o600 })
        Fs.symlinkSync("../" + Path.basename(real) + "/auth.json", Path.join(home, "auth.json"))
        const result = await login(home)
        assert.strictEqual(result.code, 0, result.stderr)
        assert.isTrue(Fs.lstatSync(Path.join(home, "auth.json")).isSymbolicLink(), "still a link")
        const written = JSON.parse(Fs.readFileSync(Path.join(real, "auth.json"), "utf8"))
        assert.strictEqual(written.OPENAI_API_KEY, apiKey)
        return written
      }
      const ours = await check((home) =>
        cli(home, ["login", "--with-api-key"], { input: `${apiKey}\n`, timeoutMs: 30_000 }).done
      )
      if (codex !== undefined) {
        const theirs = await check((home) => codexRun(home, ["login", "--with-api-key"], `${apiKey}\n`))
        assert.deepStrictEqual(ours, theirs, "the same document through the link")
      }
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------
// 2. the lock
// ---------------------------------------------------------------------------------------------------------------

describe("auth.lock: O_NOFOLLOW, non-blocking, a regular file only", () => {
  it.effect("a symlink at auth.lock is refused (ELOOP) with its own message; its target is never created", () =>
    Effect.gen(function*() {
      const home = tempDir()
      const victim = Path.join(tempDir(), "victim")
      Fs.symlinkSync(victim, Path.join(home, "auth.lock"))
      const error = yield* Effect.flip(Effect.scoped(NodeSecretFile.make.lock(Path.join(home, "auth.lock"))))
      assert.strictEqual(error._tag, "SecretFileError")
      assert.strictEqual(error.reason, "ELOOP")
      assert.include(error.message, "symbolic link")
      assert.notInclude(error.message, "Another process")
      assert.isFalse(Fs.existsSync(victim), "the link was not followed")
    }))

  it.live(
    "a FIFO at auth.lock fails at once (it would block a plain open), not after the lock timeout",
    () =>
      Effect.gen(function*() {
        const home = tempDir()
        const fifo = Path.join(home, "auth.lock")
        assert.strictEqual(ChildProcess.spawnSync("mkfifo", [fifo]).status, 0)
        const error = yield* Effect.flip(
          Effect.scoped(NodeSecretFile.make.lock(fifo, { timeoutMillis: 60_000 })).pipe(
            Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "hung" as const })
          )
        )
        assert.notStrictEqual(error, "hung")
        assert.strictEqual((error as SecretFile.SecretFileError).reason, SecretFile.notRegularFileReason)
        assert.include((error as SecretFile.SecretFileError).message, "pipe")
      }),
    30_000
  )

  it.effect("a directory at auth.lock is EISDIR with its own next step, never 'another process'", () =>
    Effect.gen(function*() {
      const home = tempDir()
      Fs.mkdirSync(Path.join(home, "auth.lock"))
      const error = yield* Effect.flip(Effect.scoped(NodeSecretFile.make.lock(Path.join(home, "auth.lock"))))
      assert.strictEqual(error.reason, "EISDIR")
      assert.include(error.message, "A directory is in the way")
      assert.notInclude(error.message, "Another process")
    }))

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} while the CLI waits for a held lock stops it at once; auth.json is untouched`, {
      timeout: 60_000
    }, async () => {
      const home = homeWith(goodText)
      const lock = Path.join(home, "auth.lock")
      const holder = ChildProcess.spawn("flock", ["-x", lock, "-c", "echo locked; sleep 120"], {
        stdio: ["ignore", "pipe", "inherit"]
      })
      try {
        await new Promise((resolve) => holder.stdout.once("data", resolve))
        const waiter = cli(home, ["login", "--with-api-key"], { input: `${apiKey}\n`, timeoutMs: 45_000 })
        // Waiting = it has auth.lock open (the flock is polled on that descriptor).
        const fdDir = `/proc/${waiter.child.pid}/fd`
        for (let i = 0; i < 600; i++) {
          const open = Fs.existsSync(fdDir) &&
            Fs.readdirSync(fdDir).some((fd) => {
              try {
                return Fs.readlinkSync(Path.join(fdDir, fd)) === lock
              } catch {
                return false
              }
            })
          if (open) break
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        waiter.child.kill(signal)
        const result = await waiter.done
        assert.notStrictEqual(result.signal, "SIGKILL", "stopped by the signal, not by the test's kill")
        assert.strictEqual(result.code, 130, result.stderr)
        assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), goodText)
      } finally {
        holder.kill("SIGKILL")
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------------------------
// 3. bounded reads
// ---------------------------------------------------------------------------------------------------------------

describe("bounded reads: auth.json (1 MiB) and the CA bundle (16 MiB)", () => {
  it.live(
    "/dev/zero, a FIFO and a 4 GiB sparse file as auth.json fail at once with typed errors",
    () =>
      Effect.gen(function*() {
        const home = tempDir()
        const zero = Path.join(home, "zero.json")
        Fs.symlinkSync("/dev/zero", zero)
        const fifo = Path.join(home, "fifo.json")
        assert.strictEqual(ChildProcess.spawnSync("mkfifo", [fifo]).status, 0)
        const huge = Path.join(home, "huge.json")
        Fs.writeFileSync(huge, "")
        Fs.truncateSync(huge, 4 * 1024 ** 3)
        const bounded = <A, E>(effect: Effect.Effect<A, E>) =>
          effect.pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "hung" as const }))
        assert.strictEqual((yield* bounded(readError(zero))).reason, SecretFile.notRegularFileReason)
        assert.strictEqual((yield* bounded(readError(fifo))).reason, SecretFile.notRegularFileReason)
        const tooLarge = yield* bounded(readError(huge))
        assert.strictEqual(tooLarge.reason, SecretFile.tooLargeReason(SecretFile.defaultMaxReadBytes))
        assert.include(tooLarge.message, "codex-auth login")
        assert.notInclude(tooLarge.message, "permissions")
      }),
    60_000
  )

  it.effect("the bound is exact: maxBytes reads, maxBytes + 1 is refused; invalid UTF-8 is refused", () =>
    Effect.gen(function*() {
      const home = tempDir()
      const path = Path.join(home, "auth.json")
      Fs.writeFileSync(path, "x".repeat(10))
      assert.deepStrictEqual(yield* NodeSecretFile.make.read(path, { maxBytes: 10 }), Option.some("x".repeat(10)))
      Fs.writeFileSync(path, "x".repeat(11))
      assert.strictEqual((yield* readError(path, 10)).reason, SecretFile.tooLargeReason(10))
      Fs.writeFileSync(path, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))
      assert.strictEqual((yield* readError(path)).reason, SecretFile.notUtf8Reason)
    }))

  it("the CLI's status on /dev/zero or a huge auth.json exits 1 at once with the file named", {
    timeout: 60_000
  }, async () => {
    for (const make of ["zero", "huge"] as const) {
      const home = tempDir()
      const path = Path.join(home, "auth.json")
      if (make === "zero") Fs.symlinkSync("/dev/zero", path)
      else {
        Fs.writeFileSync(path, "")
        Fs.truncateSync(path, 4 * 1024 ** 3)
      }
      const result = await cli(home, ["status"], { timeoutMs: 30_000 }).done
      assert.strictEqual(result.signal, null, `${make}: did not hang`)
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, path)
      assert.include(result.stderr, make === "zero" ? "not a regular file" : "larger than 1048576 bytes")
    }
  })

  it.live(
    "a CA bundle that is /dev/zero, a FIFO or 17 MiB fails at once with CaCertificateInvalid",
    () =>
      Effect.gen(function*() {
        const dir = tempDir()
        const fifo = Path.join(dir, "ca.fifo")
        assert.strictEqual(ChildProcess.spawnSync("mkfifo", [fifo]).status, 0)
        const huge = Path.join(dir, "ca.pem")
        Fs.writeFileSync(huge, "")
        Fs.truncateSync(huge, 17 * 1024 * 1024)
        for (
          const [path, reason] of [
            ["/dev/zero", "not a regular file"],
            [fifo, "not a regular file"],
            [huge, "larger than 16777216 bytes"]
          ] as const
        ) {
          const error = yield* Effect.flip(
            NodeHttpClient.readCaBundle({ variable: "SSL_CERT_FILE", path }).pipe(
              Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "hung" as const })
            )
          )
          assert.notStrictEqual(error, "hung", path)
          if (error === "hung") continue
          assert.strictEqual(error._tag, "CaCertificateInvalid")
          assert.include(error.message, reason)
          assert.include(error.message, "SSL_CERT_FILE")
        }
      }),
    60_000
  )

  it(
    "the CLI with CODEX_CA_CERTIFICATE=/dev/zero: status answers; a refresh exits 1 at once naming the variable",
    { timeout: 60_000 },
    async () => {
      // The bundle is read on first network use only: status needs none (issue 13).
      const status = await cli(homeWith(goodText), ["status"], {
        env: { CODEX_CA_CERTIFICATE: "/dev/zero" },
        timeoutMs: 30_000
      }).done
      assert.strictEqual(status.signal, null, "did not hang")
      assert.strictEqual(status.code, 0, status.stderr)
      const expiredText = JSON.stringify(document({}, { access_token: jwt({ exp: 1_000_000_000 }) }), null, 2)
      const home = homeWith(expiredText)
      const result = await cli(home, ["token"], { env: { CODEX_CA_CERTIFICATE: "/dev/zero" }, timeoutMs: 30_000 }).done
      assert.strictEqual(result.signal, null, "did not hang")
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "CODEX_CA_CERTIFICATE")
      assert.include(result.stderr, "not a regular file")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), expiredText)
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------
// 4. the temporary's name near PATH_MAX
// ---------------------------------------------------------------------------------------------------------------

/** A directory whose absolute path is exactly `length` characters (components of at most 200). */
const directoryOfLength = (length: number): string => {
  let dir = tempDir()
  while (dir.length < length) {
    const room = length - dir.length - 1
    // Never leave a remainder too short for one more component.
    const take = room > 200 ? Math.min(200, room - 2) : room
    dir = Path.join(dir, "d".repeat(take))
    Fs.mkdirSync(dir)
  }
  assert.strictEqual(dir.length, length)
  return dir
}

const PATH_MAX = 4096 // Linux, with the terminating NUL: the longest usable path is 4095 characters

describe("the temporary's name is short: a CODEX_HOME near PATH_MAX still saves", () => {
  it.effect("the temporary is .auth.json.XXXXXX: it fits where the earlier 27-character name did not", () =>
    Effect.gen(function*() {
      const budget = `/${SecretFile.temporaryName("auth.json", "abcdef")}`.length
      assert.strictEqual(budget, 18)
      const home = directoryOfLength(PATH_MAX - 1 - budget)
      // Before: the earlier temporary (.auth.json.<12 hex>.tmp) cannot even be created here.
      const earlier = Path.join(home, ".auth.json.0123456789ab.tmp")
      assert.throws(() => Fs.writeFileSync(earlier, "x"), /ENAMETOOLONG/)
      yield* NodeSecretFile.make.writeAtomic(Path.join(home, "auth.json"), "saved", { mode: 0o600 })
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), "saved")
      assert.deepStrictEqual(Fs.readdirSync(home), ["auth.json"])
    }))

  it.effect("where only auth.json itself fits, the save fails with ENAMETOOLONG and a shorter-path hint", () =>
    Effect.gen(function*() {
      const home = directoryOfLength(PATH_MAX - 1 - "/auth.json".length)
      Fs.writeFileSync(Path.join(home, "auth.json"), "old", { mode: 0o600 })
      const error = yield* Effect.flip(
        NodeSecretFile.make.writeAtomic(Path.join(home, "auth.json"), "new", { mode: 0o600 })
      )
      assert.strictEqual(error.reason, "ENAMETOOLONG")
      assert.include(error.message, "shorter directory")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), "old", "left as it was")
    }))

  it.skipIf(codex === undefined)(
    "the real Codex CLI saves in the same long CODEX_HOME (its temporary is shorter still)",
    {
      timeout: 60_000
    },
    async () => {
      const home = directoryOfLength(PATH_MAX - 1 - 18)
      const theirs = await codexRun(home, ["login", "--with-api-key"], `${apiKey}\n`)
      assert.strictEqual(theirs.code, 0, theirs.stderr)
      const ours = await cli(home, ["login", "--with-api-key"], { input: `${apiKey}\n` }).done
      assert.strictEqual(ours.code, 0, ours.stderr)
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------
// 5. parse strictness as Codex
// ---------------------------------------------------------------------------------------------------------------

const deepUnknown = (open: string, inner: string, close: string, depth = 100_000) =>
  goodText.replace(/\n\}$/, `,\n  "deep": ${open.repeat(depth)}${inner}${close.repeat(depth)}\n}`)

const invalidUtf8 = (() => {
  const bytes = Buffer.from(JSON.stringify(document({ note: "XX" })))
  const at = bytes.indexOf("XX")
  bytes[at] = 0xff
  bytes[at + 1] = 0xfe
  return bytes
})()

// What Codex 0.169's `codex login status` does with each (checked against the binary below when it is available).
const parseCases: ReadonlyArray<{ name: string; content: string | Uint8Array; accepted: boolean; reason?: string }> = [
  { name: "a good file", content: goodText, accepted: true },
  { name: "a UTF-8 BOM", content: `\ufeff${goodText}`, accepted: false, reason: "byte order mark" },
  { name: "invalid UTF-8", content: invalidUtf8, accepted: false, reason: "not valid UTF-8" },
  {
    name: "auth_mode banana",
    content: JSON.stringify(document({ auth_mode: "banana" })),
    accepted: false,
    reason: `"auth_mode" is "banana"`
  },
  { name: "100,000 nested arrays", content: deepUnknown("[", "", "]"), accepted: true },
  { name: "100,000 nested objects", content: deepUnknown(`{"a":`, "1", "}"), accepted: true },
  {
    name: "exp 1e300",
    content: JSON.stringify(document({}, { access_token: jwt({ exp: 1e300 }) })),
    accepted: true
  }
]

describe("auth.json parsed as strictly as Codex", () => {
  it("status accepts and refuses exactly what `codex login status` does, refusals naming the file", {
    timeout: 180_000
  }, async () => {
    for (const fixture of parseCases) {
      const home = homeWith(fixture.content)
      const ours = await cli(home, ["status"], { timeoutMs: 30_000 }).done
      assert.strictEqual(ours.code, fixture.accepted ? 0 : 1, `${fixture.name}: ${ours.stderr}`)
      if (!fixture.accepted) {
        assert.include(ours.stderr, Path.join(home, "auth.json"), fixture.name)
        assert.include(ours.stderr, fixture.reason!, fixture.name)
        assert.include(ours.stderr, "codex-auth login", fixture.name)
      }
      assert.notInclude(ours.stdout + ours.stderr, refreshToken, "never a token")
      if (codex !== undefined) {
        const theirs = await codexRun(home, ["login", "status"])
        assert.strictEqual(codexAccepts(theirs), fixture.accepted, `${fixture.name}: Codex says ${theirs.stdout}`)
      }
    }
  })

  it(
    "exp 1e300: status shows the far future (no crash), and token treats it as fresh",
    { timeout: 60_000 },
    async () => {
      const home = homeWith(JSON.stringify(document({}, { access_token: jwt({ exp: 1e300 }) })))
      for (const env of [{}, { CODEX_AUTH_NO_FAST_PATH: "1" }]) {
        const status = await cli(home, ["status"], { env }).done
        assert.strictEqual(status.code, 0, status.stderr)
        assert.include(status.stderr, "+275760-09-13T00:00:00.000Z")
        const json = await cli(home, ["status", "--json"], { env }).done
        assert.strictEqual(JSON.parse(json.stdout).accessTokenExpiresAt, "+275760-09-13T00:00:00.000Z")
        const token = await cli(home, ["token"], { env }).done
        assert.strictEqual(token.code, 0, token.stderr)
        assert.strictEqual(token.stdout.trim(), jwt({ exp: 1e300 }))
      }
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------
// 6. insecure modes
// ---------------------------------------------------------------------------------------------------------------

describe("an exposed auth.json or CODEX_HOME: one warning line, the command still works (Codex says nothing)", () => {
  const cases = [
    { name: "auth.json 0644", file: 0o644, home: 0o700, expect: "(mode 0644)" },
    { name: "auth.json 0666", file: 0o666, home: 0o700, expect: "(mode 0666)" },
    { name: "CODEX_HOME 0777", file: 0o600, home: 0o777, expect: "(mode 0777)" },
    { name: "0600 in 0700", file: 0o600, home: 0o700, expect: undefined }
  ] as const
  it(
    "status and token (fast path and full CLI) print exactly one warning line on stderr",
    { timeout: 120_000 },
    async () => {
      for (const fixture of cases) {
        const home = homeWith(goodText)
        Fs.chmodSync(Path.join(home, "auth.json"), fixture.file)
        Fs.chmodSync(home, fixture.home)
        for (const env of [{}, { CODEX_AUTH_NO_FAST_PATH: "1" }]) {
          const token = await cli(home, ["token"], { env }).done
          assert.strictEqual(token.code, 0, token.stderr)
          assert.strictEqual(token.stdout.trim(), accessToken)
          const status = await cli(home, ["status"], { env }).done
          assert.strictEqual(status.code, 0, status.stderr)
          assert.include(status.stderr, "Logged in")
          for (const run of [token, status]) {
            const warnings = run.stderr.split("\n").filter((line) => line.startsWith("Warning:"))
            if (fixture.expect === undefined) {
              assert.deepStrictEqual(warnings, [], fixture.name)
            } else {
              assert.strictEqual(warnings.length, 1, `${fixture.name}: ${run.stderr}`)
              assert.include(warnings[0], fixture.expect)
              assert.include(warnings[0], "chmod")
            }
          }
          if (fixture.expect !== undefined) {
            assert.strictEqual(token.stderr.split("\n").filter(Boolean).length, 1, "token: nothing but the warning")
          }
        }
        if (codex !== undefined) {
          const theirs = await codexRun(home, ["login", "status"])
          assert.isTrue(codexAccepts(theirs), `${fixture.name}: Codex accepts it too`)
        }
      }
    }
  )
})

// ---------------------------------------------------------------------------------------------------------------
// 7. messages by errno
// ---------------------------------------------------------------------------------------------------------------

const loginWithKey = (home: string) =>
  cli(home, ["login", "--with-api-key"], { input: `${apiKey}\n`, timeoutMs: 30_000 }).done

describe("each file system error has its own next step; the stored file survives", () => {
  it(
    "ENOSPC (a full 64 KiB tmpfs): 'the disk is full', never 'check the permissions'",
    { timeout: 60_000 },
    async (ctx) => {
      const home = tempDir()
      const refused = mount(["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs"], home)
      if (refused !== undefined) return ctx.skip(refused)
      Fs.writeFileSync(Path.join(home, "auth.json"), goodText, { mode: 0o600 })
      Fs.writeFileSync(Path.join(home, "auth.lock"), "", { mode: 0o600 })
      // Fill it: whatever still fits goes into a filler file, until the file system refuses.
      const filler = Fs.openSync(Path.join(home, "filler"), "w")
      try {
        for (;;) Fs.writeSync(filler, Buffer.alloc(1024))
      } catch (error) {
        assert.strictEqual((error as NodeJS.ErrnoException).code, "ENOSPC")
      } finally {
        Fs.closeSync(filler)
      }
      const result = await loginWithKey(home)
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "ENOSPC")
      assert.include(result.stderr, "The disk is full")
      assert.notInclude(result.stderr.toLowerCase(), "permissions")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), goodText, "left as it was")
      assert.deepStrictEqual(Fs.readdirSync(home).filter((name) => name.startsWith(".auth.json.")), [], "no temporary")
    }
  )

  it("EROFS (a read-only bind mount): the save and the lock both say read-only, never 'another process'", {
    timeout: 60_000
  }, async (ctx) => {
    for (const lockExists of [true, false]) {
      const source = homeWith(goodText)
      if (lockExists) Fs.writeFileSync(Path.join(source, "auth.lock"), "", { mode: 0o600 })
      const home = tempDir()
      const refused = mount(["--bind", "-o", "ro", source], home)
      if (refused !== undefined) return ctx.skip(refused)
      const result = await loginWithKey(home)
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "EROFS")
      assert.include(result.stderr, "read-only")
      assert.notInclude(result.stderr, "another process")
      assert.notInclude(result.stderr, "Another")
      assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), goodText)
    }
  })

  it("EBUSY (auth.json is a bind mount point, as in a container): 'busy', never 'check the permissions'", {
    timeout: 60_000
  }, async (ctx) => {
    const home = homeWith(goodText)
    const outside = Path.join(tempDir(), "mounted-auth.json")
    Fs.writeFileSync(outside, goodText, { mode: 0o600 })
    const refused = mount(["--bind", outside], Path.join(home, "auth.json"))
    if (refused !== undefined) return ctx.skip(refused)
    const result = await loginWithKey(home)
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, "EBUSY")
    assert.include(result.stderr, "busy")
    assert.notInclude(result.stderr.toLowerCase(), "permissions")
    assert.strictEqual(Fs.readFileSync(outside, "utf8"), goodText)
    assert.deepStrictEqual(Fs.readdirSync(home).filter((name) => name.startsWith(".auth.json.")), [], "no temporary")
  })

  it("EISDIR: a directory at auth.json or at auth.lock; the lock's message never blames another process", {
    timeout: 60_000
  }, async () => {
    for (const name of ["auth.json", "auth.lock"]) {
      const home = tempDir()
      Fs.mkdirSync(Path.join(home, name))
      const result = await loginWithKey(home)
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "EISDIR", name)
      assert.include(result.stderr, "A directory is in the way", name)
      assert.notInclude(result.stderr.toLowerCase(), "another", name)
      assert.isTrue(Fs.statSync(Path.join(home, name)).isDirectory())
    }
  })

  it("EACCES (another user's auth.lock, run as nobody): a permissions message, never 'another process'", {
    timeout: 60_000
  }, async (ctx) => {
    const home = homeWith(goodText)
    Fs.writeFileSync(Path.join(home, "auth.lock"), "", { mode: 0o600 })
    Fs.chmodSync(home, 0o777) // nobody may enter; the root-owned 0600 auth.lock is not theirs to open
    if (ChildProcess.spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]).status !== 0) {
      return ctx.skip("setpriv cannot switch to nobody here")
    }
    // A clone in a private directory (mktemp -d is 0700) is closed to nobody: the CLI itself could not be loaded.
    const readable = ChildProcess.spawnSync("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      "-e",
      `require("node:fs").accessSync(${JSON.stringify(cliBin)}, require("node:fs").constants.R_OK)`
    ])
    if (readable.status !== 0) return ctx.skip(`nobody cannot read ${cliBin} (a private directory on its path)`)
    const result = await spawnRun("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      cliBin,
      "login",
      "--with-api-key"
    ], { env: { HOME: tempDir(0o777), CODEX_HOME: home, CODEX_AUTH_ISSUER: "" }, input: `${apiKey}\n` }).done
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, "EACCES")
    assert.include(result.stderr, "permissions")
    assert.notInclude(result.stderr.toLowerCase(), "another")
    assert.strictEqual(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), goodText)
  })
})
