#!/usr/bin/env node
// Each published package's `exports` lists its public modules one by one — every top-level `src/X.ts` — with the
// `source` condition the tests and Deno resolve through, `types` and `default`; internal/ loads nothing (`default:
// null`, no `source`) and keeps only its declarations reachable, which tsc needs to name an internal type that a
// public one inlines in another package's declarations (`CodexConfig.Policy` is `internal/codexConfigPlain`'s). And
// its dependencies name exactly the packages its sources import (so a presenter install pulls no @effect/cli).
//
//   node scripts/exports.mjs          rewrites every package.json's `exports` from its src/ (after adding, moving or
//                                     removing a public module) and prints what the imports and the dependencies
//                                     disagree on
//   node scripts/exports.mjs --check  changes nothing; exits 1 when an export map is stale or a dependency is off
//
// test/packages/exports.test.ts runs the check.
import * as Fs from "node:fs"
import * as Path from "node:path"

export const root = Path.resolve(import.meta.dirname, "..")

/** The packages npm publishes. */
export const published = () =>
  Fs.readdirSync(Path.join(root, "packages"))
    .filter((name) => Fs.existsSync(Path.join(root, "packages", name, "package.json")))
    .filter((name) => !JSON.parse(Fs.readFileSync(Path.join(root, "packages", name, "package.json"), "utf8")).private)
    .sort()

/**
 * The modules whose JavaScript loads no `effect` of the embedder's: scripts/bundle.mjs replaces them by re-exports of
 * the bundles, which carry their own Effect.
 */
export const bundled = { node: ["CodexAuth", "CodexAuthPool", "FacadeErrors"] }

/**
 * Whether packages/<name>'s public modules load through scripts/guard.mjs's entries (`dist/entry/X.js`): those of a
 * package whose `effect` peer is optional (admitted beside Effect 4 for the facade's and the CLI's sake), so that an
 * Effect API import on an unsupported `effect` fails with a message naming the supported range.
 */
export const isGuarded = (name) => {
  const pkg = JSON.parse(Fs.readFileSync(Path.join(root, "packages", name, "package.json"), "utf8"))
  return pkg.peerDependencies?.effect !== undefined && pkg.peerDependenciesMeta?.effect?.optional === true
}

// Deno (its `deno` condition) loads the module itself: @codex-auth/deno requires Effect 3, and an entry costs Deno's
// startup path ~28 ms (66 → 39 ms for `deno run cli.ts status`, bench/denostart.ts).
const entry = (module, guarded) =>
  guarded
    ? {
      source: `./src/${module}.ts`,
      types: `./dist/${module}.d.ts`,
      deno: `./dist/${module}.js`,
      default: `./dist/entry/${module}.js`
    }
    : { source: `./src/${module}.ts`, types: `./dist/${module}.d.ts`, default: `./dist/${module}.js` }

/**
 * packages/deno's: the entries its deno.json gives JSR (`./mod.ts`, `./cli.ts`), as scripts/build-deno.mjs's
 * JavaScript and declarations (Deno strips no types under node_modules), so npm and JSR offer the same entries.
 */
const denoExportMap = () => {
  const denoJson = JSON.parse(Fs.readFileSync(Path.join(root, "packages/deno/deno.json"), "utf8"))
  const map = {}
  for (const [key, source] of Object.entries(denoJson.exports)) {
    const built = source.replace(/^\.\//, "./dist/").replace(/\.ts$/, "")
    map[key] = { types: `${built}.d.ts`, default: `${built}.js` }
  }
  map["./package.json"] = "./package.json"
  return map
}

/** The export map of packages/<name>: `.` (index.ts), each public module, internal/'s declarations, package.json. */
export const exportMap = (name) => {
  if (name === "deno") return denoExportMap()
  const src = Path.join(root, "packages", name, "src")
  const modules = Fs.readdirSync(src)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => file.slice(0, -3))
    .sort()
  const map = {}
  const guarded = (module) => isGuarded(name) && !(bundled[name] ?? []).includes(module)
  if (modules.includes("index")) map["."] = entry("index", guarded("index"))
  for (const module of modules) if (module !== "index") map[`./${module}`] = entry(module, guarded(module))
  if (Fs.existsSync(Path.join(src, "internal"))) {
    map["./internal/*"] = { types: "./dist/internal/*.d.ts", default: null }
  }
  // Our packages' own imports of each other (scripts/guard.mjs rewrites them to this): past the guarded entries, whose
  // top-level await costs every import a module job of its own.
  if (isGuarded(name)) map["./dist/*.js"] = "./dist/*.js"
  map["./package.json"] = "./package.json"
  return map
}

const sources = (dir) =>
  Fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => Path.join(dir, file))

// Static imports and re-exports (`from "x"`), side-effect imports (`import "x"`), dynamic `import("x")` and
// `createRequire(import.meta.url)("x")`.
const specifiers =
  /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+|\brequire\(\s*|createRequire\(import\.meta\.url\)\(\s*)["']([^"'./][^"']*)["']/gm

/**
 * Declared without an import in the package's own sources, on purpose: node's facade and CLI bundles
 * (scripts/bundle.mjs) carry @codex-auth/keyring's code but load its native binding, kept external, from
 * @codex-auth/node's place; @effect/sql-pg needs @effect/experimental and @effect/platform installed beside it.
 */
const declaredForOthers = {
  // @codex-auth/broker depends on node, so node's CLI loads it at run time by a computed specifier (no cycle).
  node: ["@napi-rs/keyring", "@codex-auth/broker"],
  // Deno's platform loads the PostgreSQL store by a computed specifier (Deno would link a literal import's graph early).
  deno: ["@codex-auth/postgres"],
  postgres: ["@effect/experimental", "@effect/platform"]
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`). */
const packageOf = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")

/** What packages/<name>'s sources import, against what its package.json declares. */
export const dependencyReport = (name) => {
  const dir = Path.join(root, "packages", name)
  const pkg = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8"))
  const imported = new Set()
  // packages/deno's entries (mod.ts, cli.ts) sit beside src/.
  const entries = Fs.readdirSync(dir).filter((file) => file.endsWith(".ts")).map((file) => Path.join(dir, file))
  for (const file of [...sources(Path.join(dir, "src")), ...entries]) {
    // Comments name modules too (`@codex-auth/facade/Facade` in prose): only code counts.
    const code = Fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    for (const [, specifier] of code.matchAll(specifiers)) {
      if (!specifier.startsWith("node:")) imported.add(packageOf(specifier))
    }
  }
  imported.delete(pkg.name)
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {})
  ])
  return {
    missing: [...imported].filter((dep) => !declared.has(dep)).sort(),
    unused: [...declared].filter((dep) => !imported.has(dep) && !(declaredForOthers[name] ?? []).includes(dep)).sort()
  }
}

if (process.argv[1] === import.meta.filename) {
  const check = process.argv.includes("--check")
  const problems = []
  for (const name of published()) {
    const path = Path.join(root, "packages", name, "package.json")
    const pkg = JSON.parse(Fs.readFileSync(path, "utf8"))
    const map = exportMap(name)
    if (JSON.stringify(pkg.exports) !== JSON.stringify(map)) {
      if (check) problems.push(`${name}: exports differ from src/ (run node scripts/exports.mjs)`)
      else Fs.writeFileSync(path, JSON.stringify({ ...pkg, exports: map }, null, 2) + "\n")
    }
    const { missing, unused } = dependencyReport(name)
    if (missing.length > 0) problems.push(`${name}: imports ${missing.join(", ")} without declaring it`)
    if (unused.length > 0) problems.push(`${name}: declares ${unused.join(", ")} but never imports it`)
  }
  for (const problem of problems) console.error(problem)
  process.exitCode = problems.length > 0 ? 1 : 0
}
