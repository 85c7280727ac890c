/**
 * Port: open a URL in the user's browser. Failing to launch one is a typed error the login reacts to
 * (it falls back to the device code where the plan allows).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as internal from "./internal/openCommands.ts"

/**
 * No browser could be launched.
 *
 * @since 0.1.0
 */
export class BrowserOpenFailed extends Schema.TaggedError<BrowserOpenFailed>("@codex-auth/core/BrowserOpenFailed")(
  "BrowserOpenFailed",
  { command: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `Could not open a browser (${this.command}: ${this.reason}). ` +
      "Open the sign-in URL yourself, or use the device code (`codex-auth login --device-auth`)."
  }
}

/**
 * @since 0.1.0
 */
export declare namespace BrowserOpener {
  /**
   * @since 0.1.0
   */
  export interface Service {
    readonly open: (url: string) => Effect.Effect<void, BrowserOpenFailed>
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class BrowserOpener
  extends Context.Tag("@codex-auth/core/BrowserOpener")<BrowserOpener, BrowserOpener.Service>()
{}

/**
 * An opener that never opens anything: every call fails, so plans that can fall back do.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUnavailable: Layer.Layer<BrowserOpener> = Layer.succeed(
  BrowserOpener,
  BrowserOpener.of({
    open: () => Effect.fail(new BrowserOpenFailed({ command: "none", reason: "no browser is available here" }))
  })
)

/**
 * An opener that hands the URL to a callback (tests drive a headless browser with it).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCallback = (
  open: (url: string) => Effect.Effect<void, BrowserOpenFailed>
): Layer.Layer<BrowserOpener> => Layer.succeed(BrowserOpener, BrowserOpener.of({ open }))

/**
 * One way to launch a browser: a program and its arguments.
 *
 * @since 0.1.0
 */
export type OpenCommand = internal.OpenCommand

/**
 * What decides the programs to try: the OS, WSL, and `BROWSER`.
 *
 * @since 0.1.0
 */
export type Platform = internal.Platform

/**
 * The programs to try, in order, to open `url` (`BROWSER` first; `open`; `cmd /c start` with `&` escaped;
 * `wslview` / `powershell.exe` / `cmd.exe` under WSL; `xdg-open`) — the rules every runtime uses.
 *
 * @since 0.1.0
 */
export const commandsFor: (platform: Platform, url: string) => ReadonlyArray<OpenCommand> = internal.commandsFor

/**
 * `cmd /c start "" <url>` with the URL's `cmd.exe` metacharacters escaped.
 *
 * @since 0.1.0
 */
export const windowsStart: (url: string) => OpenCommand = internal.windowsStart
