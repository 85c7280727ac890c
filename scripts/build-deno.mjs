#!/usr/bin/env node
// Builds @codex-auth/deno's npm entries into packages/deno/dist/ (run by scripts/bundle.mjs after `tsc -b`). Deno
// refuses to strip types from a module under node_modules (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING), so what npm
// ships is JavaScript with declarations beside it; the repository's own Deno runs (tests, `packages/deno/cli.ts`)
// and JSR keep loading the TypeScript sources.
//
// Each module on its own, with no type checker (the package's code uses the `Deno` namespace, which this repository's
// tsc does not know): esbuild strips the types and `ts.transpileDeclaration` writes the declarations from the explicit
// types on every exported symbol — the same rule as JSR's "no slow types", so a missing annotation fails here too.
// Relative `./X.ts` imports become `./X.js` in both, and each `.js` names its declarations (`@ts-self-types`).
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import ts from "typescript"

const root = Path.resolve(import.meta.dirname, "..")
const deno = Path.join(root, "packages/deno")
const dist = Path.join(deno, "dist")

const modules = [
  "mod.ts",
  "cli.ts",
  ...Fs.readdirSync(Path.join(deno, "src"), { recursive: true, encoding: "utf8" }).map((file) => `src/${file}`)
].filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !/\.test\.ts$/.test(file)).sort()

// `from "./X.ts"`, `import("./X.ts")`, `import "./X.ts"` → `.js` (relative specifiers only).
const relativeTs = /((?:from|import)\s*\(?\s*["'])(\.\.?\/[^"']*?)\.ts(["'])/g

Fs.rmSync(dist, { recursive: true, force: true })
const problems = []
for (const module of modules) {
  const source = Fs.readFileSync(Path.join(deno, module), "utf8")
  const out = Path.join(dist, module.slice(0, -3))
  Fs.mkdirSync(Path.dirname(out), { recursive: true })

  const declarations = ts.transpileDeclaration(source, {
    fileName: module,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, strict: true }
  })
  for (const diagnostic of declarations.diagnostics ?? []) {
    const at = diagnostic.file && diagnostic.start !== undefined
      ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      : undefined
    problems.push(
      `packages/deno/${module}${at ? `:${at.line + 1}:${at.character + 1}` : ""}: ${
        ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
      }`
    )
  }
  Fs.writeFileSync(`${out}.d.ts`, declarations.outputText.replace(relativeTs, "$1$2.js$3"))

  const { code } = await esbuild.transform(source, {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcefile: module
  })
  const js = code.replace(relativeTs, "$1$2.js$3")
  const selfTypes = `/* @ts-self-types="./${Path.basename(out)}.d.ts" */`
  // A shebang stays on the first line.
  Fs.writeFileSync(
    `${out}.js`,
    js.startsWith("#!") ? js.replace(/^(#![^\n]*\n)/, `$1${selfTypes}\n`) : `${selfTypes}\n${js}`
  )
}
if (problems.length > 0) {
  console.error(`packages/deno: exported symbols need explicit types (JSR's "no slow types"):\n${problems.join("\n")}`)
  process.exit(1)
}
console.log(`deno: ${modules.length} modules to packages/deno/dist (JavaScript and declarations)`)
