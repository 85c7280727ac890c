import { assert, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "../..")
const packageJson = (name: string) =>
  JSON.parse(Fs.readFileSync(Path.join(root, "packages", name, "package.json"), "utf8")) as {
    readonly exports: Record<string, unknown>
    readonly dependencies?: Record<string, string>
    readonly optionalDependencies?: Record<string, string>
    readonly peerDependencies?: Record<string, string>
  }

describe("packages: what each one exports and installs", () => {
  it("every export map lists the public modules one by one and every dependency is imported (scripts/exports.mjs)", () => {
    const run = ChildProcess.spawnSync(process.execPath, [Path.join(root, "scripts/exports.mjs"), "--check"], {
      encoding: "utf8"
    })
    assert.strictEqual(run.stderr, "")
    assert.strictEqual(run.status, 0)
  })

  it("no wildcard but internal/'s declarations and the built modules our packages import past the guard", () => {
    for (const name of ["core", "adapters", "keyring", "facade", "cli", "app-server", "postgres", "node"]) {
      for (const [key, target] of Object.entries(packageJson(name).exports)) {
        if (key === "./internal/*") {
          assert.deepStrictEqual(target, { types: "./dist/internal/*.d.ts", default: null }, name)
        } else if (key === "./dist/*.js") {
          // scripts/guard.mjs: what our built JavaScript imports of another of our packages (no `source`, no entry).
          assert.strictEqual(target, "./dist/*.js", name)
          assert.notStrictEqual(name, "postgres", "postgres's effect is its own dependency: nothing to guard")
        } else {
          assert.notInclude(key, "*", `${name} exports ${key}`)
        }
      }
    }
  })

  it("a presenter install pulls neither @effect/cli nor the keyring; the facade none of the CLI", () => {
    const installs = (name: string) => {
      const pkg = packageJson(name)
      return Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })
    }
    const adapters = installs("adapters")
    for (
      const heavy of ["@effect/cli", "@effect/printer", "@napi-rs/keyring", "age-encryption", "@codex-auth/keyring"]
    ) {
      assert.notInclude(adapters, heavy)
    }
    assert.notInclude(installs("facade"), "@effect/cli")
    assert.notInclude(installs("facade"), "@codex-auth/cli")
    assert.notInclude(installs("app-server"), "@effect/cli")
  })
})
