/**
 * A platform `Terminal` for human output on stderr (stdout stays for `--json` and secrets the user asked for).
 * Lines are read from stdin without raw mode, so Ctrl-C still raises SIGINT; the reader is created on first use
 * and closed with the scope, and the end of input ends `readLine` with `QuitException`.
 */
import * as PlatformError from "@effect/platform/Error"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import * as Readline from "node:readline"

export const make: Effect.Effect<Terminal.Terminal, never, Scope.Scope> = Effect.gen(function*() {
  let reader: Readline.Interface | undefined
  let closed = false
  const waiting: Array<(line: string | undefined) => void> = []
  const buffered: Array<string> = []
  const open = () => {
    if (reader !== undefined || closed) return
    reader = Readline.createInterface({ input: process.stdin, terminal: false })
    reader.on("line", (line) => {
      const next = waiting.shift()
      if (next !== undefined) next(line)
      else buffered.push(line)
    })
    reader.on("close", () => {
      closed = true
      for (const next of waiting.splice(0)) next(undefined)
    })
  }
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      closed = true
      reader?.close()
      process.stdin.unref?.()
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
    Effect.async<void, PlatformError.PlatformError>((resume) => {
      process.stderr.write(text, (error) =>
        resume(
          error
            ? Effect.fail(
              new PlatformError.SystemError({
                module: "Terminal",
                method: "display",
                reason: "Unknown",
                description: "could not write to stderr"
              })
            )
            : Effect.void
        ))
    })
  return Terminal.Terminal.of({
    columns: Effect.sync(() => process.stderr.columns ?? 80),
    rows: Effect.sync(() => process.stderr.rows ?? 24),
    isTTY: Effect.sync(() => process.stderr.isTTY === true),
    readInput: Effect.flatMap(Mailbox.make<Terminal.UserInput>(), (mailbox) => Effect.as(mailbox.end, mailbox)),
    readLine,
    display
  })
})

export const layer: Layer.Layer<Terminal.Terminal> = Layer.scoped(Terminal.Terminal, make)
