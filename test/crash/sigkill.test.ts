// Crash safety of auth.json writes at scale: ≥ 500 writer processes, each killed with SIGKILL at a random point of
// its write loop (after a random number of announced writes, plus a random delay), each through the real
// NodeSecretFile.writeAtomic. After every kill the file must parse and be exactly the old content or the new content
// of the write in progress — never a mix, never empty, never an older write.
//
// Then the sweep: the temporaries the kills left (0600, holding secrets) are removed by the next save through the
// file store under auth.lock, and a Codex CLI temporary (`.auth-XXXXXX`) beside them is not.
//
// The writer is bundled once with esbuild (from the TypeScript sources) so a process starts in ~70 ms instead of
// ~280 ms; several lanes (separate CODEX_HOMEs) run at once.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as CodexHome from "@codex-auth/core/CodexHome"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as NodeSecretFile from "@codex-auth/node/NodeSecretFile"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as esbuild from "esbuild"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
// @ts-expect-error: a plain ESM helper shared with the child process, no declarations
import { contentOf } from "./content.mjs"

const content = contentOf as (round: number, n: number) => string
const here = Path.dirname(new URL(import.meta.url).pathname)
const kills = Number(process.env["CRASH_KILLS"] ?? 510)
const lanes = 3

/** Bundles the writer next to node_modules (so its external `koffi` import still resolves). */
const bundleWriter = Effect.promise(async () => {
  const outfile = Path.resolve("node_modules/.cache/codex-auth-crash/writer.mjs")
  await esbuild.build({
    entryPoints: [Path.join(here, "writerChild.mjs")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    external: ["koffi"],
    conditions: ["source"],
    logLevel: "error"
  })
  return outfile
})

interface RoundResult {
  readonly lastBegin: number
  readonly lastDone: number
}

/** One writer process: wait until it has begun `writesBeforeKill` writes, wait `delayMillis`, SIGKILL it. */
const killRound = (
  writer: string,
  path: string,
  round: number,
  writesBeforeKill: number,
  delayMillis: number
): Promise<RoundResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, path, String(round)], { stdio: ["ignore", "pipe", "inherit"] })
    let buffered = ""
    let lastBegin = 0
    let lastDone = 0
    let killing = false
    const kill = () => {
      if (killing) return
      killing = true
      setTimeout(() => child.kill("SIGKILL"), delayMillis)
    }
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      const lines = buffered.split("\n")
      buffered = lines.pop() ?? ""
      for (const line of lines) {
        const [word, number] = line.split(" ")
        if (word === "ready" && writesBeforeKill === 0) kill()
        if (word === "begin") {
          lastBegin = Number(number)
          if (lastBegin > writesBeforeKill) kill()
        }
        if (word === "done") lastDone = Number(number)
      }
    })
    child.on("error", reject)
    child.on("close", (_code, signal) => {
      clearTimeout(guard)
      if (signal !== "SIGKILL") reject(new Error(`writer ended without being killed (${signal ?? _code})`))
      else resolve({ lastBegin, lastDone })
    })
  })

describe("crash safety", () => {
  it.scopedLive(
    `${kills} SIGKILLs of a writer: auth.json is always the old or the new content`,
    () =>
      Effect.gen(function*() {
        const writer = yield* bundleWriter
        const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-crash-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(root, { recursive: true, force: true })))
        const perLane = Math.ceil(kills / lanes)
        const stats = {
          kills: 0,
          killedMidWrite: 0,
          killedBeforeFirstWrite: 0,
          leftoverTemporaryFiles: 0,
          sweptBySave: 0
        }

        /** One save through the file store under auth.lock; the temporaries of ours that remain afterwards. */
        const saveUnderLock = (dir: string, text: string) =>
          Effect.runPromise(
            Effect.gen(function*() {
              const store = yield* CredentialStore
              const document = yield* AuthJson.parse(text, { path: Path.join(dir, "auth.json") })
              yield* store.withLock(store.save(document))
            }).pipe(
              Effect.provide(
                FileCredentialStore.layer.pipe(
                  Layer.provide(CodexHome.layer(dir)),
                  Layer.provide(NodeSecretFile.layer)
                )
              )
            )
          )

        const lane = async (laneIndex: number) => {
          const dir = Path.join(root, `lane-${laneIndex}`)
          Fs.mkdirSync(dir, { mode: 0o700 })
          const path = Path.join(dir, "auth.json")
          let previous = content(laneIndex * 100_000, 0)
          Fs.writeFileSync(path, previous, { mode: 0o600 })
          for (let i = 1; i <= perLane; i++) {
            const round = laneIndex * 100_000 + i
            // Kill before the first write, during the first few, or later; plus a delay of up to 15 ms.
            const writesBeforeKill = Math.floor(Math.random() * 4)
            const delayMillis = Math.random() < 0.3 ? 0 : Math.random() * 15
            const { lastBegin, lastDone } = await killRound(writer, path, round, writesBeforeKill, delayMillis)
            const text = Fs.readFileSync(path, "utf8")
            const allowed = lastBegin === 0
              ? [previous]
              : lastDone === lastBegin
              ? [content(round, lastBegin)]
              : [content(round, lastBegin), lastBegin > 1 ? content(round, lastBegin - 1) : previous]
            const which = allowed.indexOf(text)
            if (which < 0) {
              assert.fail(
                `lane ${laneIndex} kill ${i}: auth.json (${text.length} bytes) is neither the old nor the new content ` +
                  `(begun ${lastBegin}, done ${lastDone})`
              )
            }
            assert.isTrue(Either.isRight(AuthJson.parseEither(text, { path })), "auth.json parses")
            stats.kills++
            if (lastBegin === 0) stats.killedBeforeFirstWrite++
            if (lastDone < lastBegin) stats.killedMidWrite++
            previous = text
          }
          const ours = (name: string) => SecretFile.isTemporaryOf("auth.json", name)
          const left = Fs.readdirSync(dir).filter(ours)
          assert.strictEqual(left.length, Fs.readdirSync(dir).filter((name) => name.startsWith(".auth.json.")).length)
          stats.leftoverTemporaryFiles += left.length
          const codexTemporary = Path.join(dir, ".auth-Zq81xW")
          Fs.writeFileSync(codexTemporary, previous, { mode: 0o600 })
          await saveUnderLock(dir, previous)
          const after = Fs.readdirSync(dir)
          assert.deepStrictEqual(after.filter(ours), [], `lane ${laneIndex}: the save swept every leftover`)
          assert.include(after, ".auth-Zq81xW", "a Codex CLI temporary is not ours to remove")
          assert.strictEqual(Fs.readFileSync(Path.join(dir, "auth.json"), "utf8"), previous)
          stats.sweptBySave += left.length
        }
        yield* Effect.promise(() => Promise.all(Array.from({ length: lanes }, (_, i) => lane(i))))

        assert.isAtLeast(stats.kills, kills)
        // The kill points were spread: many landed inside a write (between "begin" and "done").
        assert.isAbove(stats.killedMidWrite, kills / 10, JSON.stringify(stats))
        // Kills inside a write leave temporaries behind (~140 per 510 kills); the sweep removed every one.
        assert.isAbove(stats.leftoverTemporaryFiles, 0, JSON.stringify(stats))
        assert.strictEqual(stats.sweptBySave, stats.leftoverTemporaryFiles)
        console.log(`crash safety: ${JSON.stringify(stats)}`)
      }),
    { timeout: 240_000 }
  )
})
