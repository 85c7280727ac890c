// The consumer suite's projects: what an embedder's package.json holds beside our tarballs. Shared by the suite
// (test/consumer/consumer.test.ts, which installs them offline inside the loopback-only namespace) and by
// scripts/setup-consumer.sh (which installs the same projects once with the network, to fill npm's cache).
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

export const root = Path.resolve(import.meta.dirname, "../..")

/** The packages an embedder installs, in dependency order. */
export const publicPackages = [
  "core",
  "accounts",
  "adapters",
  "emulator",
  "keyring",
  "facade",
  "cli",
  "app-server",
  "node",
  "deno"
]

/** What a Deno project installs of ours: @codex-auth/deno and what it depends on (no @codex-auth/node). */
const denoPackages = ["core", "accounts", "adapters", "emulator", "keyring", "facade", "cli", "deno"]

/**
 * Each project: its own dependencies (besides the tarballs), how npm lays it out, and whether it installs the
 * emulator (an embedder's tests do; its production install does not); `packages`: which of our tarballs it installs
 * (default: all but @codex-auth/deno); `refused`: npm must refuse the install (the suite checks its message).
 */
export const projects = {
  // A facade-only embedder with no Effect of its own: nothing of Effect may be installed for it, nor the emulator.
  facade: { dependencies: {}, npmArgs: [], emulator: false },
  // The pnpm-style layout, without optional dependencies (no keyring): every import must be declared.
  linked: { dependencies: {}, npmArgs: ["--install-strategy=linked", "--omit=optional"], emulator: false },
  // A project on Effect 4: the facade and the CLI run from the bundle, never from the project's effect.
  effect4: { dependencies: { effect: "4.1.0" }, npmArgs: [], emulator: false },
  // A Deno 2 project (`"nodeModulesDir": "manual"`) with @codex-auth/deno from npm, whose facade and CLI run on
  // the project's Effect 3 (the peers npm would add, pinned to what the cache holds).
  deno: {
    packages: denoPackages,
    dependencies: { effect: "3.22.4", "@effect/platform": "0.97.2", "@effect/cli": "0.77.2" },
    npmArgs: []
  },
  // The same beside effect@4: npm refuses the install, naming the range @codex-auth/deno supports.
  denoEffect4: { packages: denoPackages, dependencies: { effect: "4.1.0" }, npmArgs: [], refused: true },
  // An Effect 3 project using the Effect API, type-checked strictly: one copy of effect; its tests use the emulator.
  effect3: {
    emulator: true,
    dependencies: {
      effect: "3.22.4",
      "@effect/platform": "0.97.2",
      "@effect/platform-node": "0.108.2",
      "@types/node": "20.19.43"
    },
    npmArgs: []
  }
}

/**
 * One npm command, asynchronously: a test worker blocked in a synchronous install for minutes on a busy machine stops
 * answering vitest's RPC ("Timeout calling onTaskUpdate", an unhandled error that fails the run).
 */
export const npm = (args, cwd) =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn("npm", args, {
      cwd,
      env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (status) => {
      if (status === 0) resolve({ status, stdout, stderr })
      else reject(new Error(`npm ${args.join(" ")} failed in ${cwd} (exit ${status}):\n${stdout}${stderr}`))
    })
  })

/** `npm pack` of every public package (run `npm run build` first) into `dir`; the tarballs' paths. */
export const pack = async (dir) => {
  const tarballs = []
  for (const name of publicPackages) {
    const result = await npm(["pack", "--silent", "--pack-destination", dir], Path.join(root, "packages", name))
    tarballs.push(Path.join(dir, result.stdout.trim().split("\n").pop()))
  }
  return tarballs
}

/**
 * A fresh project in a temporary folder with the tarballs and its dependencies installed. `offline` (the suite):
 * from npm's cache only, so a missing entry fails at once with ENOTCACHED instead of waiting on a network.
 */
export const install = async (name, tarballs, { offline = true, parent = Os.tmpdir() } = {}) => {
  const spec = projects[name]
  const dir = Fs.mkdtempSync(Path.join(parent, `codex-auth-consumer-${name}-`))
  Fs.writeFileSync(
    Path.join(dir, "package.json"),
    JSON.stringify({ name: `consumer-${name}`, version: "1.0.0", private: true, type: "module" }, null, 2)
  )
  const ours = (tarball) => Path.basename(tarball).replace(/^codex-auth-(.*)-\d+\.\d+\.\d+.*$/, "$1")
  const chosen = tarballs.filter((tarball) =>
    spec.packages !== undefined
      ? spec.packages.includes(ours(tarball))
      : ours(tarball) !== "deno" && (spec.emulator || ours(tarball) !== "emulator")
  )
  const specs = [...chosen, ...Object.entries(spec.dependencies).map(([pkg, version]) => `${pkg}@${version}`)]
  await npm(["install", offline ? "--offline" : "--prefer-offline", "--no-save", ...spec.npmArgs, ...specs], dir)
  return dir
}

// `node test/consumer/projects.mjs --warm`: install every project once, with the network where npm's cache lacks
// something (fills the cache for the suite's offline installs).
if (process.argv[1] === import.meta.filename && process.argv.includes("--warm")) {
  const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-consumer-warm-"))
  try {
    const tarballs = await pack(scratch)
    // A refused install caches nothing of its own (its packages are the other projects').
    const installed = Object.keys(projects).filter((name) => !projects[name].refused)
    for (const name of installed) {
      // Offline first: a warm cache costs one quick install per project and no network.
      try {
        await install(name, tarballs, { offline: true, parent: scratch })
      } catch {
        await install(name, tarballs, { offline: false, parent: scratch })
      }
    }
    console.log(`consumer projects cached: ${installed.join(", ")}`)
  } finally {
    Fs.rmSync(scratch, { recursive: true, force: true })
  }
}
