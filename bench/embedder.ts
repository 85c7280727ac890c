// Embedder cold start and footprint. (1) A process that imports the Promise facade and gets its first token from a
// valid auth.json, beside `node -e 0` — run from dist (unbundled) and from one esbuild bundle. (2) min+gzip size of
// that minimal embedder (facade, file store, refresh). Target: ≤ 2× bare Node. (3) The Effect API (`NodeSession.layer`
// + getToken, issue 17: ≤ 3× bare Node from the package): from dist as an Effect user imports it, an Effect user's own
// bundle of it (one file, minified, with code splitting), and what Effect itself costs to load (breakdown rows).
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import { authJsonText, fmt, machine, measureProcess, repoRoot, table, tempCodexHome, writeAuthJson } from "./support.ts"

const runs = Number(process.env["BENCH_RUNS"] ?? 10)
const outdir = Path.join(repoRoot, "node_modules/.cache/codex-auth-bench/embedder")

const embedderSource = `
import * as CodexAuth from "@codex-auth/node/CodexAuth"
const auth = await CodexAuth.open({ codexHome: process.env.CODEX_HOME, issuer: process.env.ISSUER, loginOnDemand: false })
const token = await auth.getToken()
if (token.length < 20) throw new Error("no token")
await auth.close()
`

// The same through the Effect API (NodeSession.layer), for comparison.
const effectSource = `
import * as Session from "@codex-auth/core/Session"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as Effect from "effect/Effect"
const token = await Effect.runPromise(Effect.flatMap(Session.Session, (s) => s.getToken).pipe(
  Effect.scoped, Effect.provide(NodeSession.layer({ profile: { issuer: process.env.ISSUER } }))))
if (String(token).length === 0) throw new Error("no token")
`

// Breakdown: what an Effect user pays before our code runs (effect/Schema imports fast-check's ~220 modules).
const effectOnly = `import * as E from "effect/Effect"; E.runSync(E.succeed(1))`
const schemaOnly = `import * as S from "effect/Schema"; S.decodeUnknownSync(S.String)("a")`

const main = async () => {
  Fs.mkdirSync(outdir, { recursive: true })
  Fs.writeFileSync(Path.join(outdir, "effect-only.mjs"), effectOnly)
  Fs.writeFileSync(Path.join(outdir, "schema-only.mjs"), schemaOnly)
  const entries = { facade: embedderSource, effect: effectSource }
  const files: Record<string, { plain: string; bundle: string; minified: string; split: string }> = {}
  for (const [name, source] of Object.entries(entries)) {
    const plain = Path.join(outdir, `${name}.mjs`)
    Fs.writeFileSync(plain, source)
    const bundle = Path.join(outdir, `${name}.bundle.mjs`)
    const minified = Path.join(outdir, `${name}.min.mjs`)
    const common = {
      entryPoints: [plain],
      bundle: true,
      platform: "node" as const,
      format: "esm" as const,
      target: "node20",
      external: ["koffi", "@napi-rs/keyring"],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: "error" as const
    }
    await esbuild.build({ ...common, outfile: bundle })
    await esbuild.build({ ...common, outfile: minified, minify: true })
    // An embedder's own bundle with code splitting: what loads lazily in the package stays lazy (a separate chunk).
    const splitDir = Path.join(outdir, `${name}.split`)
    await esbuild.build({ ...common, outdir: splitDir, splitting: true, minify: true, entryNames: "[name]" })
    files[name] = { plain, bundle, minified, split: Path.join(splitDir, `${name}.js`) }
  }

  const emulator = await startEmulatorPromise()
  const home = tempCodexHome()
  try {
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: 3600 })
    writeAuthJson(home.path, authJsonText(minted, emulator.url))
    const url = emulator.url
    await emulator.close() // a valid token needs no issuer: nothing shares the cores with the measurement
    const env = { CODEX_HOME: home.path, ISSUER: url }
    const rows: Array<Array<string>> = []
    const node = await measureProcess(process.execPath, ["-e", "0"], env, runs)
    const add = async (name: string, file: string) => {
      const result = await measureProcess(process.execPath, [file], env, runs)
      rows.push([
        name,
        fmt(result.wall, 1),
        fmt(result.p90, 1),
        fmt(result.rss, 1),
        `${fmt(result.wall / node.wall, 2)}×`,
        result.last.status === 0 ? "" : `exit ${result.last.status}: ${result.last.stderr.slice(0, 120)}`
      ])
    }
    rows.push(["node -e 0", fmt(node.wall, 1), fmt(node.p90, 1), fmt(node.rss, 1), "1×", ""])
    await add("facade from dist: import + open + first getToken", files["facade"]!.plain)
    await add("facade, one esbuild bundle", files["facade"]!.bundle)
    await add("facade, one minified bundle", files["facade"]!.minified)
    await add("facade, esbuild bundle with code splitting (minified)", files["facade"]!.split)
    await add("Effect API from dist: NodeSession.layer + getToken", files["effect"]!.plain)
    await add("Effect API, one esbuild bundle", files["effect"]!.bundle)
    await add("Effect API, one minified bundle", files["effect"]!.minified)
    await add("Effect API, esbuild bundle with code splitting (minified)", files["effect"]!.split)
    await add("breakdown: node, import effect/Effect + run one effect", Path.join(outdir, "effect-only.mjs"))
    await add("breakdown: node, import effect/Schema + decode", Path.join(outdir, "schema-only.mjs"))
    table(
      `Embedder cold start (valid auth.json), median of ${runs} — ${machine()}, NODE_EXTRA_CA_CERTS=${
        process.env["NODE_EXTRA_CA_CERTS"] ?? "(unset)"
      }`,
      ["program", "wall ms (median)", "wall ms (p90)", "peak RSS MiB", "× node -e 0", "note"],
      rows
    )
    console.log("\nTargets: the facade ≤ 2× bare Node; the Effect API ≤ 3× bare Node (issue 17).")

    const sizes = Object.entries(files).map(([name, f]) => {
      const min = Fs.readFileSync(f.minified)
      return [
        name === "facade"
          ? "facade + file store + refresh (CodexAuth.open/getToken)"
          : "Effect API (NodeSession.layer/getToken)",
        fmt(Fs.statSync(f.bundle).size / 1024, 0),
        fmt(min.length / 1024, 0),
        fmt(Zlib.gzipSync(min, { level: 9 }).length / 1024, 0)
      ]
    })
    table(
      "Minimal embedder bundle (esbuild, koffi external)",
      ["entry", "bundle KiB", "minified KiB", "min+gzip KiB"],
      sizes
    )
  } finally {
    home.cleanup()
  }
}

await main()
// Leftover handles (keep-alive sockets, a child's pipe) must not keep a finished benchmark alive.
process.exit(0)
