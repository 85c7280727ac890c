/**
 * The browser login: a loopback callback server on the profile's ports (PROTOCOL.md §4), the authorize URL
 * opened with the `BrowserOpener`, and optionally a paste prompt racing the loopback (first valid answer wins).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as internal from "./internal/flows/browser.ts"
import type * as LoginFlow from "./LoginFlow.ts"

/**
 * @since 0.1.0
 */
export interface Options extends LoginFlow.Options {
  /** Open the authorize URL with the `BrowserOpener` (default true); otherwise only present it. */
  readonly openBrowser?: boolean | undefined
  /** Race a paste prompt against the loopback when the presenter can ask (default false). */
  readonly paste?: boolean | undefined
}

/**
 * @since 0.1.0
 */
export type BrowserFlowError = internal.BrowserError

/**
 * @since 0.1.0
 */
export type Requirements = internal.BrowserRequirements

/**
 * Run the browser login. The loopback port is released on every exit path.
 *
 * @since 0.1.0
 */
export const run: (options?: Options) => Effect.Effect<LoginFlow.LoginResult, BrowserFlowError, Requirements> = Effect
  .fn("BrowserFlow.run")(function*(options: Options = {}) {
    return yield* internal.run(options)
  })
