// The temporary-file sweep: a writer killed mid-write leaves `.auth.json.<12 hex>.tmp` (0600, holding secrets) in
// CODEX_HOME. A save under auth.lock removes those — our own naming pattern only, never the Codex CLI's
// `.auth-XXXXXX` or anything else — on Node, Deno and the memory implementation; a save outside the lock leaves them
// (a writer of ours may be mid-write).
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const leftovers = [".auth.json.0123456789ab.tmp", ".auth.json.fedcba987654.tmp"]
const unrelated = [
  ".auth-Ab12Cd", // the Codex CLI's temporary
  ".auth.json.tmp",
  ".auth.json.0123456789AB.tmp", // not our alphabet
  ".auth.json.0123456789ab.tmp.keep",
  ".auth.json.0123456789abc.tmp",
  "x.auth.json.0123456789ab.tmp",
  ".config.toml.0123456789ab.tmp", // another file's temporary
  "auth.lock",
  "notes.txt"
]
const document = AuthJson.fromApiKey(Redacted.make("sk-proj-sweep-test-key"))

let tmp: string
beforeAll(() => {
  tmp = Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-sweep-")))
})
afterAll(() => Fs.rmSync(tmp, { recursive: true, force: true }))

/** A CODEX_HOME with an auth.json, two leftovers of killed writers, files that are not ours, and a directory. */
const plantedHome = (name: string): string => {
  const home = Path.join(tmp, name)
  Fs.mkdirSync(home, { mode: 0o700 })
  Fs.writeFileSync(Path.join(home, "auth.json"), "{\"OPENAI_API_KEY\":\"sk-old\"}", { mode: 0o600 })
  for (const file of [...leftovers, ...unrelated]) {
    Fs.writeFileSync(Path.join(home, file), "{\"OPENAI_API_KEY\":\"sk-secret-half-writ", { mode: 0o600 })
  }
  Fs.mkdirSync(Path.join(home, ".auth.json.aaaaaaaaaaaa.tmp")) // a directory named like ours: not a file we wrote
  return home
}

const nodeStore = (home: string): Layer.Layer<CredentialStore> =>
  FileCredentialStore.layer.pipe(Layer.provide(CodexHome.layer(home)), Layer.provide(NodeSecretFile.layer))

describe("SecretFile.isTemporaryOf", () => {
  it("recognises exactly the names writeAtomic gives its temporaries", () => {
    assert.isTrue(SecretFile.isTemporaryOf("auth.json", SecretFile.temporaryName("auth.json", "01a9ef")))
    // At most 8 characters longer than the file's own name, so a long CODEX_HOME fits it wherever auth.json nearly fits.
    assert.strictEqual(SecretFile.temporaryName("auth.json", "01a9ef"), ".auth.json.01a9ef")
    for (const name of [".auth.json.01a9e", ".auth.json.01A9EF", ".auth.json.01a9efa", ".auth.json.01a9ef.tmp"]) {
      assert.isFalse(SecretFile.isTemporaryOf("auth.json", name), name)
    }
    for (const name of leftovers) assert.isTrue(SecretFile.isTemporaryOf("auth.json", name), name)
    for (const name of unrelated) assert.isFalse(SecretFile.isTemporaryOf("auth.json", name), name)
  })
})

describe("temporary-file sweep (file store)", () => {
  it.effect("Node: a save under auth.lock removes the leftovers and nothing else", () =>
    Effect.gen(function*() {
      const home = plantedHome("node")
      const store = yield* CredentialStore
      yield* store.withLock(store.save(document))
      const names = Fs.readdirSync(home)
      for (const name of leftovers) assert.notInclude(names, name)
      for (const name of [...unrelated, ".auth.json.aaaaaaaaaaaa.tmp"]) assert.include(names, name)
      const saved = yield* store.load
      assert.isTrue(Option.isSome(saved))
      assert.include(Fs.readFileSync(Path.join(home, "auth.json"), "utf8"), "sk-proj-sweep-test-key")
      // Nothing of ours is left behind by the save itself either.
      assert.deepStrictEqual(
        names.filter((name) => SecretFile.isTemporaryOf("auth.json", name)),
        [".auth.json.aaaaaaaaaaaa.tmp"],
        "only the directory named like a temporary"
      )
    }).pipe(Effect.provide(nodeStore(Path.join(tmp, "node")))))

  it.effect("Node: a save outside the lock leaves temporaries alone (a writer of ours may be mid-write)", () =>
    Effect.gen(function*() {
      const home = plantedHome("unlocked")
      const store = yield* CredentialStore
      yield* store.save(document)
      const names = Fs.readdirSync(home)
      for (const name of [...leftovers, ...unrelated]) assert.include(names, name)
    }).pipe(Effect.provide(nodeStore(Path.join(tmp, "unlocked")))))

  it.effect("NodeSecretFile.removeTemporaries counts what it removed; an empty directory is 0", () =>
    Effect.gen(function*() {
      const home = plantedHome("direct")
      assert.strictEqual(yield* NodeSecretFile.make.removeTemporaries(Path.join(home, "auth.json")), 2)
      assert.strictEqual(yield* NodeSecretFile.make.removeTemporaries(Path.join(home, "auth.json")), 0)
      const missing = yield* Effect.flip(NodeSecretFile.make.removeTemporaries(Path.join(home, "nope", "auth.json")))
      assert.strictEqual(missing._tag, "SecretFileError")
      assert.strictEqual(missing.reason, "ENOENT")
    }))

  it.effect("memory: a save under the lock removes the leftovers and nothing else", () =>
    Effect.gen(function*() {
      const files = yield* SecretFile.makeMemory({ directories: ["/home"] })
      for (const name of [...leftovers, ...unrelated]) {
        yield* files.writeAtomic(`/home/${name}`, "half", { mode: 0o600 })
      }
      yield* files.ensureDirectory("/home/sub", { mode: 0o700 })
      yield* files.writeAtomic("/home/sub/.auth.json.0123456789ab.tmp", "half", { mode: 0o600 })
      const store = yield* FileCredentialStore.make.pipe(
        Effect.provideService(SecretFile.SecretFile, files),
        Effect.provideService(CodexHome.CodexHome, CodexHome.fromDirectory("/home", files.join))
      )
      yield* store.save(document)
      assert.isTrue((yield* files.snapshot).has("/home/.auth.json.0123456789ab.tmp"), "outside the lock: kept")
      yield* store.withLock(store.save(document))
      const paths = [...(yield* files.snapshot).keys()]
      for (const name of leftovers) assert.notInclude(paths, `/home/${name}`)
      for (const name of unrelated) assert.include(paths, `/home/${name}`)
      assert.include(paths, "/home/sub/.auth.json.0123456789ab.tmp", "another directory is not swept")
      assert.include(paths, "/home/auth.json")
    }))

  it("Deno: DenoSecretFile.removeTemporaries removes the leftovers and nothing else", () => {
    const home = plantedHome("deno")
    const deno = Path.resolve("node_modules/.bin/deno")
    const probe = Path.resolve("test/crash/denoSweepProbe.mjs")
    const result = spawnSync(
      deno,
      ["run", "--allow-all", "--no-prompt", "--conditions=source", probe, Path.join(home, "auth.json")],
      { encoding: "utf8", timeout: 60_000 }
    )
    assert.strictEqual(result.status, 0, result.stderr)
    assert.deepStrictEqual(JSON.parse(result.stdout.trim()), { removed: 2 })
    const names = Fs.readdirSync(home)
    for (const name of leftovers) assert.notInclude(names, name)
    for (const name of [...unrelated, ".auth.json.aaaaaaaaaaaa.tmp", "auth.json"]) assert.include(names, name)
  }, 60_000)
})
