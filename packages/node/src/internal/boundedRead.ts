// Reading a small file without ever hanging or growing: opened O_NONBLOCK (a FIFO at the path does not wait for a
// writer), refused unless it is a regular file (no /dev/zero, no socket), and read to at most `maxBytes` (a huge file
// fails after one bounded read). Sync and async forms: the startup fast paths read synchronously.
import * as FsSync from "node:fs"
import * as Fs from "node:fs/promises"

/** Why a read was refused; `reason` is what `SecretFileError.reason` carries. */
export class ReadRefused extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

// The same texts as core's SecretFile reasons (not imported: the fast paths load no Effect).
export const notRegularFile = "it is not a regular file"
export const notUtf8 = "the file is not valid UTF-8 text"
export const tooLarge = (maxBytes: number): string => `the file is larger than ${maxBytes} bytes`

// O_NONBLOCK is undefined on Windows, where there are no FIFOs to open in the file system.
const flags = FsSync.constants.O_RDONLY | (FsSync.constants.O_NONBLOCK ?? 0)

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** The bytes as text; invalid UTF-8 is refused, as Codex refuses it, rather than replaced. */
export const decodeUtf8 = (bytes: Uint8Array): string => {
  try {
    return decoder.decode(bytes)
  } catch {
    throw new ReadRefused(notUtf8)
  }
}

const grown = (buffer: Uint8Array, maxBytes: number): Uint8Array<ArrayBuffer> => {
  const larger = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1))
  larger.set(buffer)
  return larger
}

export const readBytes = async (path: string, maxBytes: number): Promise<Uint8Array> => {
  const handle = await Fs.open(path, flags)
  try {
    const stats = await handle.stat()
    if (stats.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" })
    if (!stats.isFile()) throw new ReadRefused(notRegularFile)
    if (stats.size > maxBytes) throw new ReadRefused(tooLarge(maxBytes))
    // One byte past the size tells a file that grew since the stat; it may grow up to the bound, never past it.
    let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(stats.size + 1)
    let length = 0
    while (true) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new ReadRefused(tooLarge(maxBytes))
        buffer = grown(buffer, maxBytes)
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) return buffer.subarray(0, length)
      length += bytesRead
    }
  } finally {
    await handle.close()
  }
}

export const readText = async (path: string, maxBytes: number): Promise<string> =>
  decodeUtf8(await readBytes(path, maxBytes))

export const readBytesSync = (path: string, maxBytes: number): Uint8Array => {
  const fd = FsSync.openSync(path, flags)
  try {
    const stats = FsSync.fstatSync(fd)
    if (stats.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" })
    if (!stats.isFile()) throw new ReadRefused(notRegularFile)
    if (stats.size > maxBytes) throw new ReadRefused(tooLarge(maxBytes))
    let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(stats.size + 1)
    let length = 0
    while (true) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new ReadRefused(tooLarge(maxBytes))
        buffer = grown(buffer, maxBytes)
      }
      const bytesRead = FsSync.readSync(fd, buffer, length, buffer.length - length, null)
      if (bytesRead === 0) return buffer.subarray(0, length)
      length += bytesRead
    }
  } finally {
    FsSync.closeSync(fd)
  }
}

export const readTextSync = (path: string, maxBytes: number): string => decodeUtf8(readBytesSync(path, maxBytes))
