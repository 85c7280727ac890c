/**
 * Reading a small file without ever hanging or growing, the part every runtime shares: a plain module (no Effect, so
 * the startup fast paths can use it). The runtime opens the file and reads; this checks what the open file is
 * (a regular file, at most `maxBytes`) and grows the buffer up to the bound, never past it. The reasons are
 * `SecretFileError`'s.
 *
 * @since 0.1.0
 */
import * as hints from "./internal/store/fileErrorHints.ts"

/**
 * The reason for a FIFO, device or socket at the path.
 *
 * @since 0.1.0
 * @category reasons
 */
export const notRegularFileReason: string = hints.notRegularFile

/**
 * The reason for bytes that are not UTF-8 text.
 *
 * @since 0.1.0
 * @category reasons
 */
export const notUtf8Reason: string = hints.notUtf8

/**
 * The reason for a file past the bound.
 *
 * @since 0.1.0
 * @category reasons
 */
export const tooLargeReason = (maxBytes: number): string => `${hints.tooLargePrefix} ${maxBytes} bytes`

/**
 * Why a read was refused; `reason` is what `SecretFileError.reason` carries.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReadRefused extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/**
 * The bytes as text; invalid UTF-8 is refused, as Codex refuses it, rather than replaced.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeUtf8 = (bytes: Uint8Array): string => {
  try {
    return decoder.decode(bytes)
  } catch {
    throw new ReadRefused(notUtf8Reason)
  }
}

/**
 * What the runtime's `stat` says of the path.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileInfo {
  readonly isDirectory: boolean
  readonly isFile: boolean
  readonly size: number
}

/**
 * Throws unless the path is a regular file of at most `maxBytes` (a directory: an `EISDIR` error, as the system
 * gives it).
 *
 * @since 0.1.0
 * @category checks
 */
export const check = (info: FileInfo, maxBytes: number): void => {
  if (info.isDirectory) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" })
  if (!info.isFile) throw new ReadRefused(notRegularFileReason)
  if (info.size > maxBytes) throw new ReadRefused(tooLargeReason(maxBytes))
}

// One byte past the size tells a file that grew since the stat; it may grow up to the bound, never past it. Yields
// the part of the buffer to read into, is given how many bytes were read (0 or null: the end), returns the bytes.
function* fill(
  size: number,
  maxBytes: number
): Generator<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, number | null> {
  let buffer = new Uint8Array(size + 1)
  let length = 0
  while (true) {
    if (length === buffer.length) {
      if (length > maxBytes) throw new ReadRefused(tooLargeReason(maxBytes))
      const larger = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1))
      larger.set(buffer)
      buffer = larger
    }
    const read = yield buffer.subarray(length)
    if (read === null || read === 0) return buffer.subarray(0, length)
    length += read
  }
}

/**
 * Reads an open file of `size` bytes (as its `stat` said) to its end, at most `maxBytes`; `read` fills the given
 * buffer and says how many bytes it read (0 or null at the end).
 *
 * @since 0.1.0
 * @category reading
 */
export const readAll = async (
  size: number,
  maxBytes: number,
  read: (into: Uint8Array<ArrayBuffer>) => Promise<number | null>
): Promise<Uint8Array<ArrayBuffer>> => {
  const steps = fill(size, maxBytes)
  let step = steps.next()
  while (!step.done) step = steps.next(await read(step.value))
  return step.value
}

/**
 * As {@link readAll}, synchronously.
 *
 * @since 0.1.0
 * @category reading
 */
export const readAllSync = (
  size: number,
  maxBytes: number,
  read: (into: Uint8Array<ArrayBuffer>) => number | null
): Uint8Array<ArrayBuffer> => {
  const steps = fill(size, maxBytes)
  let step = steps.next()
  while (!step.done) step = steps.next(read(step.value))
  return step.value
}
