// Every way a person signs in through the CLI, driven only by what the CLI prints and the emulator's pages in a
// real Chromium, ending with the real Codex CLI reading the result (`codex login status`). Failures save
// screenshots to .cache/journeys/<name>/.
import { startEmulatorPromise } from "@codex-auth/emulator/node"
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  authorizeUrlPattern,
  browserCommand,
  denoCli,
  journey,
  journeysEnabled,
  nodeCli,
  personEnv,
  plain,
  start
} from "./support.ts"
import type { Person, Running } from "./support.ts"

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

let emulator: StartedEmulatorPromise
let browserPort: number
const enabled = journeysEnabled()

beforeAll(async () => {
  if (!enabled) return
  browserPort = await freePort()
  // The consent page is shown (no auto-approve): the person clicks Allow. 1455 is the paste flow's redirect.
  emulator = await startEmulatorPromise({ deviceInterval: "0", redirectPorts: [1455, browserPort] })
})
afterAll(() => emulator?.close())

/** The person opens `url`, looks at the consent page and clicks Allow; resolves with the address bar after it. */
const allow = async (person: Person, url: string): Promise<string> => {
  const callback = person.page.waitForRequest((request) => request.url().includes("/auth/callback"))
  await person.page.goto(url)
  await person.snap("consent")
  await person.page.getByRole("button", { name: "Allow" }).click()
  const request = await callback
  await person.page.waitForLoadState("load").catch(() => undefined)
  await person.snap("after-allow")
  // When nothing listens (the paste flow) Chromium shows its error page; the address bar still holds the redirect.
  const address = person.page.url()
  return address.includes("/auth/callback") ? address : request.url()
}

/** The person reads the one-time code and the URL the CLI printed, opens it, types the code and clicks Allow. */
const enterDeviceCode = async (person: Person, cli: Running): Promise<void> => {
  const [, code] = await cli.waitFor(/one-time code: (\S+)/, "the device code")
  const [, verificationUrl] = await cli.waitFor(/Then open (\S+) and enter it/, "the verification URL")
  await person.page.goto(verificationUrl!)
  await person.snap("device-page")
  await person.page.locator("#user_code").fill(code!)
  await person.page.getByRole("button", { name: "Allow" }).click()
  await person.page.waitForLoadState("load")
  await person.snap("device-approved")
}

/**
 * WSL's three openers (`wslview`, `powershell.exe`, `cmd.exe`) as programs on `PATH` that record their argv and
 * exit 1: a WSL without wslu and without Windows interop, deterministically.
 */
const failingWslOpeners = (): { readonly path: string; readonly calls: () => Array<Array<string>> } => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "journey-wsl-openers-"))
  const log = Path.join(dir, "calls")
  for (const name of ["wslview", "powershell.exe", "cmd.exe"]) {
    Fs.writeFileSync(
      Path.join(dir, name),
      `#!/bin/sh\n{ printf '%s' "$(basename "$0")"; for arg in "$@"; do printf '\\t%s' "$arg"; done; echo; } >> '${log}'\n` +
        "exit 1\n",
      { mode: 0o755 }
    )
  }
  const calls = () =>
    Fs.existsSync(log)
      ? Fs.readFileSync(log, "utf8").split("\n").filter((line) => line !== "").map((line) => line.split("\t"))
      : []
  return { path: dir, calls }
}

/** `codex-auth login --flow FLOW` against the emulator, into `codexHome`. */
const loginArgv = (
  cli: ReadonlyArray<string>,
  flow: string,
  codexHome: string,
  ...extra: ReadonlyArray<string>
): ReadonlyArray<string> => [
  ...cli,
  "login",
  "--flow",
  flow,
  "--issuer",
  emulator.url,
  "--codex-home",
  codexHome,
  ...extra
]

const runtimes = [
  { name: "node", argv: nodeCli },
  { name: "deno", argv: denoCli }
] as const

describe.skipIf(!enabled)("login journeys (black box)", () => {
  for (const runtime of runtimes) {
    it(
      `${runtime.name}: browser + loopback: BROWSER hands the printed URL to Chromium, Allow, the loopback finishes`,
      async () => {
        await journey(`browser-loopback-${runtime.name}`, async ({ codexHome, log, person }) => {
          const browser = browserCommand()
          const cli = start(
            loginArgv(runtime.argv, "browser", codexHome, "--port", String(browserPort)),
            { env: personEnv({ BROWSER: browser.command }), tty: false }
          )
          const opened = await browser.opened()
          const printed = (await cli.waitFor(authorizeUrlPattern, "the authorize URL"))[1]!
          assert.strictEqual(opened, printed, "the browser opens the URL the CLI printed")
          await allow(person, opened)
          assert.strictEqual(await person.page.locator("#title").textContent(), "Signed in to Codex")
          const result = await cli.done
          log("cli", result.stdout + result.stderr)
          assert.strictEqual(result.code, 0, result.stderr)
          assert.include(result.stderr, "✓ Logged in as user@example.com")
        })
      },
      120_000
    )
  }

  for (const runtime of runtimes) {
    it(
      `${runtime.name}: --flow paste — copy the printed URL, Allow, paste the address bar back through a pty`,
      async () => {
        await journey(`paste-${runtime.name}`, async ({ codexHome, log, person }) => {
          const cli = start(loginArgv(runtime.argv, "paste", codexHome), {
            env: personEnv(),
            tty: true
          })
          try {
            const url = (await cli.waitFor(authorizeUrlPattern, "the authorize URL"))[1]!
            await cli.waitFor(/paste the address/i, "the paste prompt")
            const shown = plain(cli.output())
            assert.strictEqual(shown.split(url).length - 1, 1, `the URL is printed exactly once:\n${shown}`)
            assert.isBelow(shown.indexOf(url), shown.search(/paste the address/i), "the URL comes before the prompt")
            const address = await allow(person, url)
            assert.match(address, /^http:\/\/127\.0\.0\.1:1455\/auth\/callback\?/)
            cli.type(address)
            const result = await cli.done
            log("cli", result.stdout)
            assert.strictEqual(result.code, 0, plain(result.stdout))
            assert.include(plain(result.stdout), "✓ Logged in as user@example.com")
          } finally {
            cli.kill()
          }
        })
      },
      120_000
    )

    it(`${runtime.name}: device code — read the code and URL, type the code on the emulator's page`, async () => {
      await journey(`device-${runtime.name}`, async ({ codexHome, log, person }) => {
        const cli = start(loginArgv(runtime.argv, "device", codexHome), {
          env: personEnv(),
          tty: false
        })
        try {
          await enterDeviceCode(person, cli)
          const result = await cli.done
          log("cli", result.stdout + result.stderr)
          assert.strictEqual(result.code, 0, result.stderr)
          assert.include(result.stderr, "✓ Logged in as user@example.com")
        } finally {
          cli.kill()
        }
      })
    }, 120_000)
  }

  for (const runtime of runtimes) {
    it(
      `${runtime.name}: WSL (CODEX_AUTH_WSL=1), every opener fails → the device code joins; typed in Chromium`,
      async () => {
        await journey(`wsl-opener-fails-${runtime.name}`, async ({ codexHome, log, person }) => {
          const openers = failingWslOpeners()
          // `auto`: the planner sees WSL and plans the browser first, the device code as the fallback.
          const cli = start([
            ...runtime.argv,
            "login",
            "--issuer",
            emulator.url,
            "--codex-home",
            codexHome,
            "--port",
            String(browserPort)
          ], {
            // CODEX_AUTH_BROWSER=1: this suite may run in a container, where the planner would go straight to the
            // device code; a real WSL distro is not a container (is-wsl says no WSL inside one).
            env: personEnv({
              CODEX_AUTH_WSL: "1",
              CODEX_AUTH_BROWSER: "1",
              PATH: `${openers.path}:${process.env.PATH}`
            }),
            tty: true
          })
          try {
            const url = (await cli.waitFor(authorizeUrlPattern, "the authorize URL"))[1]!
            await cli.waitFor(/Press Enter to open the browser/, "the Enter prompt")
            cli.type("")
            await cli.waitFor(/signing in with a device code instead/, "the fallback to the device code")
            await enterDeviceCode(person, cli)
            const result = await cli.done
            const shown = plain(result.stdout)
            log("cli", shown)
            assert.strictEqual(result.code, 0, shown)
            // The last opener's failure, said once (not the error's whole sentence nested in the line).
            assert.include(shown, "! Could not open a browser (cmd.exe: exited with status 1). Open the address above")
            assert.include(shown, "→ The browser could not be opened: signing in with a device code instead.")
            assert.include(shown, "✓ Logged in as user@example.com")
            const order = [url, "Press Enter", "could not be opened", "one-time code", "✓ Logged in"]
              .map((text) => shown.indexOf(text))
            assert.deepStrictEqual([...order].sort((a, b) => a - b), order, `in this order:\n${shown}`)
            assert.notInclude(shown, "xdg-open")
            // Each WSL opener was tried once, in order, with the printed URL intact.
            assert.deepStrictEqual(openers.calls(), [
              ["wslview", url],
              ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", `Start-Process '${url}'`],
              ["cmd.exe", "/d", "/s", "/c", `start "" ${url.replace(/[&|<>()^]/g, "^$&")}`]
            ])
          } finally {
            cli.kill()
          }
        })
      },
      120_000
    )
  }

  it(
    "browser + pasted redirect racing the loopback: the browser cannot reach the loopback, the paste wins",
    async () => {
      await journey("browser-paste-race", async ({ codexHome, log, person }) => {
        // This person's browser runs elsewhere: the redirect to the loopback never arrives (Chromium aborts it).
        await person.page.route(/\/auth\/callback/, (route) => route.abort("connectionrefused"))
        const cli = start(
          loginArgv(nodeCli, "browser", codexHome, "--no-browser", "--port", String(browserPort)),
          { env: personEnv(), tty: true }
        )
        try {
          const url = (await cli.waitFor(authorizeUrlPattern, "the authorize URL"))[1]!
          await cli.waitFor(/Or paste the address/, "the paste prompt racing the loopback")
          const address = await allow(person, url)
          assert.isTrue(address.startsWith(`http://127.0.0.1:${browserPort}/auth/callback?`), address)
          cli.type(address)
          const result = await cli.done
          log("cli", result.stdout)
          assert.strictEqual(result.code, 0, plain(result.stdout))
          assert.strictEqual(plain(result.stdout).split(url).length - 1, 1, "the URL is printed once")
          assert.include(plain(result.stdout), "✓ Logged in as user@example.com")
        } finally {
          cli.kill()
        }
      })
    },
    120_000
  )

  it(
    "--flow paste --json: the URL as a JSON line on stderr, the redirect on stdin, one document on stdout",
    async () => {
      await journey("paste-json", async ({ codexHome, log, person }) => {
        const cli = start(loginArgv(nodeCli, "paste", codexHome, "--json"), {
          env: personEnv(),
          tty: false
        })
        try {
          const [line] = await cli.waitFor(/^\{"event":"PasteRequested".*\}$/m, "the PasteRequested JSON line")
          const event = JSON.parse(line!)
          assert.strictEqual(event.redirectUri, "http://127.0.0.1:1455/auth/callback")
          const address = await allow(person, event.authorizeUrl)
          cli.type(address)
          const result = await cli.done
          log("cli", result.stdout + result.stderr)
          assert.strictEqual(result.code, 0, result.stderr)
          assert.deepInclude(JSON.parse(result.stdout), { loggedIn: true, method: "paste", email: "user@example.com" })
        } finally {
          cli.kill()
        }
      })
    },
    120_000
  )
})

describe.skipIf(!enabled)("non-interactive refusal", () => {
  for (const runtime of runtimes) {
    it(`${runtime.name}: CI=true and no terminal → exit 1 and the advice, nothing saved`, async () => {
      const codexHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "journey-refusal-"))
      const cli = start([...runtime.argv, "login", "--issuer", emulator.url, "--codex-home", codexHome], {
        env: personEnv({ CI: "true" }),
        tty: false
      })
      cli.type("")
      const result = await cli.done
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "✗ Not logging in: this looks like a CI environment (CI is set)")
      assert.include(result.stderr, "--flow device")
      assert.strictEqual(result.stdout, "")
      assert.deepStrictEqual(Fs.readdirSync(codexHome), [], "nothing is written")
    }, 60_000)
  }
})
