// Conformance: the file credential store over the runtime's SecretFile — auth.json byte for byte, mode 0600, atomic
// replacement, unknown fields kept, CODEX_HOME resolution, and the auth.lock exclusion.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { SecretFile } from "@codex-auth/core/SecretFile"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fixtures from "../../packages/core/test/fixtures/authFiles.ts"
import * as assert from "./assert.ts"
import type { Harness } from "./harness.ts"

export const credentialStoreSuite = (h: Harness): void => {
  const files = Effect.provide(SecretFile, h.layer)

  /** The file store in a fresh CODEX_HOME, with the runtime's SecretFile. */
  const storeIn = (home: string) =>
    Effect.provide(
      CredentialStore,
      FileCredentialStore.layer.pipe(Layer.provide(CodexHome.layer(home)), Layer.provideMerge(h.layer))
    )

  const withExtras = fixtures.current
    .replace(`"auth_mode": "chatgpt",`, `"auth_mode": "chatgpt",\n  "future_top_level": {\n    "kept": [1, 2]\n  },`)
    .replace(`"tokens": {`, `"tokens": {\n    "future_token_field": "kept too",`)

  h.test("credential store: Codex's auth.json loads and saves back byte for byte", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      const path = fs.join(dir, "auth.json")
      yield* fs.writeAtomic(path, fixtures.current, { mode: 0o600 })
      const store = yield* storeIn(dir)
      assert.equal(store.location, path, "location")
      const document = Option.getOrThrow(yield* store.load)
      yield* store.save(document)
      assert.equal(Option.getOrThrow(yield* fs.read(path)), fixtures.current, "text after a save")
    }))

  h.test("credential store: save replaces a 0644 file with a 0600 one; no temporary file is left", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      const path = fs.join(dir, "auth.json")
      yield* fs.writeAtomic(path, "{\"auth_mode\":\"apikey\",\"OPENAI_API_KEY\":\"sk-old\"}", { mode: 0o644 })
      assert.equal(Option.getOrThrow(yield* fs.stat(path)).mode, 0o644, "mode before")
      const store = yield* storeIn(dir)
      const document = yield* AuthJson.parse(fixtures.current, { path })
      yield* store.save(document)
      const info = Option.getOrThrow(yield* fs.stat(path))
      assert.equal(info.type, "file")
      assert.equal(info.mode, 0o600, "mode after")
      assert.deepEqual(yield* h.listDir(dir), ["auth.json"])
      assert.equal(Option.getOrThrow(yield* fs.read(path)), fixtures.current)
    }))

  h.test("credential store: fields this project does not know are kept on rewrite", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      const path = fs.join(dir, "auth.json")
      yield* fs.writeAtomic(path, withExtras, { mode: 0o600 })
      const store = yield* storeIn(dir)
      const document = Option.getOrThrow(yield* store.load)
      yield* store.save(document)
      const text = Option.getOrThrow(yield* fs.read(path))
      const parsed = JSON.parse(text)
      assert.deepEqual(parsed.future_top_level, { kept: [1, 2] })
      assert.equal(parsed.tokens.future_token_field, "kept too")
      // Codex's own fields keep Codex's order (the core writes unknown fields after them).
      assert.deepEqual(Object.keys(parsed).filter((key) => !key.startsWith("future_")), [
        "auth_mode",
        "OPENAI_API_KEY",
        "tokens",
        "last_refresh"
      ])
    }))

  h.test("credential store: remove answers true then false; nothing loads afterwards", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      yield* fs.writeAtomic(fs.join(dir, "auth.json"), fixtures.current, { mode: 0o600 })
      const store = yield* storeIn(dir)
      assert.isTrue(Option.isSome(yield* store.load))
      assert.isTrue(yield* store.remove)
      assert.isFalse(yield* store.remove)
      assert.isTrue(Option.isNone(yield* store.load))
      assert.isTrue(Option.isNone(yield* fs.stat(fs.join(dir, "auth.json"))))
    }))

  h.test("credential store: a malformed auth.json is a typed error that names the file and leaks no token", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      const path = fs.join(dir, "auth.json")
      const broken = fixtures.current.replace(`"id_token": "`, `"id_token": "not-a-jwt`)
      yield* fs.writeAtomic(path, broken, { mode: 0o600 })
      const store = yield* storeIn(dir)
      const error = yield* Effect.flip(store.load)
      assert.equal(error._tag, "AuthFileInvalid")
      assert.include(error.message, path)
      for (const secret of fixtures.secrets) assert.notInclude(error.message, secret)
    }))

  h.test("secret file: a write into a missing directory fails naming the path, never the text", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      const path = fs.join(dir, "missing", "auth.json")
      const error = yield* Effect.flip(fs.writeAtomic(path, "secret-text-123", { mode: 0o600 }))
      assert.equal(error._tag, "SecretFileError")
      assert.equal(error.operation, "write")
      assert.include(error.message, path)
      assert.notInclude(error.message, "secret-text-123")
      assert.isTrue(Option.isNone(yield* fs.read(path)), "a missing file reads as none")
    }))

  h.test("CODEX_HOME: a missing directory is refused by name; unset → ~/.codex created 0700 and canonical", () =>
    Effect.gen(function*() {
      const dir = yield* h.tempDir
      const fs = yield* files
      const resolve = (env: Record<string, string>) =>
        CodexHome.layerConfig({ homeDirectory: dir }).pipe(
          (layer) => Effect.provide(CodexHome.CodexHome, layer),
          Effect.provide(h.layer),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      const missing = fs.join(dir, "nope")
      const error = yield* Effect.flip(resolve({ CODEX_HOME: missing }))
      assert.equal(error._tag, "CodexHomeNotFound")
      assert.include(error.message, missing)
      assert.isTrue(Option.isNone(yield* fs.stat(missing)), "nothing created")
      const home = yield* resolve({ CODEX_HOME: "" })
      assert.equal(home.path, fs.join(dir, ".codex"))
      assert.deepEqual(yield* fs.stat(home.path), Option.some({ type: "directory" as const, mode: 0o700 }))
      const explicit = yield* resolve({ CODEX_HOME: `${home.path}/../.codex/.` })
      assert.equal(explicit.path, yield* fs.realPath(home.path))
      assert.equal(explicit.authFile, fs.join(explicit.path, "auth.json"))
      assert.equal(explicit.lockFile, fs.join(explicit.path, "auth.lock"))
    }))

  h.live(
    "credential store: withLock excludes a second holder of auth.lock in this process until it ends",
    () =>
      Effect.gen(function*() {
        const dir = yield* h.tempDir
        const fs = yield* files
        const store = yield* storeIn(dir)
        const lockFile = fs.join(dir, "auth.lock")
        const inside = yield* store.withLock(
          Effect.flip(Effect.scoped(fs.lock(lockFile, { timeoutMillis: 100 })))
        )
        assert.equal(inside._tag, "SecretFileError")
        assert.equal(inside.operation, "lock")
        assert.include(inside.message, lockFile)
        assert.deepEqual(Option.map(yield* fs.stat(lockFile), (info) => info.type), Option.some("file" as const))
        // Released with the scope: the next holder gets it at once.
        yield* Effect.scoped(fs.lock(lockFile, { timeoutMillis: 1_000 }))
        // A waiter gets the lock as soon as the holder lets go.
        const order: Array<string> = []
        yield* Effect.all([
          store.withLock(Effect.sleep("50 millis").pipe(Effect.zipRight(Effect.sync(() => order.push("first"))))),
          Effect.sleep("10 millis").pipe(
            Effect.zipRight(store.withLock(Effect.sync(() => order.push("second"))))
          )
        ], { concurrency: "unbounded" })
        assert.deepEqual(order, ["first", "second"])
      })
  )
}
