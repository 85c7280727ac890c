// Raw sockets for fuzzing an HTTP server: bytes out exactly as written (no client library tidying them up), the
// answer's status line read back, every exchange bounded in time.
import * as Net from "node:net"

export interface RawAnswer {
  /** The status code of the first response, or undefined when the server closed without one. */
  readonly status: number | undefined
  /** Whether the exchange hit the deadline instead of ending. */
  readonly timedOut: boolean
  readonly bytes: number
  /** The whole response text (headers and body) as received. */
  readonly text: string
}

/** Sends `payload` on a fresh connection and waits for the server to answer and close, or for `timeoutMillis`. */
export const exchange = (port: number, payload: string | Uint8Array, timeoutMillis = 3000): Promise<RawAnswer> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    const chunks: Array<Buffer> = []
    let settled = false
    const finish = (timedOut: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(chunks).toString("latin1")
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text)
      resolve({ status: match === null ? undefined : Number(match[1]), timedOut, bytes: text.length, text })
    }
    const timer = setTimeout(() => finish(true), timeoutMillis)
    socket.on("connect", () => {
      socket.write(payload)
      // Half-close: we will send nothing more, so a server waiting for more bytes must answer or drop us.
      socket.end()
    })
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      // One complete response is enough (keep-alive servers would otherwise hold the socket).
      const text = Buffer.concat(chunks).toString("latin1")
      const headerEnd = text.indexOf("\r\n\r\n")
      if (headerEnd >= 0) {
        const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headerEnd))
        if (length !== null && text.length >= headerEnd + 4 + Number(length[1])) finish(false)
      }
    })
    socket.on("end", () => finish(false))
    socket.on("close", () => finish(false))
    socket.on("error", () => finish(false))
  })

export interface SlowLoris {
  /** Resolves when the server closed the connection (or the deadline passed: `true` means closed by the server). */
  readonly closed: Promise<boolean>
  readonly stop: () => void
}

/**
 * Opens a connection that sends a request one byte at a time, never finishing the headers, until the server closes
 * it or `deadlineMillis` passes.
 */
export const slowLoris = (port: number, prefix: string, intervalMillis: number, deadlineMillis: number): SlowLoris => {
  const socket = Net.connect({ host: "127.0.0.1", port })
  let timer: ReturnType<typeof setInterval> | undefined
  let resolveClosed: (byServer: boolean) => void = () => {}
  const closed = new Promise<boolean>((resolve) => (resolveClosed = resolve))
  let done = false
  const finish = (byServer: boolean) => {
    if (done) return
    done = true
    if (timer !== undefined) clearInterval(timer)
    clearTimeout(deadline)
    socket.destroy()
    resolveClosed(byServer)
  }
  const deadline = setTimeout(() => finish(false), deadlineMillis)
  let index = 0
  const text = `${prefix}${"a".repeat(100_000)}`
  socket.on("connect", () => {
    timer = setInterval(() => {
      if (!socket.writable) return
      socket.write(text[index++ % text.length]!)
    }, intervalMillis)
  })
  socket.on("data", () => {})
  socket.on("close", () => finish(true))
  socket.on("error", () => finish(true))
  return { closed, stop: () => finish(false) }
}
