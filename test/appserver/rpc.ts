// A JSON-RPC host over a child's stdio, for driving `codex app-server` (directly or through `codex-auth app-server`)
// as an embedding runtime would: one JSON object per line, every line kept for transcript comparisons.
import type { StartedEmulatorPromise } from "@codex-auth/emulator/node"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as Path from "node:path"

export const root = Path.resolve(import.meta.dirname, "../..")
export const cliBin = Path.join(root, "packages/node/dist/bin/codex-auth.js")

/** The `-c` overrides that keep the app-server on the emulator (APP-SERVER.md), one attempt per request. */
export const offlineOverrides = (emulatorUrl: string): Array<string> =>
  [
    "model_provider=emu",
    "model_providers.emu.name=emu",
    `model_providers.emu.base_url="${emulatorUrl}/backend-api/codex"`,
    "model_providers.emu.requires_openai_auth=true",
    "model_providers.emu.request_max_retries=0",
    "model_providers.emu.stream_max_retries=0",
    `chatgpt_base_url="${emulatorUrl}/backend-api/"`,
    "features.plugins=false",
    "features.apps=false",
    "analytics.enabled=false"
  ].flatMap((override) => ["-c", override])

export interface Host {
  readonly child: ChildProcess
  /** Every parsed line the host received, in order. */
  readonly received: Array<any>
  readonly stderr: () => string
  readonly send: (message: unknown) => void
  readonly request: (method: string, params?: unknown, timeoutMs?: number) => Promise<any>
  readonly waitFor: (predicate: (message: any) => boolean, timeoutMs?: number) => Promise<any>
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly close: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

let nextId = 1

export const startHost = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Host => {
  const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] })
  const received: Array<any> = []
  const waiters: Array<{ predicate: (m: any) => boolean; resolve: (m: any) => void }> = []
  let buffered = ""
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  child.stdout!.on("data", (chunk) => {
    buffered += chunk
    let index: number
    while ((index = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, index)
      buffered = buffered.slice(index + 1)
      let message: any
      try {
        message = JSON.parse(line)
      } catch {
        message = { unparsed: line }
      }
      received.push(message)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(message)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(message)
        }
      }
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  const waitFor = (predicate: (message: any) => boolean, timeoutMs = 30_000) =>
    new Promise<any>((resolve, reject) => {
      const found = received.find(predicate)
      if (found !== undefined) return resolve(found)
      const timer = setTimeout(
        () => reject(new Error(`no such message within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs
      )
      waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        }
      })
    })
  const send = (message: unknown) => child.stdin!.write(`${JSON.stringify(message)}\n`)
  return {
    child,
    received,
    stderr: () => stderr,
    send,
    request: (method, params, timeoutMs) => {
      const id = nextId++
      send(params === undefined ? { id, method } : { id, method, params })
      return waitFor((m) => m.id === id && m.method === undefined, timeoutMs)
    },
    waitFor,
    exited,
    close: async () => {
      child.stdin!.end()
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      const exit = await exited
      clearTimeout(timer)
      return exit
    }
  }
}

/** A CODEX_HOME holding an auth.json of freshly minted emulator tokens. */
export const makeHome = async (emulator: StartedEmulatorPromise) => {
  const dir = await mkdtemp(Path.join(tmpdir(), "appserver-home-"))
  const minted = await emulator.admin.mintTokens({})
  await writeFile(
    Path.join(dir, "auth.json"),
    JSON.stringify({
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        account_id: minted.account_id
      },
      last_refresh: new Date().toISOString()
    }),
    { mode: 0o600 }
  )
  return { dir, minted, remove: () => rm(dir, { recursive: true, force: true }) }
}

export const initialize = async (host: Host, capabilities: Record<string, unknown> = {}) => {
  const answer = await host.request("initialize", {
    clientInfo: { name: "appserver-test", title: "test", version: "1.0.0" },
    capabilities
  })
  host.send({ method: "initialized" })
  return answer
}

/** thread/start → turn/start → turn/completed; answers the completed turn. */
export const runTurn = async (host: Host, cwd: string, text = "hello") => {
  const thread = await host.request("thread/start", {
    cwd,
    approvalPolicy: "never",
    sandbox: "read-only",
    ephemeral: true
  })
  const threadId = thread.result.thread.id
  const started = await host.request("turn/start", {
    threadId,
    input: [{ type: "text", text, text_elements: [] }]
  })
  const turnId = started.result.turn.id
  const completed = await host.waitFor((m) => m.method === "turn/completed" && m.params.turn.id === turnId, 60_000)
  return completed.params.turn
}
