// One of the processes of the multi-process pool test: waits for "go" on stdin, opens the shared pool config and
// asks for a token from every account, then prints them as JSON. Runs the built packages (dist) so 8 start fast.
import * as NodeAccountPool from "@codex-auth/node/NodeAccountPool"
import * as Readline from "node:readline"

const names = process.argv.slice(2)
const lines = Readline.createInterface({ input: process.stdin })
process.stdout.write("ready\n")
lines.once("line", async () => {
  lines.close()
  try {
    const pool = await NodeAccountPool.openPool({ profile: { issuer: process.env.ISSUER } })
    const tokens = {}
    await Promise.all(names.map(async (account) => {
      tokens[account] = (await pool.getToken({ account })).token
    }))
    await pool.close()
    process.stdout.write(JSON.stringify({ tokens }) + "\n")
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error?.message ?? error) }) + "\n")
    process.exitCode = 1
  }
})
