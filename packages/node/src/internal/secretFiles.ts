// The file operations of the \`SecretFile\` port on Node as plain promises (no Effect): the atomic write (temporary
// created \`O_EXCL\` with the mode, fsync, rename, fsync of the directory), the in-place overwrite of a journal and the
// sweep of a killed writer's temporaries. NodeSecretFile wraps them in the port; the CLI's startup refresh
// (internal/fast/refresh.ts) calls them directly, so both write auth.json the same way.
import * as SecretFile from "@codex-auth/core/SecretFile"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

const isCode = (cause: unknown, code: string): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause && cause.code === code

// A virus scanner or the search indexer may hold the target open for a moment on Windows, where that refuses a
// rename over it (EPERM, EACCES, EBUSY); retried for about 2.5 s in all, then the error stands (and the caller's
// temporary is removed: the stored file is still the old one, whole).
const transientOnWindows = new Set(["EPERM", "EACCES", "EBUSY"])

const renameOver = async (temporary: string, path: string): Promise<void> => {
  for (let attempt = 0;; attempt++) {
    try {
      return await Fs.rename(temporary, path)
    } catch (error) {
      const retry = process.platform === "win32" && attempt < 8 &&
        [...transientOnWindows].some((code) => isCode(error, code))
      if (!retry) throw error
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt))
    }
  }
}

/**
 * The file a write of `path` replaces: `path` itself, or, when it is a symbolic link, the file at the end of its
 * links (which need not exist yet), so the link stays a link and its target is replaced in the target's directory,
 * as Codex does.
 */
const writeTarget = async (path: string): Promise<string> => {
  let current = path
  for (let hops = 0; hops < 40; hops++) {
    const stats = await Fs.lstat(current).catch((error) => {
      // Nothing there yet (or a dangling link's missing target): this is the file to create.
      if (isCode(error, "ENOENT")) return undefined
      throw error
    })
    if (stats === undefined || !stats.isSymbolicLink()) return current
    current = Path.resolve(Path.dirname(current), await Fs.readlink(current))
  }
  throw Object.assign(new Error("ELOOP"), { code: "ELOOP" })
}

/** The temporary, created exclusively with `mode` beside `target`; a (rare) name collision draws another name. */
const openTemporary = async (target: string, mode: number) => {
  const directory = Path.dirname(target)
  for (let attempt = 0;; attempt++) {
    const temporary = Path.join(directory, SecretFile.randomTemporaryName(Path.basename(target)))
    try {
      // "wx" = O_CREAT | O_EXCL: never follow or reuse a file someone planted under the temporary name.
      return { temporary, handle: await Fs.open(temporary, "wx", mode) }
    } catch (error) {
      if (!isCode(error, "EEXIST") || attempt >= 8) throw error
    }
  }
}

/** Replaces `path` atomically with `data` (mode `mode`), as `SecretFile.Service.writeAtomic` says. */
export const writeAtomic = async (path: string, data: string | Uint8Array, mode: number): Promise<void> => {
  const target = await writeTarget(path)
  const directory = Path.dirname(target)
  const { handle, temporary } = await openTemporary(target, mode)
  try {
    try {
      await handle.chmod(mode) // the umask may have narrowed or the mode; set it exactly
      await (typeof data === "string" ? handle.writeFile(data, "utf8") : handle.writeFile(data))
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameOver(temporary, target)
  } catch (error) {
    await Fs.unlink(temporary).catch(() => undefined)
    throw error
  }
  // Make the rename itself durable. Some file systems refuse fsync on a directory: the rename still happened.
  const dir = await Fs.open(directory, "r").catch(() => undefined)
  if (dir !== undefined) await dir.sync().catch(() => undefined).finally(() => dir.close())
}

/** Rewrites an existing regular file in place (O_NOFOLLOW), truncated to `text`, flushed to disk. */
export const overwrite = async (path: string, text: string): Promise<void> => {
  const bytes = Buffer.from(text, "utf8")
  const handle = await Fs.open(path, Fs.constants.O_WRONLY | (Fs.constants.O_NOFOLLOW ?? 0))
  try {
    let written = 0
    while (written < bytes.length) {
      written += (await handle.write(bytes, written, bytes.length - written, written)).bytesWritten
    }
    await handle.truncate(bytes.length)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Unlinks our temporaries for `fileName` in `directory` (regular files with our temporary names only). */
const removeTemporariesIn = async (directory: string, fileName: string): Promise<number> => {
  let removed = 0
  for (const entry of await Fs.readdir(directory, { withFileTypes: true })) {
    if (!entry.isFile() || !SecretFile.isTemporaryOf(fileName, entry.name)) continue
    try {
      await Fs.unlink(Path.join(directory, entry.name))
      removed++
    } catch (error) {
      if (!isCode(error, "ENOENT")) throw error
    }
  }
  return removed
}

/**
 * Unlinks the leftovers of interrupted writes of `path`: beside it, and beside the file it links to when it is a
 * symbolic link (where `writeAtomic` puts its temporaries then).
 */
export const removeTemporaries = async (path: string): Promise<number> => {
  const target = await writeTarget(path).catch(() => path)
  const removed = await removeTemporariesIn(Path.dirname(path), Path.basename(path))
  return target === path ? removed : removed + await removeTemporariesIn(Path.dirname(target), Path.basename(target))
    .catch(() => 0)
}
