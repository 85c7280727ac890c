// Issue 14: an Effect API user whose `effect` is not Effect 3 gets a message naming the supported range at first use,
// not a link failure from inside the module graph. The export maps' `default` of a package with an optional `effect`
// peer is scripts/guard.mjs's `dist/entry/X.js`; these tests load the built entries in real Node processes: from the
// workspace (Effect 3: the same bindings as tsc's module), from a project with no effect, and from one whose effect
// has Effect 4's layout (modules Effect 3 has are gone). The consumer suite (test/consumer) does the last with the
// real effect@4 from npm. Build first (npm run build).
import { assert, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const guarded = ["accounts", "adapters", "app-server", "broker", "cli", "core", "emulator", "facade", "keyring", "node"]

const node = (cwd: string, code: string) =>
  ChildProcess.spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    cwd,
    encoding: "utf8",
    timeout: 120_000
  })

/**
 * A project holding copies of our built packages (so that they resolve `effect` from the project, not from the
 * workspace), links to their other dependencies, and `effect` as `setup` leaves it.
 */
const project = (setup: (nodeModules: string) => void) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-guard-"))
  const nodeModules = Path.join(dir, "node_modules")
  const others = new Set<string>()
  for (const name of guarded) {
    const target = Path.join(nodeModules, "@codex-auth", name)
    Fs.mkdirSync(target, { recursive: true })
    for (const part of ["package.json", "dist"]) {
      Fs.cpSync(Path.join(root, "packages", name, part), Path.join(target, part), { recursive: true })
    }
    const pkg = JSON.parse(Fs.readFileSync(Path.join(target, "package.json"), "utf8")) as {
      readonly dependencies?: Record<string, string>
    }
    for (const dep of Object.keys(pkg.dependencies ?? {})) if (!dep.startsWith("@codex-auth/")) others.add(dep)
  }
  for (const dep of others) {
    Fs.mkdirSync(Path.dirname(Path.join(nodeModules, dep)), { recursive: true })
    Fs.symlinkSync(Path.join(root, "node_modules", dep), Path.join(nodeModules, dep))
  }
  setup(nodeModules)
  Fs.writeFileSync(Path.join(dir, "package.json"), JSON.stringify({ type: "module" }))
  return dir
}

/** What an import of each specifier gave: "loaded", or the failure's code and message. */
const attempt = (dir: string, specifiers: ReadonlyArray<string>) => {
  const run = node(
    dir,
    `for (const specifier of ${JSON.stringify(specifiers)}) {
  await import(specifier).then(() => console.log(JSON.stringify({ specifier, loaded: true })), (error) =>
    console.log(JSON.stringify({ specifier, code: error.code, message: error.message, cause: error.cause?.code })))
}`
  )
  assert.strictEqual(run.status, 0, run.stderr)
  return run.stdout.trim().split("\n").map((line) =>
    JSON.parse(line) as {
      readonly specifier: string
      readonly loaded?: true
      readonly code?: string
      readonly message?: string
      readonly cause?: string
    }
  )
}

describe("the Effect API's guarded entries (scripts/guard.mjs)", () => {
  it("with Effect 3, every guarded entry gives exactly the bindings of tsc's module", () => {
    const pairs: Array<[string, string]> = []
    for (const name of guarded) {
      const pkg = JSON.parse(Fs.readFileSync(Path.join(root, "packages", name, "package.json"), "utf8")) as {
        readonly exports: Record<string, { readonly default?: string | null } | string>
      }
      for (const target of Object.values(pkg.exports)) {
        if (typeof target !== "object" || typeof target.default !== "string") continue
        const module = /^\.\/dist\/entry\/(.+)\.js$/.exec(target.default)?.[1]
        if (module === undefined) continue
        pairs.push([
          Path.join(root, "packages", name, target.default),
          Path.join(root, "packages", name, `dist/${module}.js`)
        ])
      }
    }
    // Every package with an optional `effect` peer is guarded, all but the bundled facade modules.
    assert.isAtLeast(pairs.length, 80)
    const run = node(
      root,
      `import { pathToFileURL } from "node:url"
const pairs = ${JSON.stringify(pairs)}
const differ = []
for (const [entry, built] of pairs) {
  const a = await import(pathToFileURL(entry).href)
  const b = await import(pathToFileURL(built).href)
  const keys = Object.keys(b)
  if (JSON.stringify(Object.keys(a)) !== JSON.stringify(keys) || keys.some((key) => a[key] !== b[key])) differ.push(entry)
}
console.log(JSON.stringify(differ))`
    )
    assert.strictEqual(run.status, 0, run.stderr)
    assert.deepStrictEqual(JSON.parse(run.stdout), [])
  }, 180_000)

  it("with no effect installed, the Effect API names the range and the facade's way; the facade still loads", () => {
    const dir = project(() => {})
    try {
      const [session, nodeSession, facade] = attempt(dir, [
        "@codex-auth/core/Session",
        "@codex-auth/node/NodeSession",
        "@codex-auth/node/FacadeErrors"
      ])
      for (const failure of [session!, nodeSession!]) {
        assert.strictEqual(failure.code, "ERR_CODEX_AUTH_EFFECT_VERSION", JSON.stringify(failure))
        assert.strictEqual(failure.cause, "ERR_MODULE_NOT_FOUND")
        assert.include(failure.message, `${failure.specifier} is codex-auth's Effect API`)
        assert.include(failure.message, `effect@"^3.22.4"`)
        assert.include(failure.message, "this project has no `effect`")
        assert.include(failure.message, "@codex-auth/node/CodexAuth")
      }
      // The bundled facade modules are not guarded: they bring their own Effect.
      assert.isTrue(facade!.loaded, JSON.stringify(facade))
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it("with an effect laid out as Effect 4's, the failure names the installed version and where it is", () => {
    const dir = project((nodeModules) => {
      // Effect 4's layout: `effect/*` maps into dist/, where modules Effect 3 has (Either, Context) no longer are.
      const effect = Path.join(nodeModules, "effect")
      Fs.mkdirSync(Path.join(effect, "dist"), { recursive: true })
      Fs.writeFileSync(
        Path.join(effect, "package.json"),
        JSON.stringify({
          name: "effect",
          version: "4.1.0",
          type: "module",
          exports: { ".": "./dist/index.js", "./*": "./dist/*.js", "./package.json": "./package.json" }
        })
      )
      for (const module of ["index", "Effect", "Layer", "Schema", "Option"]) {
        Fs.writeFileSync(Path.join(effect, "dist", `${module}.js`), "export const make = () => {}\n")
      }
    })
    try {
      const [failure] = attempt(dir, ["@codex-auth/core/Session"])
      assert.strictEqual(failure!.code, "ERR_CODEX_AUTH_EFFECT_VERSION", JSON.stringify(failure))
      assert.include(failure!.message, "this project's effect is 4.1.0")
      assert.include(failure!.message, Path.join(dir, "node_modules", "effect"))
      assert.include(failure!.message, `Install effect@"^3.22.4" and @effect/platform@"^0.97.2"`)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
