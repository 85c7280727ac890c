/**
 * A platform `Terminal` for human output on stderr (stdout stays for `--json` and secrets the user asked for), over a
 * tiny port each runtime fills in (Node's `process.stdin`/`process.stderr`, Deno's `Deno.stdin`/`Deno.stderr`). Lines
 * are read from stdin without raw mode, so Ctrl-C still raises SIGINT; the reader is started on first use and stopped
 * with the scope, and the end of input ends `readLine` with `QuitException`.
 *
 * @since 0.1.0
 */
import * as PlatformError from "@effect/platform/Error"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"

/**
 * What a runtime provides: stdin as lines, stderr as a sink, and stderr's size and kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface Port {
  /**
   * Starts reading stdin: `onLine` for each line (without its line break), then `onEnd` once at the end of input.
   * Returns what stops reading and releases stdin (so the process can exit); `onEnd` may follow it.
   */
  readonly readLines: (onLine: (line: string) => void, onEnd: () => void) => () => void
  /** Writes the text to stderr; rejects when it cannot. */
  readonly write: (text: string) => Promise<void>
  readonly columns: () => number
  readonly rows: () => number
  readonly isTTY: () => boolean
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (port: Port): Effect.Effect<Terminal.Terminal, never, Scope.Scope> =>
  Effect.gen(function*() {
    let stop: (() => void) | undefined
    let closed = false
    const waiting: Array<(line: string | undefined) => void> = []
    const buffered: Array<string> = []
    const open = () => {
      if (stop !== undefined || closed) return
      stop = port.readLines(
        (line) => {
          const next = waiting.shift()
          if (next !== undefined) next(line)
          else buffered.push(line)
        },
        () => {
          closed = true
          for (const next of waiting.splice(0)) next(undefined)
        }
      )
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        stop?.()
      })
    )
    const readLine = Effect.async<string, Terminal.QuitException>((resume) => {
      open()
      const ready = buffered.shift()
      if (ready !== undefined) return resume(Effect.succeed(ready))
      if (closed) return resume(Effect.fail(new Terminal.QuitException()))
      const callback = (line: string | undefined) =>
        resume(line === undefined ? Effect.fail(new Terminal.QuitException()) : Effect.succeed(line))
      waiting.push(callback)
      return Effect.sync(() => {
        const index = waiting.indexOf(callback)
        if (index >= 0) waiting.splice(index, 1)
      })
    })
    const display = (text: string) =>
      Effect.tryPromise({
        try: () => port.write(text),
        catch: () =>
          new PlatformError.SystemError({
            module: "Terminal",
            method: "display",
            reason: "Unknown",
            description: "could not write to stderr"
          })
      })
    return Terminal.Terminal.of({
      columns: Effect.sync(port.columns),
      rows: Effect.sync(port.rows),
      isTTY: Effect.sync(port.isTTY),
      readInput: Effect.flatMap(Mailbox.make<Terminal.UserInput>(), (mailbox) => Effect.as(mailbox.end, mailbox)),
      readLine,
      display
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (port: Port): Layer.Layer<Terminal.Terminal> => Layer.scoped(Terminal.Terminal, make(port))
