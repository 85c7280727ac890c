#!/usr/bin/env node
// Bundles the CLI and the facade into ESM files under packages/node/dist/bundle/ (run after `tsc -b`). Module
// loading, not work, dominates a cold start (../shared/FINDINGS.md): one bundle loads several times faster than the
// same modules unbundled. Code splitting keeps the Effect machinery in chunks that load only when needed: the CLI's
// fast path and the facade's startup path import neither the full CLI nor the ManagedRuntime.
//
// Outputs:
//   dist/bundle/cli.js        what bin/codex-auth.js runs (falls back to dist/bin/codex-auth.js when absent)
//   dist/bundle/CodexAuth.js  the facade; dist/CodexAuth.js (tsc's output) is replaced by a re-export of it, so
//                             `@codex-auth/node/CodexAuth` loads the bundle (types stay tsc's dist/CodexAuth.d.ts)
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const node = Path.join(root, "packages/node")
const outdir = Path.join(node, "dist/bundle")

Fs.rmSync(outdir, { recursive: true, force: true })
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    cli: Path.join(node, "src/bin/codex-auth.ts"),
    CodexAuth: Path.join(node, "src/CodexAuth.ts")
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  // Workspace packages from source (their `source` export condition), like vitest.
  conditions: ["source"],
  // Native or heavyweight optional modules stay external, loaded from node_modules when a command needs them.
  external: ["koffi", "@napi-rs/keyring", "playwright-core", "@codex-auth/postgres", "@codex-auth/postgres/*"],
  // Some CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import{createRequire as __cjsRequire}from\"node:module\";const require=__cjsRequire(import.meta.url);"
  },
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "none",
  metafile: true,
  logLevel: "warning"
})

const stub = Path.join(node, "dist/CodexAuth.js")
Fs.writeFileSync(
  stub,
  "// Written by scripts/bundle.mjs: the facade, bundled (source: src/CodexAuth.ts).\nexport * from \"./bundle/CodexAuth.js\"\n"
)

const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith(".js"))
  .map(([file, output]) => `${Path.relative(node, Path.join(root, file))} ${(output.bytes / 1024).toFixed(0)} KiB`)
console.log(`bundle: ${sizes.length} files\n  ${sizes.join("\n  ")}`)
