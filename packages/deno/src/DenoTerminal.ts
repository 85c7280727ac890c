/**
 * A platform `Terminal` for human output on stderr (stdout stays for `--json` and secrets the user asked for), as the
 * Node runtime has it. Lines are read from stdin without raw mode, so Ctrl-C still raises SIGINT; the reader is
 * created on first use and released with the scope, and the end of input ends `readLine` with `QuitException`.
 *
 * @since 0.1.0
 */
import * as PlatformError from "@effect/platform/Error"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"

const isTerminal = (stream: { isTerminal(): boolean }): boolean => {
  try {
    return stream.isTerminal()
  } catch {
    return false
  }
}

const size = (): { readonly columns: number; readonly rows: number } => {
  try {
    return Deno.consoleSize()
  } catch {
    return { columns: 80, rows: 24 }
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Terminal.Terminal, never, Scope.Scope> = Effect.gen(function*() {
  let reader: ReadableStreamDefaultReader<string> | undefined
  let closed = false
  let pending = ""
  const buffered: Array<string> = []
  const waiting: Array<(line: string | undefined) => void> = []
  const deliver = (line: string | undefined) => {
    const next = waiting.shift()
    if (next !== undefined) next(line)
    else if (line !== undefined) buffered.push(line)
  }
  const finish = () => {
    closed = true
    for (const next of waiting.splice(0)) next(undefined)
  }
  const pump = async (source: ReadableStreamDefaultReader<string>) => {
    try {
      for (;;) {
        const { done, value } = await source.read()
        if (done) break
        pending += value
        let newline = pending.indexOf("\n")
        while (newline >= 0) {
          deliver(pending.slice(0, newline).replace(/\r$/, ""))
          pending = pending.slice(newline + 1)
          newline = pending.indexOf("\n")
        }
      }
      if (pending !== "") deliver(pending)
    } catch {
      // stdin closed underneath us: the end of input.
    }
    finish()
  }
  const open = () => {
    if (reader !== undefined || closed) return
    reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader()
    void pump(reader)
  }
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      closed = true
      // Cancelling releases stdin so the process can exit; the pump ends on its own.
      void reader?.cancel().catch(() => undefined)
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
  const encoder = new TextEncoder()
  const display = (text: string) =>
    Effect.tryPromise({
      try: async () => {
        const bytes = encoder.encode(text)
        let written = 0
        while (written < bytes.length) written += await Deno.stderr.write(bytes.subarray(written))
      },
      catch: () =>
        new PlatformError.SystemError({
          module: "Terminal",
          method: "display",
          reason: "Unknown",
          description: "could not write to stderr"
        })
    })
  return Terminal.Terminal.of({
    columns: Effect.sync(() => size().columns),
    rows: Effect.sync(() => size().rows),
    isTTY: Effect.sync(() => isTerminal(Deno.stderr)),
    readInput: Effect.flatMap(Mailbox.make<Terminal.UserInput>(), (mailbox) => Effect.as(mailbox.end, mailbox)),
    readLine,
    display
  })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Terminal.Terminal> = Layer.scoped(Terminal.Terminal, make)
