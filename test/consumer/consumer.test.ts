// The packages as an embedder installs them: `npm pack` of every public package (the built dist: `npm run build`
// first), installed from the tarballs into fresh projects — hoisted, linked (pnpm-style) without optional
// dependencies, beside effect@4, and in an Effect 3 project that type-checks strictly under node16, nodenext and
// bundler. Installs are offline, from npm's cache (scripts/setup-consumer.sh fills it), so the suite runs inside the
// loopback-only namespace. The README's embedding snippets are taken from README.md itself and run here.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { authJsonText } from "../session/fixtures.ts"
// @ts-expect-error: a plain ESM helper shared with scripts/setup-consumer.sh (no declarations)
import * as Projects from "./projects.mjs"

const root = Path.resolve(import.meta.dirname, "../..")
const tsc = Path.join(root, "node_modules/typescript/bin/tsc")
const deno = Path.join(root, "node_modules/.bin/deno")
const readme = Fs.readFileSync(Path.join(root, "README.md"), "utf8")

/** The first ```ts block after `marker` in README.md. */
const snippet = (marker: string): string => {
  const at = readme.indexOf(marker)
  assert.isAbove(at, -1, `README.md has no "${marker}"`)
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))
  assert.isNotNull(block, `no ts block after "${marker}"`)
  return block![1]!
}

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (cwd: string, command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  new Promise<Result>((resolve, reject) => {
    const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CODEX_AUTH_ISSUER: "" }
    delete base["CI"]
    delete base["CODEX_HOME"]
    delete base["NODE_OPTIONS"]
    const child = ChildProcess.spawn(command, args, {
      cwd,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const cli = (project: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  run(project, process.execPath, [Path.join(project, "node_modules/.bin/codex-auth"), ...args], env)

const script = (project: string, name: string, source: string, env: NodeJS.ProcessEnv = {}) => {
  const file = Path.join(project, name)
  Fs.writeFileSync(file, source)
  return run(project, process.execPath, [file], env)
}

const tempHome = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-consumer-home-"))

/** Every installed copy of a package (its package.json under any node_modules, real paths, deduplicated). */
const copiesOf = (project: string, name: string): ReadonlyArray<string> => {
  const found = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue
      const path = Path.join(dir, entry.name)
      if (entry.name === "node_modules") {
        const candidate = Path.join(path, name, "package.json")
        if (Fs.existsSync(candidate)) found.add(Fs.realpathSync(candidate))
        walk(path)
      } else if (dir.endsWith("node_modules") || Path.basename(Path.dirname(dir)) === "node_modules") {
        if (!entry.isSymbolicLink()) walk(path)
      }
    }
  }
  walk(project)
  return [...found]
}

const footprint = (project: string) => {
  let bytes = 0
  const names = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      const path = Path.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) {
        bytes += Fs.statSync(path).size
        if (entry.name === "package.json" && Path.basename(Path.dirname(Path.dirname(path))).match(/node_modules|^@/)) {
          const pkg = JSON.parse(Fs.readFileSync(path, "utf8"))
          if (typeof pkg.name === "string" && typeof pkg.version === "string") names.add(`${pkg.name}@${pkg.version}`)
        }
      }
    }
  }
  walk(Path.join(project, "node_modules"))
  const ours = [...names].filter((name) => name.startsWith("@codex-auth/")).length
  return { megabytes: bytes / 1e6, packages: names.size, thirdParty: names.size - ours }
}

let emulator: StartedEmulatorPromise
let scratch: string
let tarballs: ReadonlyArray<string>
// A backend that answers 401 to the first request and then checks for the bearer, as the README's agent runtime
// snippet expects (it recovers once and retries).
let backend: Http.Server
let backendUrl: string
let backendRequests: Array<string | undefined> = []

beforeAll(async () => {
  emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true })
  scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-auth-consumer-"))
  tarballs = await Projects.pack(scratch)
  backend = Http.createServer((request, response) => {
    backendRequests.push(request.headers.authorization)
    response.writeHead(backendRequests.length === 1 ? 401 : 200).end()
  })
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve))
  backendUrl = `http://127.0.0.1:${(backend.address() as Net.AddressInfo).port}`
}, 600_000)

afterAll(async () => {
  await emulator?.close()
  backend?.close()
  if (scratch !== undefined) Fs.rmSync(scratch, { recursive: true, force: true })
})

const loginWithCli = async (project: string, home: string) => {
  const login = await cli(project, ["login", "--flow", "device", "--issuer", emulator.url, "--codex-home", home])
  assert.strictEqual(login.code, 0, login.stderr)
  const token = await cli(project, ["token", "--codex-home", home])
  assert.strictEqual(token.code, 0, token.stderr)
  assert.match(token.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/)
  return token.stdout.trim()
}

// The README's agent-runtime snippet, as written, with `backend` defined and the home it names replaced.
const agentRuntime = () =>
  `const backend = process.env.BACKEND\n` +
  snippet("**The Promise facade in an agent runtime**").replace("\"/srv/agent/.codex\"", "process.env.CODEX_HOME") +
  `console.log(JSON.stringify({ status: response.status }))\n`

/**
 * One identity: what the facade rejects with is an instance of the classes `@codex-auth/node/FacadeErrors` exports
 * (and, where the Effect API can load, `@codex-auth/facade/FacadeErrors`, tsc's dist over the project's effect), and
 * of the Effect-free ones `CodexAuth` exports.
 */
const identityScript = (adapters: boolean) =>
  `import * as CodexAuth from "@codex-auth/node/CodexAuth"
import * as NodeErrors from "@codex-auth/node/FacadeErrors"
const Errors = ${adapters ? "await import(\"@codex-auth/facade/FacadeErrors\")" : "NodeErrors"}
const seen = {}
const auth = await CodexAuth.open({ codexHome: process.env.CODEX_HOME })
await auth.getToken().catch((error) => {
  seen.login = [error._tag, error instanceof NodeErrors.LoginRequired, error instanceof Errors.LoginRequired,
    error instanceof NodeErrors.CodexHomeNotFound, error instanceof CodexAuth.LoginRequired,
    error instanceof CodexAuth.CodexHomeNotFound]
})
await auth.close()
await CodexAuth.open({ codexHome: process.env.CODEX_HOME + "/missing" }).then((a) => a.getToken()).catch((error) => {
  seen.home = [error._tag, error instanceof NodeErrors.CodexHomeNotFound, error instanceof Errors.CodexHomeNotFound,
    error instanceof CodexAuth.CodexHomeNotFound]
})
console.log(JSON.stringify(seen))
`

describe("consumer: the packed packages installed into fresh projects", () => {
  it("every tarball: LICENSE, README, metadata, only what runs and its types, no install script", () => {
    for (const tarball of tarballs) {
      const listing = ChildProcess.execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n")
      assert.include(listing, "package/LICENSE", tarball)
      assert.include(listing, "package/README.md", tarball)
      const stray = listing.filter((file) =>
        /\.tsbuildinfo$|\.map$|^package\/(src|test)\/|\.test\.|^package\/dist\/bin\//.test(file) ||
        (file.startsWith("package/dist/") && !/\.(js|d\.ts)$/.test(file) &&
          !["package/dist/bundle/refresh.cjs", "package/dist/bundle/fast-refresh.cjs"].includes(file))
      )
      // The CLI's two refreshes are CommonJS (loaded through V8's code cache): @codex-auth/node ships both.
      if (tarball.includes("codex-auth-node-")) {
        assert.include(listing, "package/dist/bundle/refresh.cjs", tarball)
        assert.include(listing, "package/dist/bundle/fast-refresh.cjs", tarball)
      }
      assert.deepStrictEqual(stray, [], tarball)
      const pkg = JSON.parse(
        ChildProcess.execFileSync("tar", ["xzOf", tarball, "package/package.json"], { encoding: "utf8" })
      )
      assert.strictEqual(pkg.license, "MIT")
      assert.isString(pkg.repository?.url)
      assert.isString(pkg.homepage)
      assert.isAbove(pkg.keywords?.length ?? 0, 0)
      assert.isUndefined(pkg.private)
      for (const hook of ["preinstall", "install", "postinstall", "prepare"]) assert.isUndefined(pkg.scripts?.[hook])
      // Effect is the embedder's: a peer, never a dependency of ours. @codex-auth/deno's facade and CLI run on it
      // (no bundle), so there it is required and Effect 3 only.
      if (pkg.name === "@codex-auth/deno") {
        assert.strictEqual(pkg.peerDependencies?.effect, "^3.22.4")
        assert.isUndefined(pkg.peerDependenciesMeta?.effect)
      } else {
        assert.strictEqual(pkg.peerDependencies?.effect, "^3.22.4 || ^4.0.0")
      }
      assert.isUndefined(pkg.dependencies?.effect)
      for (const name of Object.keys(pkg.dependencies ?? {})) assert.notMatch(name, /^@effect\//)
    }
  })

  it("a facade-only project (hoisted, no Effect of its own): the CLI and the README's facade snippet", async () => {
    const project = await Projects.install("facade", tarballs, { parent: scratch })
    // The facade and the CLI carry their own Effect: nothing of it is installed for them.
    assert.deepStrictEqual(copiesOf(project, "effect"), [])
    assert.deepStrictEqual(copiesOf(project, "@effect/platform"), [])
    // The emulator is for tests: an optional peer of @codex-auth/node that a production install leaves out.
    assert.deepStrictEqual(copiesOf(project, "@codex-auth/emulator"), [])
    const size = footprint(project)
    console.log(
      `facade-only install: ${size.megabytes.toFixed(1)} MB in ${size.packages} packages (${size.thirdParty} not ours)`
    )
    // Third-party packages: 12 before smol-toml (config.toml) and age-encryption (the Windows keyring layout) with its
    // @noble deps joined; our own count grew with the split into packages by product (issue 12), not what they pull;
    // env-paths (no dependencies) joined for the CLI's code cache directory (issue 17).
    assert.isBelow(size.thirdParty, 19)

    const home = tempHome()
    const token = await loginWithCli(project, home)
    backendRequests = []
    const result = await script(project, "agent.mjs", agentRuntime(), { BACKEND: backendUrl, CODEX_HOME: home })
    assert.strictEqual(result.code, 0, result.stderr)
    assert.deepStrictEqual(JSON.parse(result.stdout.trim()), { status: 200 })
    assert.deepStrictEqual(backendRequests.map((header) => header?.startsWith("Bearer ")), [true, true])
    assert.notInclude(result.stdout + result.stderr, token)

    // A cold refresh through the installed CLI: the startup path's (dist/bundle/fast-refresh.cjs), then the engine's
    // (dist/bundle/refresh.cjs, CODEX_AUTH_FAST_REFRESH=0), each through its code cache the second time.
    const cache = Path.join(tempHome(), "code-cache")
    for (
      const [expected, sender] of [
        ["miss", "fast"],
        ["hit", "fast"],
        ["miss", "engine"],
        ["hit", "engine"]
      ] as const
    ) {
      const stale = tempHome()
      const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
      Fs.writeFileSync(Path.join(stale, "auth.json"), authJsonText(minted, emulator.url), { mode: 0o600 })
      const trace = Path.join(stale, "startup-trace")
      const cold = await cli(project, ["token", "--codex-home", stale], {
        CODEX_AUTH_ISSUER: emulator.url,
        CODEX_AUTH_STARTUP_TRACE: trace,
        CODEX_AUTH_CODE_CACHE: cache,
        ...(sender === "engine" ? { CODEX_AUTH_FAST_REFRESH: "0" } : {})
      })
      assert.strictEqual(cold.code, 0, cold.stderr)
      const saved = JSON.parse(Fs.readFileSync(Path.join(stale, "auth.json"), "utf8")).tokens.access_token
      assert.notStrictEqual(saved, minted.access_token, "refreshed")
      assert.strictEqual(cold.stdout.trim(), saved)
      assert.deepStrictEqual(
        Fs.readFileSync(trace, "utf8").trim().split("\n").map((line) => line.replace(/ \d+$/, "")),
        sender === "engine" ? ["engine refresh", `code-cache ${expected}`] : [`code-cache ${expected}`, "fast refresh"]
      )
    }

    // Deno 2 from the same npm install (nodeModulesDir manual): the README's snippet type-checks without source
    // conditions and runs against the credentials the CLI saved.
    Fs.writeFileSync(Path.join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual", lock: false }))
    Fs.writeFileSync(Path.join(project, "deno.ts"), snippet("**Under Deno from npm, with `@codex-auth/node`**"))
    const check = await run(project, deno, ["check", "deno.ts"])
    assert.strictEqual(check.code, 0, check.stdout + check.stderr)
    const denoRun = await run(project, deno, ["run", "-A", "deno.ts"], { CODEX_HOME: home })
    assert.strictEqual(denoRun.code, 0, denoRun.stderr)
    assert.match(denoRun.stdout, /Authorization/i)
    assert.notInclude(denoRun.stdout + denoRun.stderr, token)
    // The CLI under Deno, as the README gives it.
    const denoCli = await run(project, deno, [
      "run",
      "-A",
      "npm:@codex-auth/node",
      "status",
      "--json",
      "--codex-home",
      home
    ])
    assert.strictEqual(denoCli.code, 0, denoCli.stderr)
    assert.strictEqual(JSON.parse(denoCli.stdout).loggedIn, true)

    // `codex-auth emulator` without the emulator installed says what to install, and exits 1.
    const noEmulator = await cli(project, ["emulator"])
    assert.strictEqual(noEmulator.code, 1, noEmulator.stdout + noEmulator.stderr)
    assert.include(noEmulator.stderr, "install @codex-auth/emulator to run the emulator")
    assert.notInclude(noEmulator.stderr, "Cannot find package")

    // The facade's own FacadeErrors (the bundle's classes) load without any effect installed.
    const identity = await script(project, "identity.mjs", identityScript(false), { CODEX_HOME: tempHome() })
    assert.strictEqual(identity.code, 0, identity.stderr)
    assert.deepStrictEqual(JSON.parse(identity.stdout), {
      login: ["LoginRequired", true, true, false, true, false],
      home: ["CodexHomeNotFound", true, true, true]
    })
  }, 600_000)

  it(
    "a linked (pnpm-style) install without optional dependencies: auto falls back, keyring says how to add it",
    async () => {
      const project = await Projects.install("linked", tarballs, { parent: scratch })
      assert.deepStrictEqual(copiesOf(project, "@napi-rs/keyring"), [])
      const home = tempHome()
      await loginWithCli(project, home)

      const auto = await cli(project, ["status", "--store", "auto", "--codex-home", home])
      assert.strictEqual(auto.code, 0, auto.stderr)
      const warnings = auto.stderr.split("\n").filter((line) => /warn/i.test(line))
      assert.strictEqual(warnings.length, 1, auto.stderr)
      assert.match(
        warnings[0]!,
        /^Warning: the OS keyring is not available \(the optional package @napi-rs\/keyring is not installed; add it with `npm install @napi-rs\/keyring`.*\); storing credentials in .*auth\.json instead\.$/
      )

      const keyring = await cli(project, ["status", "--store", "keyring", "--codex-home", home])
      assert.strictEqual(keyring.code, 1, keyring.stderr)
      assert.include(keyring.stderr, "npm install @napi-rs/keyring")
      assert.notInclude(keyring.stderr, "Cannot find package")
      // The failed keyring read left the file's credentials as they were.
      assert.strictEqual(JSON.parse(Fs.readFileSync(Path.join(home, "auth.json"), "utf8")).auth_mode, "chatgpt")
    },
    600_000
  )

  it("a project on effect@4: the CLI and the facade run their own Effect", async () => {
    const project = await Projects.install("effect4", tarballs, { parent: scratch })
    const copies = copiesOf(project, "effect")
    assert.strictEqual(copies.length, 1, copies.join("\n"))
    assert.strictEqual(JSON.parse(Fs.readFileSync(copies[0]!, "utf8")).version, "4.1.0")

    const home = tempHome()
    await loginWithCli(project, home)
    const status = await cli(project, ["status", "--json", "--codex-home", home])
    assert.strictEqual(status.code, 0, status.stderr)
    assert.strictEqual(JSON.parse(status.stdout).loggedIn, true)
    backendRequests = []
    const result = await script(project, "agent.mjs", agentRuntime(), { BACKEND: backendUrl, CODEX_HOME: home })
    assert.strictEqual(result.code, 0, result.stderr)
    assert.deepStrictEqual(JSON.parse(result.stdout.trim()), { status: 200 })
    const refresh = await cli(project, ["refresh", "--json", "--issuer", emulator.url, "--codex-home", home])
    assert.strictEqual(refresh.code, 0, refresh.stderr)

    // The Effect API here cannot run (it is Effect 3's): its first import fails with the message of
    // scripts/guard.mjs's entries — the supported range, the effect found, the facade's way — not with Node's failure
    // to link a module of Effect 3's that Effect 4 dropped (that one is its cause).
    const effectApi = await script(
      project,
      "effect-api.mjs",
      `for (const specifier of ["@codex-auth/core/Session", "@codex-auth/node/NodeSession", "@codex-auth/node"]) {
  await import(specifier).then(() => console.log(JSON.stringify({ specifier, loaded: true })), (error) =>
    console.log(JSON.stringify({ specifier, code: error.code, message: error.message, cause: error.cause?.code })))
}\n`
    )
    assert.strictEqual(effectApi.code, 0, effectApi.stderr)
    for (const line of effectApi.stdout.trim().split("\n")) {
      const failure = JSON.parse(line)
      assert.strictEqual(failure.code, "ERR_CODEX_AUTH_EFFECT_VERSION", line)
      assert.strictEqual(failure.cause, "ERR_MODULE_NOT_FOUND", line)
      assert.include(failure.message, `${failure.specifier} is codex-auth's Effect API`)
      assert.include(failure.message, `effect@"^3.22.4"`)
      assert.include(failure.message, "this project's effect is 4.1.0")
      assert.include(failure.message, "@codex-auth/node/CodexAuth")
    }
  }, 600_000)

  it(
    "a Deno project with @codex-auth/deno from npm: deno check, the facade and the CLI against the emulator, JSR's dry run",
    async () => {
      const project = await Projects.install("deno", tarballs, { parent: scratch })
      assert.strictEqual(copiesOf(project, "effect").length, 1, copiesOf(project, "effect").join("\n"))
      assert.deepStrictEqual(copiesOf(project, "@codex-auth/node"), [])
      Fs.writeFileSync(Path.join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual", lock: false }))
      // The README's commands, `npx deno` being this repository's `deno` npm package (the same binary).
      const denoCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
        run(project, deno, ["run", "-A", "npm:@codex-auth/deno/cli", ...args], env)
      const home = tempHome()

      // The README's snippet: type-checks from the install (no source conditions); before any login it says so.
      Fs.writeFileSync(Path.join(project, "main.ts"), snippet("**Deno from npm: `@codex-auth/deno`**"))
      const check = await run(project, deno, ["check", "main.ts"])
      assert.strictEqual(check.code, 0, check.stdout + check.stderr)
      const before = await run(project, deno, ["run", "-A", "main.ts"], { CODEX_HOME: home })
      assert.strictEqual(before.code, 1, before.stdout + before.stderr)
      assert.include(before.stderr, "Not signed in")

      const login = await denoCli(["login", "--flow", "device", "--issuer", emulator.url, "--codex-home", home])
      assert.strictEqual(login.code, 0, login.stdout + login.stderr)
      const status = await denoCli(["status", "--json", "--codex-home", home])
      assert.strictEqual(status.code, 0, status.stderr)
      assert.strictEqual(JSON.parse(status.stdout).loggedIn, true)
      const token = await denoCli(["token", "--codex-home", home])
      assert.strictEqual(token.code, 0, token.stderr)
      assert.match(token.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/)

      const after = await run(project, deno, ["run", "-A", "main.ts"], { CODEX_HOME: home })
      assert.strictEqual(after.code, 0, after.stdout + after.stderr)
      assert.match(after.stdout, /authorization/i)
      assert.notInclude(after.stdout + after.stderr, token.stdout.trim())

      // The facade's journey on the emulator: refresh (a new token), the headers carry it, logout removes auth.json.
      Fs.writeFileSync(
        Path.join(project, "journey.ts"),
        `import { CodexAuth } from "@codex-auth/deno"
const auth = await CodexAuth.open({ codexHome: Deno.env.get("CODEX_HOME")!, issuer: Deno.env.get("ISSUER")! })
const before = await auth.getToken()
await auth.refresh()
const after = await auth.getToken()
const bearer = Object.entries(await auth.getHeaders()).find(([name]) => name.toLowerCase() === "authorization")?.[1]
const status = await auth.status()
await auth.logout()
const gone = await auth.getToken().then(() => "still signed in", (error) => error._tag)
await auth.close()
console.log(JSON.stringify({ rotated: before !== after, bearer: bearer === "Bearer " + after,
  loggedIn: status.loggedIn, gone }))
`
      )
      const journey = await run(project, deno, ["run", "-A", "journey.ts"], { CODEX_HOME: home, ISSUER: emulator.url })
      assert.strictEqual(journey.code, 0, journey.stdout + journey.stderr)
      assert.deepStrictEqual(JSON.parse(journey.stdout.trim()), {
        rotated: true,
        bearer: true,
        loggedIn: true,
        gone: "LoginRequired"
      })
      assert.isFalse(Fs.existsSync(Path.join(home, "auth.json")))
      const loggedOut = await denoCli(["status", "--json", "--codex-home", home])
      assert.strictEqual(loggedOut.code, 1, loggedOut.stdout + loggedOut.stderr)
      assert.strictEqual(JSON.parse(loggedOut.stdout).loggedIn, false)

      // JSR: packages/deno as it is published (its deno.json's `publish.include`), its npm: dependencies resolved from
      // this install. A workspace of its own, so the project's \`@codex-auth/deno\` stays the installed one.
      const jsr = Path.join(project, "jsr")
      Fs.mkdirSync(jsr)
      Fs.writeFileSync(
        Path.join(jsr, "deno.json"),
        JSON.stringify({ nodeModulesDir: "manual", lock: false, workspace: ["./deno"] })
      )
      Fs.cpSync(Path.join(root, "packages/deno"), Path.join(jsr, "deno"), {
        recursive: true,
        filter: (source) => !/[/\\](node_modules|dist|test)$/.test(source)
      })
      const publish = await run(Path.join(jsr, "deno"), deno, ["publish", "--dry-run", "--allow-dirty"])
      assert.strictEqual(publish.code, 0, publish.stdout + publish.stderr)
      assert.include(publish.stdout + publish.stderr, "Dry run complete")
      assert.include(publish.stdout + publish.stderr, "Checking for slow types")
    },
    600_000
  )

  it("@codex-auth/deno beside effect@4: npm refuses the install, naming the supported range", async () => {
    const refused: unknown = await Projects.install("denoEffect4", tarballs, { parent: scratch }).then(
      (dir: string) => `installed in ${dir}`,
      (error: Error) => error
    )
    assert.instanceOf(refused, Error, String(refused))
    assert.match(
      (refused as Error).message,
      /Could not resolve dependency:\n.*peer effect@"\^3\.22\.4" from @codex-auth\/deno@0\.1\.0/
    )
  }, 600_000)

  it("an Effect 3 project: one copy of effect; the README's Effect example type-checks strictly and runs", async () => {
    const project = await Projects.install("effect3", tarballs, { parent: scratch })
    assert.strictEqual(copiesOf(project, "effect").length, 1, copiesOf(project, "effect").join("\n"))
    assert.strictEqual(copiesOf(project, "@effect/platform").length, 1)

    assert.strictEqual(copiesOf(project, "@codex-auth/emulator").length, 1)

    const example = snippet("**The Effect API with layers**")
    const facade = snippet("**The Promise facade in an agent runtime**")
    Fs.mkdirSync(Path.join(project, "src"))
    Fs.writeFileSync(Path.join(project, "src/effect.ts"), example)
    // An embedder's test: the README's emulator snippet, type-checked with the rest and run below.
    Fs.writeFileSync(
      Path.join(project, "src/emulator.ts"),
      `export {}\n${snippet("## Using the emulator in your own tests")}`
    )
    Fs.writeFileSync(
      Path.join(project, "src/facade.ts"),
      `declare const backend: string\nexport {}\n${facade}`
    )
    for (const [module, moduleResolution] of [["node16", "node16"], ["nodenext", "nodenext"], ["esnext", "bundler"]]) {
      const config = {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          module,
          moduleResolution,
          strict: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          types: ["node"],
          outDir: `out-${moduleResolution}`
        },
        include: ["src"]
      }
      Fs.writeFileSync(Path.join(project, `tsconfig.${moduleResolution}.json`), JSON.stringify(config))
      const check = await run(project, process.execPath, [tsc, "-p", `tsconfig.${moduleResolution}.json`])
      assert.strictEqual(check.code, 0, `${moduleResolution}:\n${check.stdout}${check.stderr}`)
    }

    const home = tempHome()
    await loginWithCli(project, home)
    const result = await run(project, process.execPath, [Path.join(project, "out-nodenext/effect.js")], {
      CODEX_HOME: home
    })
    assert.strictEqual(result.code, 0, result.stdout + result.stderr)
    const emulated = await run(project, process.execPath, [Path.join(project, "out-nodenext/emulator.js")])
    assert.strictEqual(emulated.code, 0, emulated.stdout + emulated.stderr)
    const identity = await script(project, "identity.mjs", identityScript(true), { CODEX_HOME: tempHome() })
    assert.strictEqual(identity.code, 0, identity.stderr)
    assert.deepStrictEqual(JSON.parse(identity.stdout), {
      login: ["LoginRequired", true, true, false, true, false],
      home: ["CodexHomeNotFound", true, true, true]
    })

    // Without credentials the same program fails with the engine's typed error, not a crash inside Effect.
    const empty = await run(project, process.execPath, [Path.join(project, "out-nodenext/effect.js")], {
      CODEX_HOME: tempHome()
    })
    assert.notStrictEqual(empty.code, 0)
    assert.include(empty.stderr, "LoginRequired")
    assert.notInclude(empty.stderr, "is not a function")
    // Three strict tsc runs and four processes: 280 s of 300 were seen at load average 30 on this 2-core machine.
  }, 900_000)
})
