/**
 * Node's port for the stderr `Terminal` every runtime shares (`@codex-auth/adapters/StderrTerminal`): stdin read line
 * by line through `node:readline` (no raw mode), stderr written with back-pressure.
 */
import * as StderrTerminal from "@codex-auth/adapters/StderrTerminal"
import type * as Terminal from "@effect/platform/Terminal"
import type * as Layer from "effect/Layer"
import * as Readline from "node:readline"

export const port: StderrTerminal.Port = {
  readLines: (onLine, onEnd) => {
    const reader = Readline.createInterface({ input: process.stdin, terminal: false })
    reader.on("line", onLine)
    reader.on("close", onEnd)
    return () => {
      reader.close()
      process.stdin.unref?.()
    }
  },
  write: (text) =>
    new Promise((resolve, reject) => process.stderr.write(text, (error) => error ? reject(error) : resolve())),
  columns: () => process.stderr.columns ?? 80,
  rows: () => process.stderr.rows ?? 24,
  isTTY: () => process.stderr.isTTY === true
}

export const layer: Layer.Layer<Terminal.Terminal> = StderrTerminal.layer(port)
