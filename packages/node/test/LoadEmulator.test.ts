// The CLI's `emulator` command and the demo load @codex-auth/emulator (an optional peer) on demand: present, they get
// its modules; absent, or missing one of its own peers, a typed error names the package to install. The errors are
// Node's own, from real imports in a child process over real folders.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { EmulatorNotInstalled, loadEmulator, missingPackage } from "../src/internal/cli/loadEmulator.ts"

/** What `import(specifier)` rejects with in a fresh Node process whose working directory is `cwd`. */
const importError = (cwd: string, specifier: string): { code?: string; message: string } => {
  const probe = `import(${JSON.stringify(specifier)}).then(() => process.stdout.write("{}"), (e) => ` +
    `process.stdout.write(JSON.stringify({ code: e.code, message: e.message })))`
  const output = ChildProcess.execFileSync(process.execPath, ["--input-type=module", "-e", probe], {
    cwd,
    encoding: "utf8"
  })
  return JSON.parse(output)
}

const tempProject = (files: Record<string, string>): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-load-emulator-"))
  for (const [file, text] of Object.entries(files)) {
    Fs.mkdirSync(Path.dirname(Path.join(dir, file)), { recursive: true })
    Fs.writeFileSync(Path.join(dir, file), text)
  }
  return dir
}

describe("loading the optional emulator", () => {
  it.effect("in the workspace it loads the emulator's modules", () =>
    Effect.gen(function*() {
      const { Emulator, NodeEmulator } = yield* loadEmulator
      assert.isFunction(NodeEmulator.serve)
      assert.isFunction(Emulator.user)
    }))

  it("not installed: the package to install is the emulator", () => {
    const project = tempProject({ "package.json": "{\"type\":\"module\"}" })
    try {
      const error = importError(project, "@codex-auth/emulator/node")
      assert.strictEqual(missingPackage(error), "@codex-auth/emulator")
      const failure = new EmulatorNotInstalled({ missing: missingPackage(error)! })
      assert.strictEqual(
        failure.message,
        "install @codex-auth/emulator to run the emulator (npm install --save-dev @codex-auth/emulator@0.1.0)"
      )
    } finally {
      Fs.rmSync(project, { recursive: true, force: true })
    }
  })

  it("installed without its peer effect: the package to install is effect, not the emulator", () => {
    const project = tempProject({
      "package.json": "{\"type\":\"module\"}",
      "node_modules/@codex-auth/emulator/package.json": JSON.stringify({
        name: "@codex-auth/emulator",
        type: "module",
        exports: { "./node": "./node.js" }
      }),
      "node_modules/@codex-auth/emulator/node.js": "import * as Effect from \"effect/Effect\"\nexport { Effect }\n"
    })
    try {
      const error = importError(project, "@codex-auth/emulator/node")
      // Node names the importing file, inside the emulator's folder: that must not read as the emulator missing.
      assert.include(error.message, "@codex-auth/emulator")
      assert.strictEqual(missingPackage(error), "effect")
      assert.match(
        new EmulatorNotInstalled({ missing: "effect" }).message,
        /^install effect to run the emulator: @codex-auth\/emulator needs it as a peer dependency \(npm install --save-dev effect\)$/
      )
    } finally {
      Fs.rmSync(project, { recursive: true, force: true })
    }
  })

  it("any other failure is not a missing package (the command dies with it instead)", () => {
    const project = tempProject({ "package.json": "{\"type\":\"module\"}", "broken.js": "export const = 1\n" })
    try {
      const error = importError(project, "./broken.js")
      assert.isUndefined(missingPackage(error))
      assert.isUndefined(missingPackage(importError(project, "./absent.js")))
      assert.isUndefined(missingPackage(new Error("Cannot find package 'effect'")))
    } finally {
      Fs.rmSync(project, { recursive: true, force: true })
    }
  })
})
