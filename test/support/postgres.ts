// A real PostgreSQL server for a test: Debian's binaries (scripts/setup-postgres.sh), a cluster made with initdb in a
// temporary directory, started on 127.0.0.1 and a free port, stopped and deleted when the scope closes. The server
// refuses to run as root, so as root it runs as the postgres user (runuser).
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /** Runs SQL through psql as the superuser; the unaligned, tuples-only output. */
  readonly psql: (sql: string) => string
  readonly stop: () => void
  readonly start: () => void
}

const binDir = (): string => {
  if (process.env.CODEX_AUTH_PG_BIN) return process.env.CODEX_AUTH_PG_BIN
  return execFileSync("bash", [Path.resolve("scripts/setup-postgres.sh")], { encoding: "utf8" }).trim()
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as Net.AddressInfo
      server.close(() => resolve(address.port))
    })
  })

const asPostgres = (command: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]]

export const startCluster: Effect.Effect<Cluster, never, import("effect/Scope").Scope> = Effect.acquireRelease(
  Effect.promise(async () => {
    const bin = binDir()
    const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-pg-"))
    const dataDir = Path.join(root, "data")
    const socketDir = Path.join(root, "socket")
    Fs.mkdirSync(socketDir)
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres:postgres", root])
    const run = (command: string, args: ReadonlyArray<string>) => {
      const [file, argv] = asPostgres(Path.join(bin, command), args)
      return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    }
    run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
    const port = await freePort()
    const options = `-k ${socketDir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`
    const start = () => {
      run("pg_ctl", ["-D", dataDir, "-l", Path.join(root, "log"), "-w", "-t", "60", "-o", options, "start"])
    }
    const stop = () => {
      run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "60", "stop"])
    }
    start()
    const psql = (sql: string) =>
      run("psql", ["-h", socketDir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-XAtq", "-c", sql]).trim()
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      psql,
      stop,
      start,
      root
    }
  }),
  (cluster) =>
    Effect.sync(() => {
      try {
        cluster.stop()
      } catch {
        // already stopped
      }
      Fs.rmSync((cluster as unknown as { root: string }).root, { recursive: true, force: true })
    })
)
