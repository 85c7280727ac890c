// Reading a small file without ever hanging or growing, as the Node runtime does: refused unless it is a regular
// file (checked before the open, so a FIFO never blocks it; Deno has no O_NONBLOCK), and read to at most `maxBytes`
// (a huge file fails at once). The reasons are core's `SecretFile` reasons.
import { notRegularFileReason, notUtf8Reason, tooLargeReason } from "@codex-auth/core/SecretFile"

/** Why a read was refused; `reason` is what `SecretFileError.reason` carries. */
export class ReadRefused extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

export const decodeUtf8 = (bytes: Uint8Array): string => {
  try {
    return decoder.decode(bytes)
  } catch {
    throw new ReadRefused(notUtf8Reason)
  }
}

const isDirectoryError = () => Object.assign(new Error("EISDIR"), { code: "EISDIR" })

export const readBytes = async (path: string, maxBytes: number): Promise<Uint8Array> => {
  const info = await Deno.stat(path)
  if (info.isDirectory) throw isDirectoryError()
  if (!info.isFile) throw new ReadRefused(notRegularFileReason)
  if (info.size > maxBytes) throw new ReadRefused(tooLargeReason(maxBytes))
  const file = await Deno.open(path, { read: true })
  try {
    // Swapped for a FIFO between the stat and the open would have blocked the open; what was opened is checked too.
    const opened = await file.stat()
    if (!opened.isFile) throw new ReadRefused(notRegularFileReason)
    let buffer = new Uint8Array(opened.size + 1)
    let length = 0
    while (true) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new ReadRefused(tooLargeReason(maxBytes))
        const larger = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1))
        larger.set(buffer)
        buffer = larger
      }
      const read = await file.read(buffer.subarray(length))
      if (read === null) return buffer.subarray(0, length)
      length += read
    }
  } finally {
    file.close()
  }
}

export const readText = async (path: string, maxBytes: number): Promise<string> =>
  decodeUtf8(await readBytes(path, maxBytes))
