/** Which program opens a URL on which platform, as argument vectors (no shell involved except `cmd`). */
import type { Os } from "../RuntimeFacts.ts"

export interface OpenCommand {
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** `cmd.exe` parses its own command line: pass it verbatim. */
  readonly verbatim: boolean
}

/** Characters `cmd.exe` treats as syntax outside quotes; each is escaped with `^`. */
const cmdMeta = /[&|<>()^]/g

/**
 * `cmd /c start "" <url>`: `start` takes the first quoted argument as a window title, hence `""`; an
 * unescaped `&` would end the command at the first query parameter, so every metacharacter gets a `^`.
 */
export const windowsStart = (url: string): OpenCommand => ({
  command: "cmd.exe",
  args: ["/d", "/s", "/c", `start "" ${url.replace(cmdMeta, "^$&")}`],
  verbatim: true
})

/** PowerShell single-quoted string: only `'` needs doubling. */
export const powershellStart = (url: string): OpenCommand => ({
  command: "powershell.exe",
  args: ["-NoProfile", "-NonInteractive", "-Command", `Start-Process '${url.replace(/'/g, "''")}'`],
  verbatim: false
})

export interface Platform {
  readonly os: Os
  readonly wsl: boolean
  /** `BROWSER`, as other CLIs honour it (`:`-separated candidates, `%s` marks the URL). */
  readonly browserEnv?: string | undefined
}

/** The candidates, tried in order until one launches. */
export const commandsFor = (platform: Platform, url: string): ReadonlyArray<OpenCommand> => {
  const fromEnv: Array<OpenCommand> = (platform.browserEnv ?? "").split(":").filter((entry) => entry.trim() !== "")
    .map((entry) => {
      const parts = entry.trim().split(/\s+/)
      const args = parts.slice(1)
      return {
        command: parts[0]!,
        args: args.some((arg) => arg.includes("%s"))
          ? args.map((arg) => arg.replaceAll("%s", url))
          : [...args, url],
        verbatim: false
      }
    })
  if (fromEnv.length > 0) return fromEnv
  switch (platform.os) {
    case "darwin":
      return [{ command: "open", args: [url], verbatim: false }]
    case "win32":
      return [windowsStart(url)]
    default:
      return platform.wsl
        ? [{ command: "wslview", args: [url], verbatim: false }, powershellStart(url), windowsStart(url)]
        : [{ command: "xdg-open", args: [url], verbatim: false }]
  }
}
