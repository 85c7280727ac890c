// Multi-process: 16 Node processes on one CODEX_HOME, an expired access token, the rotation-enforcing emulator.
// Refresh grants (must be 1) and the time from "go" until every process holds the new token. The children are the
// multi-process test's (test/multiprocess/getTokenChild.mjs, built dist), loaded and waiting before "go".
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import { spawn } from "node:child_process"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { authJsonText, fmt, machine, median, repoRoot, table, tempCodexHome, writeAuthJson } from "./support.ts"

const processes = Number(process.env["BENCH_PROCESSES"] ?? 16)
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5)
const childScript = Path.join(repoRoot, "test/multiprocess/getTokenChild.mjs")

const main = async () => {
  const emulator = await startEmulatorPromise()
  const rows: Array<Array<string>> = []
  const totals: Array<number> = []
  try {
    for (let round = 1; round <= rounds; round++) {
      const home = tempCodexHome()
      const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      writeAuthJson(home.path, authJsonText(minted, emulator.url))
      await emulator.admin.clearRequests()
      const children = await Promise.all(
        Array.from(
          { length: processes },
          () =>
            new Promise<{ child: ReturnType<typeof spawn>; lines: AsyncIterator<string> }>((resolve) => {
              const child = spawn(process.execPath, [childScript], {
                env: { ...process.env, CODEX_HOME: home.path, ISSUER: emulator.url },
                stdio: ["pipe", "pipe", "inherit"]
              })
              const lines = Readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
              void lines.next().then(() => resolve({ child, lines }))
            })
        )
      )
      const start = process.hrtime.bigint()
      for (const { child } of children) child.stdin!.write("go\n")
      const answers = await Promise.all(children.map(({ lines }) =>
        lines.next().then((line) => ({
          at: Number(process.hrtime.bigint() - start) / 1e6,
          answer: JSON.parse(String(line.value)) as { token?: string; error?: string }
        }))
      ))
      const requests = await emulator.admin.requests()
      const grants = requests.filter((r) => r.path === "/oauth/token" && r.grantType === "refresh_token").length
      const reused = requests.filter((r) => r.errorCode === "refresh_token_reused").length
      const distinct = new Set(answers.map((a) => a.answer.token ?? `error: ${a.answer.error}`)).size
      for (const { child } of children) child.kill("SIGKILL")
      const times = answers.map((a) => a.at)
      totals.push(Math.max(...times))
      rows.push([
        String(round),
        String(processes),
        String(grants),
        String(reused),
        String(distinct),
        fmt(Math.min(...times), 1),
        fmt(median(times), 1),
        fmt(Math.max(...times), 1)
      ])
      home.cleanup()
    }
    table(
      `Multi-process: ${processes} processes, expired token, rotation-enforcing emulator — ${machine()}`,
      [
        "round",
        "processes",
        "refresh grants",
        "reuse errors",
        "distinct tokens",
        "first ms",
        "median ms",
        "all hold it ms"
      ],
      rows
    )
    console.log(`\nMedian time until every process holds the new token: ${fmt(median(totals), 1)} ms (from "go").`)
  } finally {
    await emulator.close()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
