// Black-box journeys: what a person sees (the CLI's output, the emulator's pages in Chromium) and does (clicks,
// typing into a pseudo-terminal). Nothing here reaches into the engine.
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { chromium } from "playwright-core"
import type { Browser, Page } from "playwright-core"
import { codexBin, interopEnabled, makeCodexHome } from "../support/codex.ts"

export const root = Path.resolve(import.meta.dirname, "../..")
export const nodeCli: ReadonlyArray<string> = [
  process.execPath,
  Path.join(root, "packages/node/dist/bin/codex-auth.js")
]
export const denoCli: ReadonlyArray<string> = [
  Path.join(root, "node_modules/.bin/deno"),
  "run",
  "-A",
  "--conditions=source",
  Path.join(root, "packages/deno/cli.ts")
]

/** The journeys need the real Codex CLI (to read the result) and Chromium; CI fails when they are missing. */
export const journeysEnabled = (): boolean => {
  const chromiumThere = Fs.existsSync("/usr/bin/chromium")
  if (!chromiumThere && process.env.CI) {
    throw new Error("journeys: CI must install Chromium (scripts/setup-chromium.sh)")
  }
  return interopEnabled("journeys") && chromiumThere
}

/** The environment of a person's shell: no CI, no inherited CODEX_HOME or issuer, no colours. */
export const personEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra }
  for (const name of ["CI", "CODEX_HOME", "CODEX_AUTH_ISSUER", "BROWSER"]) if (!(name in extra)) delete env[name]
  return env
}

export interface Running {
  /** Everything printed so far (stdout and stderr; through a pty they are one stream). */
  readonly output: () => string
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the first match of `pattern` in the output (rejects when the process ends first). */
  readonly waitFor: (pattern: RegExp, what: string) => Promise<RegExpMatchArray>
  /** Keystrokes: the text and Enter. */
  readonly type: (line: string) => void
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>
  readonly kill: () => void
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * Starts `argv`; with `tty` it runs inside a pseudo-terminal made by util-linux `script` (stdin, stdout and stderr
 * are the terminal, so output arrives merged on `script`'s stdout and typing goes to `script`'s stdin).
 */
export const start = (
  argv: ReadonlyArray<string>,
  options: { readonly env: NodeJS.ProcessEnv; readonly tty: boolean; readonly timeoutMs?: number }
): Running => {
  const child = options.tty
    ? ChildProcess.spawn("script", ["-qfec", argv.map(quote).join(" "), "/dev/null"], {
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"]
    })
    : ChildProcess.spawn(argv[0]!, argv.slice(1), { env: options.env, stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  let finished = false
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((wake) => wake())
  child.stdout!.on("data", (chunk) => {
    stdout += chunk
    notify()
  })
  child.stderr!.on("data", (chunk) => {
    stderr += chunk
    notify()
  })
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000)
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      finished = true
      notify()
      resolve({ code, stdout, stderr })
    })
  })
  const output = () => stdout + stderr
  return {
    output,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern, what) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output().match(pattern)
          if (match !== null) {
            waiters.delete(check)
            resolve(match)
          } else if (finished) {
            waiters.delete(check)
            reject(new Error(`the CLI ended before printing ${what}; it printed:\n${output()}`))
          }
        }
        waiters.add(check)
        check()
      }),
    type: (line) => child.stdin!.write(`${line}\r`),
    done,
    kill: () => child.kill("SIGKILL")
  }
}

/** Terminal output without carriage returns and ANSI sequences. */
export const plain = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replaceAll(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replaceAll("\r", "")

/** A headless Chromium whose page screenshots are kept, to be written to `.cache/journeys/<name>/` on failure. */
export interface Person {
  readonly page: Page
  /** Screenshot now (kept in memory under `step`). */
  readonly snap: (step: string) => Promise<void>
  readonly browser: Browser
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run"
    ]
  })

/**
 * Runs one journey with a fresh Chromium, a fresh CODEX_HOME and the real Codex CLI; on failure saves every
 * screenshot taken (plus one of the page as it is) and the CLI output to `.cache/journeys/<name>/`.
 */
export const journey = async (
  name: string,
  body: (context: { person: Person; codexHome: string; log: (label: string, text: string) => void }) => Promise<void>
): Promise<void> => {
  const codex = await makeCodexHome(codexBin()!)
  const browser = await launchChromium()
  const page = await browser.newPage()
  const shots: Array<{ step: string; png: Buffer }> = []
  const logs: Array<{ label: string; text: string }> = []
  const person: Person = {
    page,
    browser,
    snap: async (step) => {
      shots.push({ step, png: await page.screenshot({ fullPage: true }) })
    }
  }
  try {
    await body({ person, codexHome: codex.codexHome, log: (label, text) => logs.push({ label, text }) })
    const status = await codex.run(["login", "status"]).done
    if (!(status.stdout + status.stderr).includes("Logged in using ChatGPT")) {
      throw new Error(`codex login status did not read the login: ${status.stdout}${status.stderr}`)
    }
  } catch (error) {
    const folder = Path.join(root, ".cache/journeys", name)
    Fs.rmSync(folder, { recursive: true, force: true })
    Fs.mkdirSync(folder, { recursive: true })
    await person.snap("at-failure").catch(() => undefined)
    shots.forEach(({ png, step }, index) => Fs.writeFileSync(Path.join(folder, `${index}-${step}.png`), png))
    logs.forEach(({ label, text }) => Fs.writeFileSync(Path.join(folder, `${label}.txt`), text))
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`${message}\n(screenshots and output: ${folder})`, { cause: error })
  } finally {
    await browser.close()
    await codex.remove()
  }
}

/** A `BROWSER` program that appends the URL it is asked to open to a file, where the test's Chromium picks it up. */
export const browserCommand = (): { readonly command: string; readonly opened: () => Promise<string> } => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "journey-browser-"))
  const urls = Path.join(dir, "urls")
  const command = Path.join(dir, "browser.sh")
  Fs.writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$1" >> ${quote(urls)}\n`, { mode: 0o755 })
  const opened = async () => {
    for (let attempt = 0; attempt < 600; attempt++) {
      const text = Fs.existsSync(urls) ? Fs.readFileSync(urls, "utf8").trim() : ""
      if (text !== "") return text.split("\n")[0]!
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error("the CLI never ran the BROWSER command")
  }
  return { command, opened }
}

/** The authorize URL as printed: on a line of its own. */
export const authorizeUrlPattern = /^ *(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m
