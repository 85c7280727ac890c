// The Deno file port under the same hostile files as Node's (packages/node/test/FileHardening.test.ts): a symlinked
// auth.json written through, a symlink / FIFO / directory at auth.lock refused without blocking, /dev/zero, a FIFO or
// a huge file as auth.json or CA bundle refused at once, invalid UTF-8 refused, and the short temporary name.
import { notRegularFileReason, notUtf8Reason, temporaryName, tooLargeReason } from "@codex-auth/core/SecretFile"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as assert from "../../../test/shared/assert.ts"
import * as DenoHttpClient from "../src/DenoHttpClient.ts"
import * as DenoSecretFile from "../src/DenoSecretFile.ts"
import { tempDir } from "./support/harness.ts"

const options = { sanitizeOps: false, sanitizeResources: false }
const test = (name: string, body: () => Effect.Effect<void, unknown, Scope.Scope>) =>
  Deno.test({ name, ...options, fn: () => Effect.runPromise(Effect.scoped(body())) })

const files = DenoSecretFile.make
const mkfifo = (path: string) =>
  Effect.promise(() => new Deno.Command("mkfifo", { args: [path] }).output().then((out) => assert.equal(out.code, 0)))
/** Fails the test instead of hanging it. */
const bounded = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.timeoutFail(effect, { duration: "20 seconds", onTimeout: () => new Error("hung") })

test("writeAtomic through a symlinked auth.json replaces the target in its directory; the link stays", () =>
  Effect.gen(function*() {
    const home = yield* tempDir
    const elsewhere = yield* tempDir
    yield* Effect.promise(() => Deno.writeTextFile(`${elsewhere}/real.json`, "old"))
    yield* Effect.promise(() => Deno.symlink(`../${elsewhere.split("/").pop()}/real.json`, `${home}/auth.json`))
    yield* files.writeAtomic(`${home}/auth.json`, "new", { mode: 0o600 })
    const link = yield* Effect.promise(() => Deno.lstat(`${home}/auth.json`))
    assert.isTrue(link.isSymlink, "still a link")
    assert.equal(yield* Effect.promise(() => Deno.readTextFile(`${elsewhere}/real.json`)), "new")
    assert.equal(((yield* Effect.promise(() => Deno.stat(`${elsewhere}/real.json`))).mode ?? 0) & 0o777, 0o600)
    const names = async (dir: string) => (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name)
    assert.deepEqual(yield* Effect.promise(() => names(home)), ["auth.json"])
    assert.deepEqual(yield* Effect.promise(() => names(elsewhere)), ["real.json"])
  }))

test("the temporary is .auth.json.XXXXXX (17 characters)", () =>
  Effect.sync(() => assert.equal(temporaryName("auth.json", "abcdef").length, 17)))

test("auth.lock: a symlink is refused (ELOOP, target never created); a FIFO or a directory at once", () =>
  Effect.gen(function*() {
    const home = yield* tempDir
    yield* Effect.promise(() => Deno.symlink(`${home}/victim`, `${home}/auth.lock`))
    const loop = yield* Effect.flip(Effect.scoped(files.lock(`${home}/auth.lock`)))
    assert.equal(loop.reason, "ELOOP")
    assert.include(loop.message, "symbolic link")
    assert.notInclude(loop.message, "Another process")
    assert.isFalse(yield* Effect.promise(() => Deno.lstat(`${home}/victim`).then(() => true, () => false)))

    const other = yield* tempDir
    yield* mkfifo(`${other}/auth.lock`)
    const fifo = yield* Effect.flip(bounded(Effect.scoped(files.lock(`${other}/auth.lock`, { timeoutMillis: 60_000 }))))
    assert.equal((fifo as { reason?: string }).reason, notRegularFileReason)

    const third = yield* tempDir
    yield* Effect.promise(() => Deno.mkdir(`${third}/auth.lock`))
    const directory = yield* Effect.flip(Effect.scoped(files.lock(`${third}/auth.lock`)))
    assert.equal(directory.reason, "EISDIR")
    assert.notInclude(directory.message, "Another process")
  }))

test("read: /dev/zero, a FIFO and a 4 GiB sparse file fail at once; the bound is exact; invalid UTF-8 refused", () =>
  Effect.gen(function*() {
    const home = yield* tempDir
    yield* Effect.promise(() => Deno.symlink("/dev/zero", `${home}/zero.json`))
    yield* mkfifo(`${home}/fifo.json`)
    yield* Effect.promise(async () => {
      const file = await Deno.open(`${home}/huge.json`, { write: true, create: true })
      await file.truncate(4 * 1024 ** 3)
      file.close()
    })
    for (const name of ["zero.json", "fifo.json"]) {
      const error = yield* Effect.flip(bounded(files.read(`${home}/${name}`)))
      assert.equal((error as { reason?: string }).reason, notRegularFileReason, name)
    }
    const huge = yield* Effect.flip(bounded(files.read(`${home}/huge.json`)))
    assert.equal((huge as { reason?: string }).reason, tooLargeReason(1024 * 1024))

    yield* Effect.promise(() => Deno.writeTextFile(`${home}/auth.json`, "x".repeat(10)))
    assert.deepEqual(yield* files.read(`${home}/auth.json`, { maxBytes: 10 }), Option.some("x".repeat(10)))
    yield* Effect.promise(() => Deno.writeTextFile(`${home}/auth.json`, "x".repeat(11)))
    assert.equal((yield* Effect.flip(files.read(`${home}/auth.json`, { maxBytes: 10 }))).reason, tooLargeReason(10))
    yield* Effect.promise(() => Deno.writeFile(`${home}/auth.json`, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))
    assert.equal((yield* Effect.flip(files.read(`${home}/auth.json`))).reason, notUtf8Reason)
  }))

test("a CA bundle that is /dev/zero or a FIFO fails at once with CaCertificateInvalid", () =>
  Effect.gen(function*() {
    const home = yield* tempDir
    yield* mkfifo(`${home}/ca.fifo`)
    for (const path of ["/dev/zero", `${home}/ca.fifo`]) {
      const error = yield* Effect.flip(bounded(DenoHttpClient.readCaBundle({ variable: "SSL_CERT_FILE", path })))
      assert.include((error as Error).message, "not a regular file", path)
    }
  }))
