/**
 * A platform `Terminal` for human output on stderr (stdout stays for `--json` and secrets the user asked for): the
 * one every runtime shares (`@codex-auth/adapters/StderrTerminal`) over Deno's stdin and stderr. Lines are read from
 * stdin without raw mode, so Ctrl-C still raises SIGINT; the reader is created on first use and released with the
 * scope, and the end of input ends `readLine` with `QuitException`.
 *
 * @since 0.1.0
 */
import * as StderrTerminal from "@codex-auth/adapters/StderrTerminal"
import type * as Terminal from "@effect/platform/Terminal"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
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

const encoder = new TextEncoder()

/**
 * Deno's stdin as lines (split on `\n`, a trailing `\r` dropped) and stderr written in full.
 *
 * @since 0.1.0
 * @category models
 */
export const port: StderrTerminal.Port = {
  readLines: (onLine, onEnd) => {
    const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader()
    const pump = async () => {
      let pending = ""
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          pending += value
          let newline = pending.indexOf("\n")
          while (newline >= 0) {
            onLine(pending.slice(0, newline).replace(/\r$/, ""))
            pending = pending.slice(newline + 1)
            newline = pending.indexOf("\n")
          }
        }
        if (pending !== "") onLine(pending)
      } catch {
        // stdin closed underneath us: the end of input.
      }
      onEnd()
    }
    void pump()
    // Cancelling releases stdin so the process can exit; the pump ends on its own.
    return () => void reader.cancel().catch(() => undefined)
  },
  write: async (text) => {
    const bytes = encoder.encode(text)
    let written = 0
    while (written < bytes.length) written += await Deno.stderr.write(bytes.subarray(written))
  },
  columns: () => size().columns,
  rows: () => size().rows,
  isTTY: () => isTerminal(Deno.stderr)
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Terminal.Terminal, never, Scope.Scope> = StderrTerminal.make(port)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Terminal.Terminal> = StderrTerminal.layer(port)
