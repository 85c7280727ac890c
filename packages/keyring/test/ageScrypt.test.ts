// The native-scrypt recipient and identity against age-encryption's own passphrase path: each reads what the other
// writes, the header is the spec's scrypt stanza, and the identity refuses what age-encryption refuses. (Interop with
// the real Codex CLI's files: test/codex-interop-session/keyring.test.ts.)
import * as age from "age-encryption"
import { describe, expect, it } from "vitest"
import { NativeScryptIdentity, NativeScryptRecipient } from "../src/internal/ageScrypt.ts"

const passphrase = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0xcv="
const plain = JSON.stringify({ version: 1, secrets: { "global/CODEX_AUTH": "x".repeat(3000) } })

const stanzaLine = (file: Uint8Array): string => new TextDecoder().decode(file).split("\n")[1]!

const decryptWith = (identity: age.Identity | string, file: Uint8Array) => {
  const decrypter = new age.Decrypter()
  if (typeof identity === "string") decrypter.addPassphrase(identity)
  else decrypter.addIdentity(identity)
  return decrypter.decrypt(file, "text")
}

describe("age scrypt with node:crypto's native scrypt", () => {
  it(
    "writes age-encryption's format at its work factor (2^18); age-encryption's passphrase path reads it",
    async () => {
      const encrypter = new age.Encrypter()
      encrypter.addRecipient(new NativeScryptRecipient(passphrase))
      const file = await encrypter.encrypt(plain)
      expect(new TextDecoder().decode(file).split("\n")[0]).toBe("age-encryption.org/v1")
      expect(stanzaLine(file)).toMatch(/^-> scrypt [A-Za-z0-9+/]{22} 18$/)
      expect(await decryptWith(passphrase, file)).toBe(plain)
    },
    120_000
  )

  it("reads what age-encryption's passphrase path writes; a wrong passphrase matches nothing", async () => {
    const encrypter = new age.Encrypter()
    encrypter.setPassphrase(passphrase)
    encrypter.setScryptWorkFactor(12)
    const file = await encrypter.encrypt(plain)
    expect(await decryptWith(new NativeScryptIdentity(passphrase), file)).toBe(plain)
    await expect(decryptWith(new NativeScryptIdentity("not the key"), file)).rejects.toThrow(/no identity matched/)
  }, 120_000)

  it("a fresh salt per file: the same passphrase never wraps two file keys under one key", async () => {
    const salts = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const encrypter = new age.Encrypter()
      encrypter.addRecipient(new NativeScryptRecipient(passphrase, 10))
      salts.add(stanzaLine(await encrypter.encrypt(plain)).split(" ")[2]!)
    }
    expect(salts.size).toBe(3)
  }, 120_000)

  it("refuses what age-encryption refuses: a work factor above 2^20, a malformed salt, another stanza beside it", async () => {
    const identity = new NativeScryptIdentity(passphrase)
    const body = new Uint8Array(32)
    const salt = "AAAAAAAAAAAAAAAAAAAAAA"
    await expect(identity.unwrapFileKey([new age.Stanza(["scrypt", salt, "21"], body)])).rejects.toThrow(/too high/)
    await expect(identity.unwrapFileKey([new age.Stanza(["scrypt", salt + "==", "10"], body)])).rejects.toThrow(
      /invalid scrypt stanza/
    )
    await expect(identity.unwrapFileKey([new age.Stanza(["scrypt", "AAAA", "10"], body)])).rejects.toThrow(
      /invalid scrypt stanza/
    )
    await expect(identity.unwrapFileKey([new age.Stanza(["scrypt", salt, "010"], body)])).rejects.toThrow(
      /invalid scrypt stanza/
    )
    await expect(
      identity.unwrapFileKey([new age.Stanza(["scrypt", salt, "10"], body), new age.Stanza(["X25519", "x"], body)])
    ).rejects.toThrow(/not the only one/)
    // Not a scrypt stanza at all: not this identity's, no error.
    expect(await identity.unwrapFileKey([new age.Stanza(["X25519", "x"], body)])).toBeNull()
  })
})
