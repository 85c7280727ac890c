// The code cache of the cold refresh's engine (internal/cli/codeCache.ts), on real files: a CommonJS module runs the
// same with and without a cache; a cache is written only where this user alone can write, read only from there, and
// one that V8 refuses, that was made from another source, or that someone else could have written is not used.
// Each load runs in a process of its own (tsc's build of the module), as the CLI's do: within one process V8 keeps
// what it compiled and would never look at the cache again.
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import * as RefreshBundle from "../src/internal/cli/refreshBundle.ts"

const built = Path.resolve("packages/node/dist/internal/cli/codeCache.js")

let tmp: string
beforeAll(() => {
  tmp = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-code-cache-")))
})
afterAll(() => Fs.rmSync(tmp, { recursive: true, force: true }))

let counter = 0
/** A CommonJS module of its own (using `require`, `module`, `__filename`, `__dirname`) and a cache directory. */
const fixture = (body = "") => {
  const directory = Path.join(tmp, `case-${++counter}`)
  Fs.mkdirSync(directory)
  const file = Path.join(directory, "engine.cjs")
  Fs.writeFileSync(
    file,
    `"use strict";const path=require("node:path");${body}\n` +
      "module.exports.describe=(n)=>`${path.basename(__filename)} in ${path.basename(__dirname)}: ${n*2}`"
  )
  return { file, cache: Path.join(directory, "cache"), expected: `engine.cjs in case-${counter}: 42` }
}

interface Loaded {
  readonly outcome: string
  readonly answer?: string
  readonly error?: string
  /** Runs `save` too, as the CLI does when the process exits. */
  readonly save: () => void
}

/** Loads `file` with the cache in `directory` in a new process: the outcome and the module's answer (or error). */
const load = (file: string, directory: string | undefined): Loaded => {
  assert.isTrue(Fs.existsSync(built), "build first: npm run build")
  const child = (save: boolean) => {
    const script = `import * as C from ${JSON.stringify(pathToFileURL(built).href)}
let out
try {
  const loaded = C.load(${JSON.stringify(file)}, ${JSON.stringify(directory ?? null)} ?? undefined)
  out = { outcome: loaded.outcome, answer: loaded.exports.describe(21) }
  if (${save}) loaded.save()
} catch (error) { out = { outcome: "threw", error: String(error) } }
console.log(JSON.stringify(out))`
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })
    assert.strictEqual(result.status, 0, result.stderr)
    return JSON.parse(result.stdout) as { outcome: string; answer?: string; error?: string }
  }
  return { ...child(false), save: () => void child(true) }
}
const run = (loaded: Loaded): string | undefined => loaded.answer
const cacheFiles = (directory: string): Array<string> =>
  Fs.existsSync(directory) ? Fs.readdirSync(directory).filter((name) => name.endsWith(".cache")) : []

describe("CodeCache", () => {
  it("off: the module runs and nothing is written", () => {
    const { expected, file } = fixture()
    const loaded = load(file, undefined)
    assert.strictEqual(loaded.outcome, "off")
    assert.strictEqual(run(loaded), expected)
    loaded.save()
    assert.deepStrictEqual(Fs.readdirSync(Path.dirname(file)), ["engine.cjs"])
  })

  it("a miss writes the cache (0700 directory, 0600 file) and the next load uses it", () => {
    const { cache, expected, file } = fixture()
    const first = load(file, cache)
    assert.strictEqual(first.outcome, "miss")
    assert.strictEqual(run(first), expected)
    first.save()
    const [name] = cacheFiles(cache)
    assert.match(name!, new RegExp(`^engine\\.cjs-${process.version}-${process.arch}-[0-9a-f]{32}\\.cache$`))
    assert.strictEqual(Fs.statSync(cache).mode & 0o777, 0o700)
    assert.strictEqual(Fs.statSync(Path.join(cache, name!)).mode & 0o777, 0o600)
    assert.isAbove(Fs.statSync(Path.join(cache, name!)).size, 0)
    const second = load(file, cache)
    assert.strictEqual(second.outcome, "hit")
    assert.strictEqual(run(second), expected)
    const bytes = Fs.readFileSync(Path.join(cache, name!))
    second.save()
    assert.deepStrictEqual(Fs.readFileSync(Path.join(cache, name!)), bytes, "a hit leaves the cache as it was")
    assert.deepStrictEqual(Fs.readdirSync(cache), [name], "no temporary file is left behind")
  })

  it("a cache V8 refuses is not used; the module still runs and the cache is rewritten", () => {
    const { cache, expected, file } = fixture()
    const first = load(file, cache)
    first.save()
    const path = Path.join(cache, cacheFiles(cache)[0]!)
    const garbage = Buffer.alloc(Fs.statSync(path).size, 7)
    Fs.writeFileSync(path, garbage)
    const refused = load(file, cache)
    assert.strictEqual(refused.outcome, "rejected")
    assert.strictEqual(run(refused), expected)
    refused.save()
    assert.notDeepEqual(Fs.readFileSync(path), garbage, "the refused cache was replaced")
    assert.strictEqual(load(file, cache).outcome, "hit")
  })

  it("another source (a new build) is a miss, and its cache replaces the old build's", () => {
    const { cache, file } = fixture()
    load(file, cache).save()
    const [old] = cacheFiles(cache)
    // The same length, so that V8's own check (the source's length) could not tell the two apart.
    const text = Fs.readFileSync(file, "utf8")
    Fs.writeFileSync(file, text.replace("n*2", "n+n"))
    const rebuilt = load(file, cache)
    assert.strictEqual(rebuilt.outcome, "miss")
    assert.strictEqual(run(rebuilt), `engine.cjs in ${Path.basename(Path.dirname(file))}: 42`)
    rebuilt.save()
    const now = cacheFiles(cache)
    assert.lengthOf(now, 1)
    assert.notStrictEqual(now[0], old)
  })

  it("a cache others can write, in a directory others can write, or behind a symbolic link is not read", () => {
    for (const spoil of ["file", "directory", "link"] as const) {
      const { cache, expected, file } = fixture()
      load(file, cache).save()
      const path = Path.join(cache, cacheFiles(cache)[0]!)
      if (spoil === "file") Fs.chmodSync(path, 0o666)
      if (spoil === "directory") Fs.chmodSync(cache, 0o777)
      if (spoil === "link") {
        Fs.renameSync(path, `${path}.real`)
        Fs.symlinkSync(`${path}.real`, path)
      }
      const loaded = load(file, cache)
      assert.strictEqual(loaded.outcome, "untrusted", spoil)
      assert.strictEqual(run(loaded), expected, spoil)
      loaded.save()
      if (spoil === "directory") assert.strictEqual(Fs.statSync(cache).mode & 0o777, 0o777)
      if (spoil === "link") assert.isTrue(Fs.lstatSync(path).isSymbolicLink(), "nothing is written through it")
    }
  })

  it("a cache directory that cannot be made only means no cache", () => {
    const { cache, expected, file } = fixture()
    Fs.writeFileSync(cache, "a file, not a directory")
    const loaded = load(file, Path.join(cache, "below"))
    assert.strictEqual(loaded.outcome, "miss")
    assert.strictEqual(run(loaded), expected)
    assert.doesNotThrow(() => loaded.save())
    assert.strictEqual(Fs.readFileSync(cache, "utf8"), "a file, not a directory")
  })

  it("an error the module throws is the caller's, as with require", () => {
    const { cache, file } = fixture(`throw new Error("engine failed to load")`)
    const loaded = load(file, cache)
    assert.strictEqual(loaded.outcome, "threw")
    assert.match(loaded.error!, /engine failed to load/)
  })

  it("CODEX_AUTH_CODE_CACHE: off, a directory, or the platform's default", () => {
    assert.isUndefined(RefreshBundle.directory("off", () => "/default"))
    assert.strictEqual(RefreshBundle.directory("/somewhere/else", () => "/default"), "/somewhere/else")
    assert.strictEqual(RefreshBundle.directory("relative", () => "/default"), Path.resolve("relative"))
    assert.strictEqual(RefreshBundle.directory(undefined, () => "/default"), "/default")
    assert.isUndefined(
      RefreshBundle.directory(undefined, () => {
        throw new Error("no home directory")
      })
    )
  })
})
