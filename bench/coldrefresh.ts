// Cold refresh: whole-process wall time of `codex-auth token` on an expired auth.json (a local emulator as the
// issuer), beside a cold `node -e` doing the same file copy (read auth.json, write a temporary, rename) — the
// baseline of the same run. Then N processes at once on one expired token: the time until the last one answered,
// the grants the issuer saw and how many processes loaded the engine (CODEX_AUTH_STARTUP_TRACE), beside N cold
// `node -e 0` started at once. The emulator runs in this process: it shares the cores with what is measured. The
// engine's V8 code cache lives in the run's temporary directory; one row runs without it.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { authJsonText, fmt, machine, median, quantile, repoRoot, table, tempCodexHome, timeProcess } from "./support.ts"

const runs = Number(process.env["BENCH_RUNS"] ?? 10)
const fleet = Number(process.env["BENCH_PROCESSES"] ?? 8)
const bin = Path.join(repoRoot, "packages/node/bin/codex-auth.js")
// BENCH_COMPARE_BIN=<another build's bin/codex-auth.js>: its single cold refresh too, in the same run (before/after).
const compareBin = process.env["BENCH_COMPARE_BIN"]
const copy = "const f=require('fs'),p=process.env.CODEX_HOME+'/auth.json',t=f.readFileSync(p);" +
  "f.writeFileSync(p+'.tmp',t,{mode:0o600});f.renameSync(p+'.tmp',p)"

const main = async () => {
  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  const auth = Path.join(home.path, "auth.json")
  const trace = Path.join(home.path, "startup-trace")
  const env = {
    CODEX_HOME: home.path,
    NO_COLOR: "1",
    CODEX_AUTH_ISSUER: emulator.url,
    CODEX_AUTH_STARTUP_TRACE: trace,
    // The engine's code cache, in this run's own directory: each sample's warm-up run writes it.
    CODEX_AUTH_CODE_CACHE: Path.join(home.path, "code-cache")
  }
  const expired = async () => {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    Fs.writeFileSync(auth, authJsonText(minted, emulator.url), { mode: 0o600 })
    Fs.rmSync(trace, { force: true })
    await emulator.admin.clearRequests()
  }
  const grants = async () =>
    (await emulator.admin.requests()).filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
      .length
  const engines = () =>
    Fs.existsSync(trace) ? Fs.readFileSync(trace, "utf8").split("\n").filter((l) => l.startsWith("engine")).length : 0
  try {
    const rows: Array<ReadonlyArray<string>> = []
    const sample = async (
      name: string,
      once: () => Promise<{ readonly wall: number; readonly note: string }>
    ) => {
      await once()
      const walls: Array<number> = []
      const notes = new Set<string>()
      for (let i = 0; i < runs; i++) {
        const { note, wall } = await once()
        walls.push(wall)
        notes.add(note)
      }
      return { name, wall: median(walls), p90: quantile(walls, 0.9), note: [...notes].join("; ") }
    }
    const one =
      (command: string, args: ReadonlyArray<string>, extra: Record<string, string | undefined> = {}) => async () => {
        await expired()
        const run = await timeProcess(command, args, { ...env, ...extra })
        const g = await grants()
        const cache = Fs.existsSync(trace)
          ? Fs.readFileSync(trace, "utf8").split("\n").filter((l) => l.startsWith("code-cache ")).map((l) =>
            l.split(" ")[1]
          )
          : []
        const cached = cache.length === 0 ? "" : `, code cache ${cache.join("/")}`
        return { wall: run.wallMillis, note: `exit ${run.status}, ${g} grant(s), ${engines()} engine(s)${cached}` }
      }
    const many = (command: string, args: ReadonlyArray<string>, extra: Record<string, string> = {}) => async () => {
      await expired()
      const start = process.hrtime.bigint()
      const all = await Promise.all(
        Array.from({ length: fleet }, () => timeProcess(command, args, { ...env, ...extra }))
      )
      const wall = Number(process.hrtime.bigint() - start) / 1e6
      const tokens = new Set(all.map((r) => r.stdout))
      const failed = all.filter((r) => r.status !== 0).length
      return {
        wall,
        note: `${failed} failed, ${tokens.size} distinct answer(s), ${await grants()} grant(s), ${engines()} engine(s)`
      }
    }
    const results = [
      await sample("node -e (the same file copy)", one(process.execPath, ["-e", copy])),
      await sample("codex-auth token, expired token (cold refresh)", one(process.execPath, [bin, "token"])),
      // The startup path's refresh compiled from source every time.
      await sample(
        "codex-auth token, expired token, no code cache (CODEX_AUTH_CODE_CACHE=off)",
        one(process.execPath, [bin, "token"], { CODEX_AUTH_CODE_CACHE: "off" })
      ),
      // The Effect engine sending the grant (what a cold refresh cost before the startup path sent it itself).
      await sample(
        "codex-auth token, expired token, the engine refreshing (CODEX_AUTH_FAST_REFRESH=0)",
        one(process.execPath, [bin, "token"], { CODEX_AUTH_FAST_REFRESH: "0" })
      ),
      await sample(
        "codex-auth token, expired token, full CLI",
        one(process.execPath, [bin, "token"], { CODEX_AUTH_NO_FAST_PATH: "1" })
      ),
      ...(compareBin === undefined ? [] : [
        await sample(
          `codex-auth token, expired token (cold refresh), BENCH_COMPARE_BIN=${Path.relative(repoRoot, compareBin)}`,
          one(process.execPath, [compareBin, "token"])
        )
      ]),
      await sample(`${fleet} × node -e 0 at once (last exit)`, many(process.execPath, ["-e", "0"])),
      await sample(
        `${fleet} × codex-auth token at once, one expired token (last answer)`,
        many(process.execPath, [bin, "token"])
      ),
      await sample(
        `${fleet} × codex-auth token at once, no code cache (CODEX_AUTH_CODE_CACHE=off)`,
        many(process.execPath, [bin, "token"], { CODEX_AUTH_CODE_CACHE: "off" })
      ),
      await sample(
        `${fleet} × codex-auth token at once, the engine refreshing (CODEX_AUTH_FAST_REFRESH=0)`,
        many(process.execPath, [bin, "token"], { CODEX_AUTH_FAST_REFRESH: "0" })
      ),
      // What every process did before the waiter: each loaded the engine, then waited for the lock inside it.
      await sample(
        `${fleet} × codex-auth token at once, full CLI (before)`,
        many(process.execPath, [bin, "token"], { CODEX_AUTH_NO_FAST_PATH: "1" })
      )
    ]
    const base = results[0]!.wall
    const fleetStart = results.findIndex((r) => r.name.startsWith(`${fleet} × node -e 0`))
    const fleetBase = results[fleetStart]!.wall
    for (const [i, r] of results.entries()) {
      rows.push([
        r.name,
        fmt(r.wall, 1),
        fmt(r.p90, 1),
        `${fmt(r.wall / (i >= fleetStart ? fleetBase : base), 2)}×`,
        r.note
      ])
    }
    table(
      `Cold refresh, median of ${runs} (after one warm-up) — ${machine()}, NODE_EXTRA_CA_CERTS=${
        process.env["NODE_EXTRA_CA_CERTS"] ?? "(unset)"
      }`,
      ["program", "wall ms (median)", "wall ms (p90)", "× baseline (copy / N × node -e 0)", "note"],
      rows
    )
    console.log(`\nTargets: a cold refresh ≤ 2.5× the copy; ${fleet} processes all answered ≤ 500 ms with one grant.`)
  } finally {
    await emulator.close()
    home.cleanup()
  }
}

await main()
process.exit(0)
