// What to do next after a file operation on credentials failed, chosen by the system's error code (or the port's own
// reasons): one table for `SecretFileError` and the file store's `CredentialStoreError`, so a full disk never says
// "check the permissions" and a refused lock never blames "another process". Plain TypeScript (no `effect`).

/** The reason `read` gives for a file that is not UTF-8 text (Codex refuses it too: "stream did not contain valid UTF-8"). */
export const notUtf8 = "the file is not valid UTF-8 text"
/** The reason `read` / `lock` give for a FIFO, device or socket at the path. */
export const notRegularFile = "it is not a regular file"
/** The reason `read` gives for a file past the size bound (the prefix; the bound follows). */
export const tooLargePrefix = "the file is larger than"

const codeOf = (reason: string): string | undefined => /^E[A-Z0-9]+$/.test(reason) ? reason : undefined

/** The next step for a failed `operation` on `path` whose reason is `reason`. */
export const hintFor = (operation: string, reason: string): string => {
  const lock = operation === "lock"
  switch (codeOf(reason)) {
    case "ENOSPC":
    case "EDQUOT":
      return "The disk is full (or the user's quota is used up): free some space on that file system and try again. " +
        "The stored credentials were left as they were."
    case "EBUSY":
      return "The file is busy (in use by another program, or a mount point): close that program or wait a moment, " +
        "then try again."
    case "EROFS":
      return "The file system is read-only: remount it read-write, or point CODEX_HOME at a writable directory."
    case "EISDIR":
      return "A directory is in the way at that path: remove or rename it (the file is created again when needed)."
    case "EACCES":
    case "EPERM":
      return "This user may not access it: check the owner and permissions of CODEX_HOME and its files."
    case "ELOOP":
      return lock
        ? "The lock file is a symbolic link, which is refused so the lock cannot be redirected elsewhere: remove it " +
          "(it is created again)."
        : "There are too many symbolic links on the way to it: point CODEX_HOME at the real directory."
    case "ENAMETOOLONG":
      return "The path is too long for this system: point CODEX_HOME at a shorter directory."
    case "ENOENT":
    case "ENOTDIR":
      return "Check that CODEX_HOME exists and is a directory."
    case "EMFILE":
    case "ENFILE":
      return "Too many files are open: close some programs (or raise the limit) and try again."
    case "EIO":
      return "The disk reported an I/O error: check the disk, then try again."
  }
  if (reason === notRegularFile) {
    return "Remove what is at that path (a pipe, device or socket); a regular file is created again when needed."
  }
  if (reason === notUtf8 || reason.startsWith(tooLargePrefix)) {
    return "It cannot be a credentials file: run `codex-auth login` again, or fix or remove the file."
  }
  return lock
    ? "Another process (a Codex CLI or codex-auth) may be holding the lock; try again, or end that process."
    : "Check that the path exists and that this user may read and write it."
}
