// Reading a small file without ever hanging or growing, as the Node runtime does: refused unless it is a regular
// file (checked before the open, so a FIFO never blocks it; Deno has no O_NONBLOCK), and read to at most `maxBytes`
// (a huge file fails at once). The checks, the bounded buffer and the reasons are core's `BoundedRead`.
import * as Bounded from "@codex-auth/core/BoundedRead"

/** Why a read was refused; `reason` is what `SecretFileError.reason` carries. */
export { ReadRefused } from "@codex-auth/core/BoundedRead"

export const decodeUtf8: (bytes: Uint8Array) => string = Bounded.decodeUtf8

export const readBytes = async (path: string, maxBytes: number): Promise<Uint8Array> => {
  const info = await Deno.stat(path)
  Bounded.check(info, maxBytes)
  const file = await Deno.open(path, { read: true })
  try {
    // Swapped for a FIFO between the stat and the open would have blocked the open; what was opened is checked too.
    const opened = await file.stat()
    if (!opened.isFile) throw new Bounded.ReadRefused(Bounded.notRegularFileReason)
    return await Bounded.readAll(opened.size, maxBytes, (into) => file.read(into))
  } finally {
    file.close()
  }
}

export const readText = async (path: string, maxBytes: number): Promise<string> =>
  decodeUtf8(await readBytes(path, maxBytes))
