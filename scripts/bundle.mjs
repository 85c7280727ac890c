#!/usr/bin/env node
// Bundles the CLI and the facade into ESM files under packages/node/dist/bundle/ (run after `tsc -b`). Module
// loading, not work, dominates a cold start (../shared/FINDINGS.md): one bundle loads several times faster than the
// same modules unbundled. Code splitting keeps the Effect machinery in chunks that load only when needed: the CLI's
// fast path and the facade's startup path import neither the full CLI nor the ManagedRuntime.
//
// Outputs:
//   dist/bundle/cli.js        what bin/codex-auth.js runs (falls back to dist/bin/codex-auth.js when absent)
//   dist/bundle/refresh.cjs   the engine of a `token` / `headers` whose startup path found the token stale and holds
//                             auth.lock for it (src/internal/cli/refresh.ts): one file with all it needs (Effect, the
//                             session, the HTTP client) and nothing it does not (not the full CLI's parser), since
//                             the ESM loader's cost grows with every chunk a cold start loads. CommonJS, so that it
//                             loads through V8's code cache (Node 20 has none for ES modules)
//   dist/bundle/fast-refresh.cjs  the startup path's own refresh (src/internal/fast/refresh.ts), which sends that
//                             grant without the Effect runtime and hands anything but a clean 2xx to the engine: the
//                             few core functions it shares with the session, and nothing else
//   dist/bundle/refresh.js    what cli.js imports for that refresh: the loader of both, through V8's code cache
//                             (src/internal/cli/refreshBundle.ts)
//   dist/bundle/CodexAuth.js  the facade; dist/CodexAuth.js (tsc's output) is replaced by a re-export of it, so
//                             `@codex-auth/node/CodexAuth` loads the bundle (types stay tsc's dist/CodexAuth.d.ts)
//   dist/bundle/CodexAuthPool.js, dist/bundle/FacadeErrors.js   the same for the pool facade and the facade's error
//                             classes: what the facades reject with is `instanceof` the classes `FacadeErrors` exports
//                             (one copy, shared chunks), and none of them loads the embedder's `effect` (a peer
//                             dependency an embedder may have at another major version, or not at all)
//
// Then every published `.d.ts` of core, accounts, adapters, emulator and node gets its relative imports as `.js`: tsc keeps the source's
// `./X.ts` in declarations (rewriteRelativeImportExtensions rewrites only the JavaScript), which a consumer's tsc
// (node16, nodenext, bundler) and `deno check` cannot resolve beside `X.d.ts`.
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const node = Path.join(root, "packages/node")
const outdir = Path.join(node, "dist/bundle")

// What every build shares.
const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  // Workspace packages from source (their `source` export condition), like vitest.
  conditions: ["source"],
  // Native or heavyweight optional modules stay external, loaded from node_modules when a command needs them (the
  // emulator is an optional peer: `codex-auth emulator` loads it from node_modules, or says to install it).
  external: [
    "koffi",
    "@napi-rs/keyring",
    "playwright-core",
    "@codex-auth/postgres",
    "@codex-auth/postgres/*",
    "@codex-auth/emulator",
    "@codex-auth/emulator/*"
  ],
  // Some CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import{createRequire as __cjsRequire}from\"node:module\";const require=__cjsRequire(import.meta.url);"
  },
  legalComments: "none",
  metafile: true,
  logLevel: "warning"
}

const refreshSource = Path.join(node, "src/internal/cli/refresh.ts")
const fastRefreshSource = Path.join(node, "src/internal/fast/refresh.ts")
// cli.js imports the refresh engine and the startup path's own refresh as refresh.js, the loader (an entry of this
// build) of the files built below.
const refreshApart = {
  name: "refresh-apart",
  setup(build) {
    build.onResolve(
      { filter: /\/internal\/(cli|fast)\/refresh\.ts$/ },
      (args) =>
        [refreshSource, fastRefreshSource].includes(Path.resolve(args.resolveDir, args.path))
          ? { path: "./refresh.js", external: true }
          : undefined
    )
  }
}

// `undici` → the part of it the HTTP client uses (scripts/undici-slim.mjs), for every bundle.
const undiciSlim = {
  name: "undici-slim",
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: Path.join(root, "scripts/undici-slim.mjs") }))
  }
}
common.plugins = [undiciSlim]

Fs.rmSync(outdir, { recursive: true, force: true })
const result = await esbuild.build({
  ...common,
  entryPoints: {
    cli: Path.join(node, "src/bin/codex-auth.ts"),
    CodexAuth: Path.join(node, "src/CodexAuth.ts"),
    CodexAuthPool: Path.join(node, "src/CodexAuthPool.ts"),
    FacadeErrors: Path.join(node, "src/FacadeErrors.ts"),
    refresh: Path.join(node, "src/internal/cli/refreshBundle.ts")
  },
  outdir,
  splitting: true,
  plugins: [...common.plugins, refreshApart],
  chunkNames: "chunks/[name]-[hash]"
})
// No splitting: the modules the engine imports lazily are in the same file, evaluated when first imported. CommonJS,
// run by the loader as Node runs a CommonJS module (`vm.Script` in the module wrapper): `import.meta.url` becomes the
// file's URL, and a dynamic `import()` of an external module becomes `require()` (a `vm.Script` has no ES module
// loader of its own) — which only a CommonJS package answers, as the check below makes sure.
// The startup path hands the engine only refreshes of the file store (`CliFastPath.fileStoreByDefault`), so the
// platform's PostgreSQL store (an ES module package, loaded on demand) is a stand-in here that says so if reached.
const fileStoreOnly = {
  name: "file-store-only",
  setup(build) {
    build.onResolve({ filter: /^@codex-auth\/postgres(\/|$)/ }, (args) => ({ path: args.path, namespace: "absent" }))
    build.onLoad({ filter: /.*/, namespace: "absent" }, (args) => ({
      contents: `export const layerConfig = () => { throw new Error(${
        JSON.stringify(
          `${args.path} is not part of the cold-refresh engine (dist/bundle/refresh.cjs), which serves the file ` +
            "store only: run the full CLI (CODEX_AUTH_NO_FAST_PATH=1)"
        )
      }) }`,
      loader: "js"
    }))
  }
}
const refresh = await esbuild.build({
  ...common,
  plugins: [...common.plugins, fileStoreOnly],
  format: "cjs",
  supported: { "dynamic-import": false },
  define: { "import.meta.url": "__codexAuthModuleUrl" },
  banner: { js: "var __codexAuthModuleUrl=require(\"node:url\").pathToFileURL(__filename).href;" },
  entryPoints: { refresh: refreshSource, "fast-refresh": fastRefreshSource },
  outExtension: { ".js": ".cjs" },
  outdir
})
for (const file of ["refresh.cjs", "fast-refresh.cjs"]) {
  if (Fs.readFileSync(Path.join(outdir, file), "utf8").includes(`require("@codex-auth/`)) {
    throw new Error(`dist/bundle/${file} requires one of our ES modules: keep it out of the refresh bundles`)
  }
}

for (const entry of ["CodexAuth", "CodexAuthPool", "FacadeErrors"]) {
  Fs.writeFileSync(
    Path.join(node, `dist/${entry}.js`),
    `// Written by scripts/bundle.mjs: bundled (source: src/${entry}.ts).\nexport * from "./bundle/${entry}.js"\n`
  )
}

// `from "./X.ts"`, `import("./X.ts")`, `import "./X.ts"` → `.js` (relative specifiers only; `.d.ts` files only).
const relativeTs = /((?:from|import)\s*\(?\s*["'])(\.\.?\/[^"']*?)\.ts(["'])/g
let rewritten = 0
for (
  const pkg of ["core", "accounts", "adapters", "emulator", "keyring", "facade", "cli", "app-server", "node", "broker"]
) {
  const dist = Path.join(root, "packages", pkg, "dist")
  for (const file of Fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".d.ts")) continue
    const path = Path.join(dist, file)
    const text = Fs.readFileSync(path, "utf8")
    const fixed = text.replace(relativeTs, "$1$2.js$3")
    if (fixed !== text) {
      Fs.writeFileSync(path, fixed)
      rewritten++
    }
  }
}

const sizes = [...Object.entries(result.metafile.outputs), ...Object.entries(refresh.metafile.outputs)]
  .filter(([file]) => file.endsWith(".js"))
  .map(([file, output]) => `${Path.relative(node, Path.join(root, file))} ${(output.bytes / 1024).toFixed(0)} KiB`)
// Deno resolves a workspace package's `./X.js` to the JavaScript file itself (not the `.d.ts` beside it, as tsc and
// Deno's npm resolution do): each `.js` names its declarations, on its first line so that source maps stay aligned.
let selfTyped = 0
for (const pkg of ["core", "accounts", "adapters", "emulator", "keyring", "facade", "cli", "app-server", "node"]) {
  const dist = Path.join(root, "packages", pkg, "dist")
  for (const file of Fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".js") || file.startsWith("bundle")) continue
    const path = Path.join(dist, file)
    const types = `${Path.basename(file, ".js")}.d.ts`
    if (!Fs.existsSync(Path.join(Path.dirname(path), types))) continue
    const text = Fs.readFileSync(path, "utf8")
    if (text.startsWith("/* @ts-self-types=") || text.startsWith("#!")) continue // a bin's shebang stays first
    Fs.writeFileSync(path, `/* @ts-self-types="./${types}" */ ${text}`)
    selfTyped++
  }
}

console.log(
  `bundle: ${sizes.length} files\n  ${
    sizes.join("\n  ")
  }\ndeclarations: ${rewritten} rewritten to .js imports, ${selfTyped} .js files name theirs`
)

// @codex-auth/deno's npm entries: JavaScript and declarations (scripts/build-deno.mjs).
await import("./build-deno.mjs")

// The Effect API's guarded entries, `dist/entry/X.js` (scripts/guard.mjs).
await import("./guard.mjs")
