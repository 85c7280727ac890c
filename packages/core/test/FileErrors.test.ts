// The next step of a file error is chosen by its errno: a full or busy disk is not a permissions problem, and a lock
// file that cannot be opened (a directory, a read-only file system, another user's file, a symlink) is not "another
// process holding the lock". Both the port's error and the file store's error end with the same hint.
import { CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as SecretFile from "@codex-auth/core/SecretFile"
import { assert, describe, it } from "@effect/vitest"

const messages = (operation: "write" | "lock", reason: string): ReadonlyArray<string> => [
  new SecretFile.SecretFileError({ operation, path: "/home/u/.codex/auth.json", reason }).message,
  new CredentialStoreError({
    store: "file",
    operation: operation === "write" ? "save" : "lock",
    location: "/home/u/.codex/auth.json",
    reason
  }).message
]

describe("file error messages by errno", () => {
  it("ENOSPC and EBUSY name their own next step and never say to check the permissions", () => {
    for (const message of messages("write", "ENOSPC")) {
      assert.include(message, "The disk is full")
      assert.notInclude(message.toLowerCase(), "permission")
    }
    for (const message of messages("write", "EBUSY")) {
      assert.include(message, "busy")
      assert.notInclude(message.toLowerCase(), "permission")
    }
  })

  it("lock errors EISDIR, EROFS, EACCES and ELOOP never blame another process; a timeout does", () => {
    const expected = {
      EISDIR: "A directory is in the way",
      EROFS: "read-only",
      EACCES: "permissions",
      ELOOP: "symbolic link"
    }
    for (const [reason, hint] of Object.entries(expected)) {
      for (const message of messages("lock", reason)) {
        assert.include(message, hint, reason)
        assert.notInclude(message.toLowerCase(), "another", reason)
        assert.notInclude(message.toLowerCase(), "stuck", reason)
      }
    }
    for (const message of messages("lock", "still held by another process after 30000 ms")) {
      assert.include(message, "holding the lock")
    }
  })

  it("the port's own reasons (not a regular file, too large, not UTF-8) say what to do with the file", () => {
    assert.include(messages("write", SecretFile.notRegularFileReason)[0]!, "pipe, device or socket")
    assert.include(messages("write", SecretFile.tooLargeReason(1024))[0]!, "codex-auth login")
    assert.include(messages("write", SecretFile.notUtf8Reason)[0]!, "codex-auth login")
    assert.include(messages("write", "ENAMETOOLONG")[0]!, "shorter directory")
  })
})
