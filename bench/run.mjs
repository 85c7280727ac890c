// `npm run bench`: bundles each benchmark's TypeScript with esbuild (packages stay external, so they run against the
// built dist/ of every workspace package) and runs it in its own Node process. `npm run bench -- warm coldstart`
// runs a subset. Build first (`npm run build`). Figures only; nothing here is a test.
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(Path.dirname(new globalThis.URL(import.meta.url).pathname), "..")
const all = [
  "warm",
  "singleflight",
  "multiprocess",
  "fleet",
  "broker",
  "coldstart",
  "coldrefresh",
  "denostart",
  "embedder",
  "footprint"
]
const chosen = process.argv.slice(2).filter((name) => !name.startsWith("-"))
const names = chosen.length === 0 ? all : chosen
const outdir = Path.join(root, "node_modules/.cache/codex-auth-bench")

if (!Fs.existsSync(Path.join(root, "packages/node/dist/NodeSession.js"))) {
  console.error("Build first: npm run build")
  process.exit(1)
}
let failed = 0
for (const name of names) {
  const entry = Path.join(root, "bench", `${name}.ts`)
  if (!Fs.existsSync(entry)) {
    console.error(`no benchmark named ${name} (have: ${all.join(", ")})`)
    process.exit(2)
  }
  const outfile = Path.join(outdir, `${name}.mjs`)
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "error"
  })
  console.log(`\n## ${name}`)
  const result = spawnSync(process.execPath, ["--expose-gc", outfile], { cwd: root, stdio: "inherit" })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
