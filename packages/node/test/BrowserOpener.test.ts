import { commandsFor, windowsStart } from "@codex-auth/core/BrowserOpener"
import * as NodeBrowserOpener from "@codex-auth/node/NodeBrowserOpener"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const url = "http://127.0.0.1:1455/oauth/authorize?response_type=code&client_id=app_x&scope=openid+profile&state=a(b)"

describe("browser commands", () => {
  it("Windows: cmd /c start with an empty title and every & escaped", () => {
    const command = windowsStart(url)
    assert.strictEqual(command.command, "cmd.exe")
    assert.isTrue(command.verbatim)
    const line = command.args.at(-1)!
    assert.isTrue(line.startsWith("start \"\" "))
    assert.notMatch(line.replace(/\^[&|<>()^]/g, ""), /[&|<>()]/)
    assert.strictEqual(line.replace(/\^([&|<>()^])/g, "$1"), `start "" ${url}`)
  })

  it("per platform: open, cmd, wslview → powershell → cmd under WSL, xdg-open", () => {
    assert.deepStrictEqual(commandsFor({ os: "darwin", wsl: false }, url).map((c) => c.command), ["open"])
    assert.deepStrictEqual(commandsFor({ os: "win32", wsl: false }, url).map((c) => c.command), ["cmd.exe"])
    assert.deepStrictEqual(commandsFor({ os: "linux", wsl: true }, url).map((c) => c.command), [
      "wslview",
      "powershell.exe",
      "cmd.exe"
    ])
    assert.deepStrictEqual(commandsFor({ os: "linux", wsl: false }, url), [
      { command: "xdg-open", args: [url], verbatim: false }
    ])
    const powershell = commandsFor({ os: "linux", wsl: true }, "http://x/?a='b'")[1]!
    assert.strictEqual(powershell.args.at(-1), "Start-Process 'http://x/?a=''b'''")
  })

  it("BROWSER wins; %s marks where the URL goes", () => {
    assert.deepStrictEqual(commandsFor({ os: "linux", wsl: false, browserEnv: "firefox --new-tab %s:lynx" }, url), [
      { command: "firefox", args: ["--new-tab", url], verbatim: false },
      { command: "lynx", args: [url], verbatim: false }
    ])
  })
})

describe("NodeBrowserOpener launching real processes", () => {
  const script = (body: string) => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "opener-"))
    const file = Path.join(dir, "browser.sh")
    Fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 })
    return { dir, file }
  }

  it.live("a launcher that exits 0 opens the URL (argv intact)", () =>
    Effect.gen(function*() {
      const { dir, file } = script(`printf '%s' "$1" > "$(dirname "$0")/opened"`)
      yield* NodeBrowserOpener.make({ os: "linux", wsl: false, browserEnv: file }).open(url)
      assert.strictEqual(Fs.readFileSync(Path.join(dir, "opened"), "utf8"), url)
    }))

  it.live("a missing program or a non-zero exit → BrowserOpenFailed, next candidate tried", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(
        NodeBrowserOpener.make({ os: "linux", wsl: false, browserEnv: "/nonexistent/browser" }).open(url)
      )
      assert.strictEqual(missing._tag, "BrowserOpenFailed")
      assert.strictEqual(missing.reason, "ENOENT")
      assert.include(missing.message, "device code")
      const failing = script("exit 3")
      const exited = yield* Effect.flip(
        NodeBrowserOpener.make({ os: "linux", wsl: false, browserEnv: failing.file }).open(url)
      )
      assert.strictEqual(exited.reason, "exited with status 3")
      const ok = script(`touch "$(dirname "$0")/opened"`)
      yield* NodeBrowserOpener.make({ os: "linux", wsl: false, browserEnv: `/nonexistent/browser:${ok.file}` }).open(
        url
      )
      assert.isTrue(Fs.existsSync(Path.join(ok.dir, "opened")))
    }))
})
