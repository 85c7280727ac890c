/**
 * Loads a CommonJS bundle through V8's code cache: the bytecode V8 compiled for it in an earlier process, kept in a
 * per-user cache directory, so that a cold start does not parse and compile the whole bundle again. Node 20 has no
 * compile cache for ES modules (`module.enableCompileCache` came in 22.1), so the bundle that a cold refresh loads
 * (dist/bundle/refresh.cjs, ~1 MB) is CommonJS and is compiled here with `vm.Script` and `cachedData`.
 *
 * What may be trusted, and what is checked:
 * - The cache holds bytecode, so it is code: it is read only from a directory and a file that this user owns and no
 *   one else can write (POSIX: owner is the process's user, no group or other write bit, no symbolic link), and only
 *   when its name carries the SHA-256 of the source it was made from. V8 itself checks only its own version, its
 *   flags and the source's length; the hash in the name is what makes a cache of another bundle never apply.
 * - Anything wrong with the cache (missing, refused by V8, unreadable, untrusted, a directory that cannot be made)
 *   only means the bundle is compiled from source, as `require` would: the cache never changes what the code does.
 * - A new cache is written (when there was none, or V8 refused it) by `save`, which the caller runs when the process
 *   exits: by then V8 has compiled the functions the run used, so the next process finds them compiled too. It is
 *   written to a temporary file and renamed over, so that a concurrent reader never sees part of one.
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as Vm from "node:vm"

/** What became of the cache: used, absent, refused by V8, not trusted, or not asked for. */
export type Outcome = "hit" | "miss" | "rejected" | "untrusted" | "off"

export interface Loaded {
  readonly exports: Record<string, unknown>
  readonly outcome: Outcome
  /** Writes the cache for the next process when this one had none it could use; never throws. */
  readonly save: () => void
}

/** The largest cache read (a cache is ~1.5× its source; anything far larger is not one of ours). */
const maxCacheBytes = 64 * 1024 * 1024

const posix = process.platform !== "win32"

/** Owned by this process's user and writable by no one else (POSIX; Windows relies on the per-user directory). */
const trusted = (stats: Fs.Stats): boolean => !posix || (stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0)

/** Whether `directory` is one this process may keep code in; `undefined` when there is none. */
const trustedDirectory = (directory: string): boolean | undefined => {
  let stats: Fs.Stats
  try {
    stats = Fs.lstatSync(directory)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === "ENOENT" || code === "ENOTDIR" ? undefined : false
  }
  return stats.isDirectory() && trusted(stats)
}

/** The cache file's bytes, `undefined` when there is none, `"untrusted"` when there is one this process must not use. */
const readCache = (directory: string, file: string): Buffer | undefined | "untrusted" => {
  const directoryTrusted = trustedDirectory(directory)
  if (directoryTrusted === undefined) return undefined
  if (!directoryTrusted) return "untrusted"
  let fd: number
  try {
    fd = Fs.openSync(file, Fs.constants.O_RDONLY | (Fs.constants.O_NOFOLLOW ?? 0))
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "untrusted"
  }
  try {
    const stats = Fs.fstatSync(fd)
    if (!stats.isFile() || !trusted(stats) || stats.size > maxCacheBytes) return "untrusted"
    return Fs.readFileSync(fd)
  } catch {
    return "untrusted"
  } finally {
    Fs.closeSync(fd)
  }
}

const writeCache = (directory: string, file: string, prefix: string, data: Buffer): void => {
  Fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
  if (trustedDirectory(directory) !== true) return
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`
  const fd = Fs.openSync(
    temporary,
    Fs.constants.O_WRONLY | Fs.constants.O_CREAT | Fs.constants.O_EXCL | (Fs.constants.O_NOFOLLOW ?? 0),
    0o600
  )
  try {
    Fs.writeSync(fd, data)
  } finally {
    Fs.closeSync(fd)
  }
  try {
    Fs.renameSync(temporary, file)
  } catch (error) {
    Fs.rmSync(temporary, { force: true })
    throw error
  }
  // Caches of earlier builds of the same bundle (on this Node) are dead weight: remove them.
  for (const name of Fs.readdirSync(directory)) {
    if (name.startsWith(prefix) && Path.join(directory, name) !== file && name.endsWith(".cache")) {
      Fs.rmSync(Path.join(directory, name), { force: true })
    }
  }
}

/**
 * Loads the CommonJS module at `file` (its own `require`, `module`, `__filename`, `__dirname`), with the code cache
 * in `directory` (`undefined`: no cache).
 */
export const load = (file: string, directory: string | undefined): Loaded => {
  const source = Fs.readFileSync(file, "utf8")
  // As Node wraps a CommonJS module; the same wrapper every time, so that the cache matches.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
  const prefix = `${Path.basename(file)}-${process.version}-${process.arch}-`
  const cache = directory === undefined ? undefined : {
    directory,
    file: Path.join(directory, `${prefix}${createHash("sha256").update(wrapped).digest("hex").slice(0, 32)}.cache`)
  }
  const found = cache === undefined ? undefined : readCache(cache.directory, cache.file)
  const cachedData = found instanceof Buffer ? found : undefined
  const script = new Vm.Script(wrapped, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) })
  const outcome: Outcome = cache === undefined
    ? "off"
    : found === "untrusted"
    ? "untrusted"
    : cachedData === undefined
    ? "miss"
    : script.cachedDataRejected === true
    ? "rejected"
    : "hit"
  const module = { exports: {} as Record<string, unknown> }
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
    filename: string,
    dirname: string
  ) => void
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, Path.dirname(file))
  let saved = false
  const save = (): void => {
    if (saved || cache === undefined) return
    saved = true
    if (outcome !== "miss" && outcome !== "rejected") return
    try {
      writeCache(cache.directory, cache.file, prefix, script.createCachedData())
    } catch {
      // a cache is an optimisation: a read-only or full disk only means the next process compiles again
    }
  }
  return { exports: module.exports, outcome, save }
}
