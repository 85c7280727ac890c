// The refresh broker: N concurrent `codex exec` (the real Codex CLI, offline) on one CODEX_HOME whose access token has
// expired, against the rotation-enforcing emulator (a reused refresh token revokes the family). Baseline, measured in
// the same run: Codex refreshing at the issuer itself (CODEX_REFRESH_TOKEN_URL_OVERRIDE = the emulator's token
// endpoint). With the broker: the override is the broker's (`@codex-auth/broker/node`, in this process).
// Per round: refresh grants at the issuer, refused grants (reused / invalidated), execs that failed, whether the
// session was lost (the stored refresh token no longer accepted: everyone must sign in again), time until all exited.
import * as Broker from "@codex-auth/broker/node"
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { execOfflineConfig } from "../test/support/codex.ts"
import { authJsonText, codexBinary, fmt, machine, median, table, tempCodexHome, writeAuthJson } from "./support.ts"

const execs = Number(process.env["BENCH_EXECS"] ?? 6)
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"

const runExec = (bin: string, codexHome: string, home: string, emulatorUrl: string, refreshUrl: string) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve) => {
    let output = ""
    const child = spawn(bin, ["exec", "--skip-git-repo-check", ...execOfflineConfig(emulatorUrl), "say hi"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        CODEX_HOME: codexHome,
        HOME: home,
        NO_COLOR: "1",
        RUST_LOG: "error",
        CODEX_REFRESH_TOKEN_URL_OVERRIDE: refreshUrl
      }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000)
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

const main = async () => {
  const bin = codexBinary()
  if (bin === undefined) {
    console.log("skipped: needs the Codex CLI (bash scripts/setup-codex.sh)")
    return
  }
  const emulator = await startEmulatorPromise()
  const rows: Array<Array<string>> = []
  const summary = new Map<string, { grants: Array<number>; lost: number; failed: number; ms: Array<number> }>()
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const mode of ["without broker", "with broker"] as const) {
        const codexHome = tempCodexHome()
        const home = Fs.mkdtempSync(Path.join(Os.tmpdir(), "bench-broker-user-"))
        const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
        writeAuthJson(codexHome.path, authJsonText(minted, emulator.url))
        const broker = mode === "with broker"
          ? await Broker.start({ codexHome: codexHome.path, issuer: emulator.url })
          : undefined
        await emulator.admin.clearRequests()
        const refreshUrl = `${broker?.url ?? emulator.url}/oauth/token`
        const start = process.hrtime.bigint()
        const results = await Promise.all(
          Array.from({ length: execs }, () => runExec(bin, codexHome.path, home, emulator.url, refreshUrl))
        )
        const ms = Number(process.hrtime.bigint() - start) / 1e6
        await broker?.close()
        const log = await emulator.admin.requests()
        const grants = log.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token")
        const refused = grants.filter((r) => r.status !== 200).length
        const failed = results.filter((r) => r.code !== 0 || /could not be refreshed|sign in again/i.test(r.output))
          .length
        // Lost: the refresh token left in auth.json is not the family's live one any more.
        const stored = JSON.parse(Fs.readFileSync(Path.join(codexHome.path, "auth.json"), "utf8"))
        const probe = await fetch(`${emulator.url}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            client_id: clientId,
            grant_type: "refresh_token",
            refresh_token: stored.tokens.refresh_token
          })
        })
        const lost = probe.status !== 200
        rows.push([
          String(round),
          mode,
          String(execs),
          String(grants.length),
          String(refused),
          String(failed),
          lost ? "**yes**" : "no",
          fmt(ms, 0)
        ])
        const entry = summary.get(mode) ?? { grants: [], lost: 0, failed: 0, ms: [] }
        entry.grants.push(grants.length)
        entry.lost += lost ? 1 : 0
        entry.failed += failed
        entry.ms.push(ms)
        summary.set(mode, entry)
        codexHome.cleanup()
        Fs.rmSync(home, { recursive: true, force: true })
      }
    }
    table(
      `Refresh broker: ${execs} concurrent codex exec, expired token, rotation-enforcing emulator — ${machine()}`,
      [
        "round",
        "mode",
        "codex exec",
        "refresh grants",
        "refused grants",
        "failed execs",
        "session lost",
        "all done ms"
      ],
      rows
    )
    for (const [mode, entry] of summary) {
      console.log(
        `\n${mode}: grants per round ${entry.grants.join(", ")}; sessions lost ${entry.lost} of ${rounds}; ` +
          `failed execs ${entry.failed} of ${rounds * execs}; median all done ${fmt(median(entry.ms), 0)} ms`
      )
    }
  } finally {
    await emulator.close()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
