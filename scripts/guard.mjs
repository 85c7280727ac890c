#!/usr/bin/env node
// Writes the guarded entries of the Effect API (run after `tsc -b` and scripts/bundle.mjs): for each public module of
// a package whose `effect` peer is optional (scripts/exports.mjs `isGuarded`), `dist/entry/X.js` — what the export
// map's `default` names — loads `dist/X.js` with a dynamic import and re-exports its bindings.
//
// Why: the peer range admits Effect 4 only so that a project on it can install the facade and the CLI (which bundle
// their own Effect). The Effect API itself runs on Effect 3, and on Effect 4 its static import graph fails while
// Node links it (`Cannot find module '…/effect/dist/Either.js'`), before any module evaluates, so no check inside
// that graph can speak first. An entry whose only static import is `./guard.js` (which imports nothing of Effect's)
// evaluates before the graph is linked, and turns that failure into one that names the supported range, the
// installed `effect` and what to do (`ERR_CODEX_AUTH_EFFECT_VERSION`); any other failure passes through unchanged.
// Declarations stay tsc's `dist/X.d.ts` (the export map's `types`; `@ts-self-types` for Deno).
import * as Fs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { exportMap, isGuarded, published, root } from "./exports.mjs"

/** The first alternative of a peer range: the supported one (`^3.22.4 || ^4.0.0` → `^3.22.4`). */
const supported = (range) => range?.split("||")[0].trim()

const guardModule = (pkg) => {
  const effect = supported(pkg.peerDependencies.effect)
  const platform = supported(pkg.peerDependencies["@effect/platform"])
  const requirement = platform === undefined
    ? `effect@"${effect}"`
    : `effect@"${effect}" and @effect/platform@"${platform}"`
  return `// Written by scripts/guard.mjs: loads a module of ${pkg.name}'s Effect API, turning a failure to link it
// against the project's \`effect\` (Effect 4, or none) into one that names the supported range.
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const requirement = ${JSON.stringify(requirement)}

// Node: ERR_MODULE_NOT_FOUND for a module under effect/ or @effect/*, or a missing named export of one of them.
const isEffectLinkFailure = (error) => {
  const message = String(error?.message ?? "")
  return (error?.code === "ERR_MODULE_NOT_FOUND" && /[/\\\\'"]@?effect(?:[/\\\\'"]|$)/.test(message)) ||
    (error instanceof SyntaxError && /requested module '(?:effect|@effect\\/[^']+)(?:\\/[^']*)?'/.test(message))
}

// The effect this package resolves: its version and place, or undefined when there is none.
const installedEffect = () => {
  try {
    let dir = Path.dirname(fileURLToPath(import.meta.resolve("effect")))
    for (;;) {
      const file = Path.join(dir, "package.json")
      if (Fs.existsSync(file)) {
        const pkg = JSON.parse(Fs.readFileSync(file, "utf8"))
        if (pkg.name === "effect") return { version: pkg.version, dir }
      }
      const parent = Path.dirname(dir)
      if (parent === dir) return undefined
      dir = parent
    }
  } catch {
    return undefined
  }
}

export const load = async (importModule, specifier) => {
  try {
    return await importModule()
  } catch (cause) {
    if (!isEffectLinkFailure(cause)) throw cause
    const found = installedEffect()
    const has = found === undefined ? "this project has no \`effect\`" : \`this project's effect is \${found.version} (\${found.dir})\`
    const error = new Error(
      \`\${specifier} is codex-auth's Effect API, which runs on \${requirement}, and \${has}. \` +
        \`Install \${requirement} for it, or use the Promise facade (@codex-auth/node/CodexAuth) or the codex-auth \` +
        "command, which bring their own Effect and run beside any version of it.",
      { cause }
    )
    error.code = "ERR_CODEX_AUTH_EFFECT_VERSION"
    throw error
  }
}
`
}

const manifest = (name) => JSON.parse(Fs.readFileSync(Path.join(root, "packages", name, "package.json"), "utf8"))

// Every guarded module, once: its package, the specifier a user imports and the built module behind it.
const guarded = published().filter(isGuarded).flatMap((name) => {
  const pkg = manifest(name)
  return Object.entries(exportMap(name)).flatMap(([key, target]) => {
    const module = typeof target?.default === "string" && target.default.match(/^\.\/dist\/entry\/(.+)\.js$/)?.[1]
    return module ? [{ name, pkg, module, specifier: key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}` }] : []
  })
})

// Our packages' imports of each other skip the entries: `@codex-auth/core/Session` in a guarded package's built
// JavaScript becomes `@codex-auth/core/dist/Session.js` (the export map's `./dist/*.js`). The entry a user imports
// first has already turned a link failure into the message; the rest would only add a module job each. Done first,
// so that reading a module's bindings below loads no entry (in whatever order the packages come).
const entryOf = new Map(guarded.map((entry) => [entry.specifier, `${entry.pkg.name}/dist/${entry.module}.js`]))
const bare = /((?:\bfrom|\bimport)\s*\(?\s*["'])(@codex-auth\/[^"']+)(["'])/g
let rewritten = 0
// And @codex-auth/deno's (scripts/build-deno.mjs): its `effect` peer is required Effect 3, so it has nothing to guard.
for (const name of [...published().filter(isGuarded), "deno"]) {
  const dist = Path.join(root, "packages", name, "dist")
  if (!Fs.existsSync(dist)) continue
  for (const file of Fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".js") || file.startsWith("entry") || file.startsWith("bundle")) continue
    const path = Path.join(dist, file)
    const text = Fs.readFileSync(path, "utf8")
    const fixed = text.replace(
      bare,
      (whole, before, specifier, after) => entryOf.has(specifier) ? `${before}${entryOf.get(specifier)}${after}` : whole
    )
    if (fixed !== text) {
      Fs.writeFileSync(path, fixed)
      rewritten++
    }
  }
}

let written = 0
for (const name of published().filter(isGuarded)) {
  const entries = Path.join(root, "packages", name, "dist/entry")
  Fs.rmSync(entries, { recursive: true, force: true })
  Fs.mkdirSync(entries, { recursive: true })
  Fs.writeFileSync(Path.join(entries, "guard.js"), guardModule(manifest(name)))
}
for (const { module, name, specifier } of guarded) {
  const dir = Path.join(root, "packages", name)
  // The bindings are read from the built module itself (the workspace's effect is Effect 3).
  const names = Object.keys(await import(pathToFileURL(Path.join(dir, `dist/${module}.js`)).href))
  const bindings = names.length === 0 ? "export {}" : `export const { ${names.join(", ")} } = $module`
  Fs.writeFileSync(
    Path.join(dir, "dist/entry", `${module}.js`),
    `/* @ts-self-types="../${module}.d.ts" */ // Written by scripts/guard.mjs (why: there).\n` +
      `import { load as $load } from "./guard.js"\n` +
      `const $module = await $load(() => import("../${module}.js"), ${JSON.stringify(specifier)})\n` +
      `${bindings}\n`
  )
  written++
}
console.log(`guard: ${written} entries; ${rewritten} built files import the other packages past them`)
