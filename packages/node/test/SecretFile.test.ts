import * as CodexHome from "@codex-auth/core/CodexHome"
import { SecretFile } from "@codex-auth/core/SecretFile"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-secretfile-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const mode = (path: string) => Fs.statSync(path).mode & 0o777

describe("NodeSecretFile", () => {
  it.scoped("writes atomically with mode 0600, the exact text, and leaves no temporary file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = NodeSecretFile.make
      const path = Path.join(dir, "auth.json")
      yield* files.writeAtomic(path, "{\n  \"a\": 1\n}", { mode: 0o600 })
      assert.strictEqual(Fs.readFileSync(path, "utf8"), "{\n  \"a\": 1\n}")
      assert.strictEqual(mode(path), 0o600)
      assert.deepStrictEqual(Fs.readdirSync(dir), ["auth.json"])
      assert.deepStrictEqual(yield* files.read(path), Option.some("{\n  \"a\": 1\n}"))
    }))

  it.scoped("replaces a 0644 file by a new inode with mode 0600 (rename, not rewrite in place)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "auth.json")
      Fs.writeFileSync(path, "old", { mode: 0o644 })
      Fs.chmodSync(path, 0o644)
      const before = Fs.statSync(path).ino
      yield* NodeSecretFile.make.writeAtomic(path, "new", { mode: 0o600 })
      assert.strictEqual(Fs.readFileSync(path, "utf8"), "new")
      assert.strictEqual(mode(path), 0o600)
      assert.notStrictEqual(Fs.statSync(path).ino, before)
    }))

  it.scoped("read/remove of a missing file are none/false; remove reports a removed file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = NodeSecretFile.make
      const path = Path.join(dir, "nothing.json")
      assert.isTrue(Option.isNone(yield* files.read(path)))
      assert.isFalse(yield* files.remove(path))
      Fs.writeFileSync(path, "x")
      assert.isTrue(yield* files.remove(path))
      assert.isFalse(Fs.existsSync(path))
    }))

  it.scoped("a path through a regular file: stat is none (nothing there), read and remove fail naming ENOTDIR", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = NodeSecretFile.make
      Fs.writeFileSync(Path.join(dir, "file"), "x")
      const path = Path.join(dir, "file", "auth.json")
      assert.isTrue(Option.isNone(yield* files.stat(path)))
      const read = yield* Effect.flip(files.read(path))
      assert.deepStrictEqual([read._tag, read.operation, read.path, read.reason], [
        "SecretFileError",
        "read",
        path,
        "ENOTDIR"
      ])
      const removed = yield* Effect.flip(files.remove(path))
      assert.deepStrictEqual([removed.operation, removed.reason], ["remove", "ENOTDIR"])
    }))

  it.scoped("a write into a missing directory fails with a typed error that names the path, not the text", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = Path.join(dir, "missing", "auth.json")
      const error = yield* Effect.flip(NodeSecretFile.make.writeAtomic(path, "secret-text-123", { mode: 0o600 }))
      assert.strictEqual(error._tag, "SecretFileError")
      assert.strictEqual(error.operation, "write")
      assert.include(error.message, path)
      assert.notInclude(error.message, "secret-text-123")
    }))

  it.scoped("ensureDirectory creates parents with the mode; stat tells files from directories and reports the mode", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = NodeSecretFile.make
      const nested = Path.join(dir, "a", ".codex")
      yield* files.ensureDirectory(nested, { mode: 0o700 })
      assert.strictEqual(mode(nested), 0o700)
      assert.deepStrictEqual(yield* files.stat(nested), Option.some({ type: "directory", mode: 0o700 }))
      const file = Path.join(nested, "auth.json")
      yield* files.writeAtomic(file, "x", { mode: 0o640 })
      assert.deepStrictEqual(yield* files.stat(file), Option.some({ type: "file", mode: 0o640 }))
      assert.isTrue(Option.isNone(yield* files.stat(Path.join(dir, "none"))))
    }))

  it.scoped("the temporary file is created O_EXCL 0600 in the same directory, fsynced, then renamed (strace)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const target = Path.join(dir, "auth.json")
      const script = Path.join(dir, "write.mjs")
      const module = Path.resolve("packages/node/dist/NodeSecretFile.js")
      const effectModule = Path.resolve("node_modules/effect/dist/esm/Effect.js")
      assert.isTrue(Fs.existsSync(module), "build first: npx tsc -b")
      Fs.writeFileSync(
        script,
        `import { make } from ${JSON.stringify(module)}\nimport * as Effect from ${JSON.stringify(effectModule)}\n` +
          `await Effect.runPromise(make.writeAtomic(${JSON.stringify(target)}, "hello", { mode: 0o600 }))\n`
      )
      const run = spawnSync("strace", ["-f", "-e", "trace=openat,fsync,rename,renameat,renameat2", "node", script], {
        encoding: "utf8"
      })
      assert.strictEqual(run.status, 0, run.stderr)
      const lines = run.stderr.split("\n")
      const open = lines.findIndex((line) => line.includes(`${dir}/.auth.json.`) && line.includes("O_EXCL"))
      assert.isAtLeast(open, 0, "temporary file opened with O_EXCL")
      assert.match(lines[open]!, /O_CREAT/)
      assert.match(lines[open]!, /0600/)
      const fd = /= (\d+)$/.exec(lines[open]!.trim())?.[1]
      const fsync = lines.findIndex((line, i) => i > open && line.includes(`fsync(${fd})`))
      const rename = lines.findIndex((line) => /rename/.test(line) && line.includes(`"${target}"`))
      assert.isAbove(fsync, open, "fsync of the temporary file")
      assert.isAbove(rename, fsync, "rename after fsync")
      assert.strictEqual(Fs.readFileSync(target, "utf8"), "hello")
    }))
})

describe("CodexHome on Node (§8)", () => {
  const resolve = (env: Record<string, string>, home: string) =>
    CodexHome.layerConfig({ homeDirectory: home }).pipe(
      (layer) => Effect.provide(CodexHome.CodexHome, layer),
      Effect.provideService(SecretFile, NodeSecretFile.make),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )

  it.scoped("CODEX_HOME that does not exist is an error naming it; nothing is created", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const missing = Path.join(dir, "nope")
      const error = yield* Effect.flip(resolve({ CODEX_HOME: missing }, dir))
      assert.strictEqual(error._tag, "CodexHomeNotFound")
      assert.include(error.message, missing)
      assert.isFalse(Fs.existsSync(missing))
    }))

  it.scoped("CODEX_HOME is canonicalised (symlinks resolved)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      Fs.mkdirSync(Path.join(dir, "real"))
      Fs.symlinkSync(Path.join(dir, "real"), Path.join(dir, "link"))
      const home = yield* resolve({ CODEX_HOME: Path.join(dir, "link") }, dir)
      assert.strictEqual(home.path, Fs.realpathSync(Path.join(dir, "real")))
      assert.strictEqual(home.authFile, Path.join(home.path, "auth.json"))
      assert.strictEqual(home.lockFile, Path.join(home.path, "auth.lock"))
    }))

  it.scoped("empty CODEX_HOME means unset: ~/.codex is created with mode 0700", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const home = yield* resolve({ CODEX_HOME: "" }, dir)
      assert.strictEqual(home.path, Path.join(dir, ".codex"))
      assert.strictEqual(mode(home.path), 0o700)
    }))
})
