// Cold start: whole-process wall time and peak RSS of `codex-auth status` and `codex-auth token` on a valid
// auth.json, beside `node -e 0` and the real Codex CLI's `codex login status` on the same file, twice: as npm installs
// it (`codex` on PATH is a Node wrapper that spawns the Rust binary: a Node start plus the binary's) and the bare
// Rust binary inside that install (what a Homebrew or release-binary install runs). A breakdown of the
// full (Effect) CLI: loading effect alone, and `--version` (the whole CLI module graph, no work).
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as Path from "node:path"
import {
  authJsonText,
  codexBinary,
  codexRustBinary,
  fmt,
  machine,
  measureProcess,
  repoRoot,
  table,
  tempCodexHome,
  writeAuthJson
} from "./support.ts"

const runs = Number(process.env["BENCH_RUNS"] ?? 10)
const bin = Path.join(repoRoot, "packages/node/bin/codex-auth.js")

const main = async () => {
  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  try {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuthJson(home.path, authJsonText(minted, emulator.url))
    // Close the emulator first: it shares this process's cores with what we measure.
    await emulator.close()
    const env = { CODEX_HOME: home.path, NO_COLOR: "1" }
    const codex = codexBinary()
    const rust = codex === undefined ? undefined : codexRustBinary(codex)
    const rows: Array<{ name: string; wall: number; p90: number; rss: number; note: string }> = []
    const add = async (
      name: string,
      command: string,
      args: ReadonlyArray<string>,
      note = "",
      extraEnv: Record<string, string | undefined> = {}
    ) => {
      const result = await measureProcess(command, args, { ...env, ...extraEnv }, runs)
      const status = result.last.status
      rows.push({
        name,
        wall: result.wall,
        p90: result.p90,
        rss: result.rss,
        note: status === 0 ? note : `exit ${status} ${note}`
      })
    }
    await add("node -e 0", process.execPath, ["-e", "0"])
    if (codex !== undefined) {
      await add("codex login status (Codex CLI 0.169, npm wrapper)", codex, ["login", "status"], "Node + Rust")
    }
    if (rust !== undefined) {
      await add("codex login status (Codex CLI 0.169, bare Rust binary)", rust, ["login", "status"])
    }
    // The CLI's fast path steps aside whenever a TLS/proxy variable is set (this machine sets SSL_CERT_FILE
    // globally): measured both ways, and with the fast path disabled (the full Effect CLI).
    const noTlsEnv = { SSL_CERT_FILE: undefined, CODEX_CA_CERTIFICATE: undefined, HTTPS_PROXY: undefined }
    await add("codex-auth status (fast path)", process.execPath, [bin, "status"], "TLS vars unset", noTlsEnv)
    await add("codex-auth token (fast path)", process.execPath, [bin, "token"], "TLS vars unset", noTlsEnv)
    await add(
      "codex-auth status (ambient env)",
      process.execPath,
      [bin, "status"],
      `SSL_CERT_FILE=${process.env["SSL_CERT_FILE"] ?? "(unset)"}`
    )
    await add(
      "codex-auth token (ambient env)",
      process.execPath,
      [bin, "token"],
      `SSL_CERT_FILE=${process.env["SSL_CERT_FILE"] ?? "(unset)"}`
    )
    await add("codex-auth status (full CLI)", process.execPath, [bin, "status"], "CODEX_AUTH_NO_FAST_PATH=1", {
      CODEX_AUTH_NO_FAST_PATH: "1"
    })
    await add("codex-auth token (full CLI)", process.execPath, [bin, "token"], "CODEX_AUTH_NO_FAST_PATH=1", {
      CODEX_AUTH_NO_FAST_PATH: "1"
    })
    // NODE_EXTRA_CA_CERTS (set on this machine, as on corporate ones): Node parses every extra CA at start, although
    // the fast path makes no TLS connection. The same rows without it, the Codex CLI's too.
    const noExtraCa = { ...noTlsEnv, NODE_EXTRA_CA_CERTS: undefined }
    if (codex !== undefined) {
      await add("codex login status (npm wrapper), no NODE_EXTRA_CA_CERTS", codex, ["login", "status"], "", noExtraCa)
    }
    if (rust !== undefined) {
      await add("codex login status (bare Rust), no NODE_EXTRA_CA_CERTS", rust, ["login", "status"], "", noExtraCa)
    }
    await add(
      "codex-auth status (fast path), no NODE_EXTRA_CA_CERTS",
      process.execPath,
      [bin, "status"],
      "TLS vars unset",
      noExtraCa
    )
    await add(
      "codex-auth token (fast path), no NODE_EXTRA_CA_CERTS",
      process.execPath,
      [bin, "token"],
      "TLS vars unset",
      noExtraCa
    )
    await add("node -e 0, no NODE_EXTRA_CA_CERTS", process.execPath, ["-e", "0"], "", noExtraCa)
    await add("codex-auth --version (full CLI module graph)", process.execPath, [bin, "--version"])
    await add(
      "node: import effect/Effect + run one effect",
      process.execPath,
      ["--input-type=module", "-e", "import * as E from 'effect/Effect'; E.runSync(E.succeed(1))"],
      "breakdown"
    )
    const codexWall = rows.find((r) => r.name.includes("npm wrapper"))?.wall
    const rustWall = rows.find((r) => r.name.includes("bare Rust"))?.wall
    const nodeWall = rows[0]!.wall
    table(
      `Cold start, median of ${runs} (after one warm-up run) — ${machine()}, NODE_EXTRA_CA_CERTS=${
        process.env["NODE_EXTRA_CA_CERTS"] ?? "(unset)"
      } unless a row says otherwise`,
      [
        "program",
        "wall ms (median)",
        "wall ms (p90)",
        "peak RSS MiB",
        "× node -e 0",
        "× codex (npm wrapper)",
        "× codex (bare Rust)",
        "note"
      ],
      rows.map((r) => [
        r.name,
        fmt(r.wall, 1),
        fmt(r.p90, 1),
        fmt(r.rss, 1),
        `${fmt(r.wall / nodeWall, 2)}×`,
        codexWall === undefined ? "n/a" : `${fmt(r.wall / codexWall, 2)}×`,
        rustWall === undefined ? "n/a" : `${fmt(r.wall / rustWall, 2)}×`,
        r.note
      ])
    )
    console.log(
      "\nTarget (issue 17): codex-auth status/token ≤ 1.0× `codex login status` as npm installs it (the wrapper) with " +
        "NODE_EXTRA_CA_CERTS set, ≤ 0.9× without. No Node process can match the bare Rust binary (`node -e 0` alone " +
        "costs more): its row is the floor, for reference."
    )
  } finally {
    home.cleanup()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
