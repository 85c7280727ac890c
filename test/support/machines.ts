// Simulated machines for the fleet tests: each machine is a network namespace of its own, joined to the test's
// namespace over a veth pair on a bridge (10.231.0.0/24, addresses that exist only inside the namespaces this test
// made), and its processes run inside it with nsenter. Services of the test (the emulator, PostgreSQL) listen on
// 127.0.0.1 and are reached from the machines through TCP forwarders on the bridge's address.
// Where namespaces cannot be made (not root, or outside scripts/netns.sh's namespace, whose links we may change
// freely), machines are plain process groups on 127.0.0.1: they still share no CODEX_HOME.
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { execFileSync, spawn, type SpawnOptions } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"

export interface Machine {
  readonly name: string
  /** Starts a process on this machine (`node <args>`). */
  readonly spawnNode: (args: ReadonlyArray<string>, options: SpawnOptions) => ChildProcess
}

export interface Fleet {
  /** True when each machine is its own network namespace. */
  readonly isolated: boolean
  readonly machines: ReadonlyArray<Machine>
  /** The address the machines reach the test's services at (a forwarded host:port for a 127.0.0.1 port). */
  readonly reach: (port: number) => Effect.Effect<string, never, Scope.Scope>
}

const run = (command: string, args: ReadonlyArray<string>) => execFileSync(command, args, { stdio: "pipe" })

const canIsolate = (): boolean => {
  if (process.env.CODEX_AUTH_NETNS !== "1" || process.getuid?.() !== 0) return false
  try {
    run("ip", ["-V"])
    run("nsenter", ["--version"])
    return true
  } catch {
    return false
  }
}

let counter = 0

const forwarder = (host: string, target: number): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Net.Server; sockets: Set<Net.Socket>; address: string }>((resume) => {
      const sockets = new Set<Net.Socket>()
      const server = Net.createServer((inbound) => {
        const outbound = Net.connect(target, "127.0.0.1")
        for (const socket of [inbound, outbound]) {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => {
            inbound.destroy()
            outbound.destroy()
          })
        }
        inbound.pipe(outbound).pipe(inbound)
      })
      server.listen(0, host, () => {
        const port = (server.address() as Net.AddressInfo).port
        resume(Effect.succeed({ server, sockets, address: `${host}:${port}` }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ address }) => address))

export const makeFleet = (count: number): Effect.Effect<Fleet, never, Scope.Scope> =>
  Effect.gen(function*() {
    if (!canIsolate()) {
      return {
        isolated: false,
        machines: Array.from({ length: count }, (_, i) => ({
          name: `machine-${i}`,
          spawnNode: (args, options) => spawn(process.execPath, [...args], options)
        })),
        reach: (port) => Effect.succeed(`127.0.0.1:${port}`)
      }
    }
    const id = `${process.pid % 1000}${counter++}`
    const bridge = `fbr${id}`
    const hostAddress = "10.231.0.1"
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        // One bridge per fleet, deleted with it: the address is free again for the next test's fleet.
        run("ip", ["link", "add", bridge, "type", "bridge"])
        run("ip", ["addr", "add", `${hostAddress}/24`, "dev", bridge])
        run("ip", ["link", "set", bridge, "up"])
      }),
      () => Effect.sync(() => run("ip", ["link", "del", bridge]))
    )
    const machines: Array<Machine> = []
    for (let i = 0; i < count; i++) {
      const holder = yield* Effect.acquireRelease(
        Effect.sync(() => spawn("unshare", ["-n", "sleep", "3600"], { stdio: "ignore" })),
        (child) => Effect.sync(() => child.kill("SIGKILL"))
      )
      const pid = holder.pid!
      const ours = Fs.readlinkSync("/proc/self/ns/net")
      // unshare has made the namespace once the holder's differs from ours.
      yield* Effect.promise(async () => {
        for (let tries = 0; tries < 500; tries++) {
          try {
            if (Fs.readlinkSync(`/proc/${pid}/ns/net`) !== ours) return
          } catch {
            // not started yet
          }
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        throw new Error("unshare -n did not start")
      })
      const hostSide = `fv${id}m${i}`
      run("ip", ["link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", String(pid)])
      run("ip", ["link", "set", hostSide, "master", bridge, "up"])
      run("nsenter", [
        "-t",
        String(pid),
        "-n",
        "sh",
        "-c",
        `ip link set lo up && ip addr add 10.231.0.${10 + i}/24 dev eth0 && ip link set eth0 up`
      ])
      machines.push({
        name: `machine-${i} (10.231.0.${10 + i})`,
        spawnNode: (args, options) =>
          spawn("nsenter", ["-t", String(pid), "-n", "--", process.execPath, ...args], options)
      })
    }
    return { isolated: true, machines, reach: (port) => forwarder(hostAddress, port) }
  })
