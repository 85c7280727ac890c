// Reading a small file without ever hanging or growing: opened O_NONBLOCK (a FIFO at the path does not wait for a
// writer), refused unless it is a regular file (no /dev/zero, no socket), and read to at most `maxBytes` (a huge file
// fails after one bounded read); the checks and the bounded buffer are core's `BoundedRead` (plain: the fast paths
// load no Effect). Sync and async forms: the startup fast paths read synchronously.
import * as Bounded from "@codex-auth/core/BoundedRead"
import * as FsSync from "node:fs"
import * as Fs from "node:fs/promises"

/** Why a read was refused; `reason` is what `SecretFileError.reason` carries. */
export { ReadRefused } from "@codex-auth/core/BoundedRead"

export const notRegularFile: string = Bounded.notRegularFileReason
export const notUtf8: string = Bounded.notUtf8Reason
export const tooLarge: (maxBytes: number) => string = Bounded.tooLargeReason

/** The bytes as text; invalid UTF-8 is refused, as Codex refuses it, rather than replaced. */
export const decodeUtf8: (bytes: Uint8Array) => string = Bounded.decodeUtf8

// O_NONBLOCK is undefined on Windows, where there are no FIFOs to open in the file system.
const flags = FsSync.constants.O_RDONLY | (FsSync.constants.O_NONBLOCK ?? 0)

const infoOf = (stats: FsSync.Stats): Bounded.FileInfo => ({
  isDirectory: stats.isDirectory(),
  isFile: stats.isFile(),
  size: stats.size
})

export const readBytes = async (path: string, maxBytes: number): Promise<Uint8Array> => {
  const handle = await Fs.open(path, flags)
  try {
    const stats = await handle.stat()
    Bounded.check(infoOf(stats), maxBytes)
    return await Bounded.readAll(
      stats.size,
      maxBytes,
      async (into) => (await handle.read(into, 0, into.length, null)).bytesRead
    )
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
    Bounded.check(infoOf(stats), maxBytes)
    return Bounded.readAllSync(stats.size, maxBytes, (into) => FsSync.readSync(fd, into, 0, into.length, null))
  } finally {
    FsSync.closeSync(fd)
  }
}

export const readTextSync = (path: string, maxBytes: number): string => decodeUtf8(readBytesSync(path, maxBytes))
