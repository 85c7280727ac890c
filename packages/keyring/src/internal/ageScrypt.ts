/**
 * age's scrypt recipient and identity (age-encryption.org/v1, "scrypt" stanza) with the key derived by node:crypto's
 * native scrypt (Node's OpenSSL, Deno's Rust implementation of node:crypto) instead of age-encryption's JavaScript
 * scrypt, which costs seconds per file at the work factor age uses. They plug into age-encryption's `Encrypter`
 * (`addRecipient`) and `Decrypter` (`addIdentity`), its documented hook for recipients of one's own: the header,
 * payload and MAC stay age-encryption's, so the file is byte for byte what `setPassphrase` / `addPassphrase` make and
 * read — and what Codex (Rust's `age` crate) makes and reads. The stanza is the spec's: `-> scrypt <salt> <log2 N>`,
 * salt 16 random bytes, key = scrypt(passphrase, "age-encryption.org/v1/scrypt" ‖ salt, N, r = 8, p = 1, 32 bytes),
 * body = ChaCha20-Poly1305(key, zero nonce) of the file key; the identity applies age-encryption's checks.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import type { Identity, Recipient } from "age-encryption"
import { Stanza } from "age-encryption"
import { randomBytes, scrypt } from "node:crypto"

const label = "age-encryption.org/v1/scrypt"
/** age-encryption's work factor for a passphrase (`Encrypter.scryptWorkFactor`), and its ceiling when decrypting. */
const writeLogN = 18
const maxLogN = 20

/** Unpadded standard base64, strict (canonical) on the way in, as age's stanza arguments are. */
const encodeNoPad = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "")
const decodeNoPad = (text: string): Uint8Array | undefined => {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return undefined
  const bytes = Uint8Array.from(atob(text + "=".repeat((4 - text.length % 4) % 4)), (char) => char.charCodeAt(0))
  return encodeNoPad(bytes) === text ? bytes : undefined
}

/**
 * Keys this process derived, by passphrase, salt and work factor: a file read again (a load, then the save's read
 * of the same file, or a long-lived process loading each time) costs no second scrypt. Bounded; the keys are no more
 * secret than the passphrases this process holds anyway. Writing never reuses one: each file gets a fresh salt.
 */
const derived = new Map<string, Promise<Uint8Array>>()
const remembered = 8

const deriveKey = (passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> => {
  const id = `${logN} ${encodeNoPad(salt)} ${passphrase}`
  const known = derived.get(id)
  if (known !== undefined) return known
  const key = scryptKey(passphrase, salt, logN)
  derived.set(id, key)
  // A failed derivation is not remembered; the oldest entry goes first.
  key.catch(() => derived.delete(id))
  if (derived.size > remembered) derived.delete(derived.keys().next().value!)
  return key
}

const scryptKey = (passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> => {
  const labelAndSalt = new Uint8Array(label.length + salt.length)
  labelAndSalt.set(new TextEncoder().encode(label))
  labelAndSalt.set(salt, label.length)
  const N = 2 ** logN
  // scrypt needs 128·r·N bytes (plus a little): node:crypto's default ceiling (32 MiB) is below age's N = 2^18.
  const maxmem = 2 * 128 * 8 * N
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      labelAndSalt,
      32,
      { N, r: 8, p: 1, maxmem },
      (error, key) => error === null ? resolve(new Uint8Array(key)) : reject(error)
    )
  )
}

const nonce = new Uint8Array(12)

/**
 * Encrypts the file key to a passphrase (what `Encrypter.setPassphrase` does), deriving the key natively.
 */
export class NativeScryptRecipient implements Recipient {
  readonly #passphrase: string
  readonly #logN: number
  constructor(passphrase: string, logN: number = writeLogN) {
    this.#passphrase = passphrase
    this.#logN = logN
  }
  async wrapFileKey(fileKey: Uint8Array): Promise<Array<Stanza>> {
    const salt = new Uint8Array(randomBytes(16))
    const key = await deriveKey(this.#passphrase, salt, this.#logN)
    const body = chacha20poly1305(key, nonce).encrypt(fileKey)
    return [new Stanza(["scrypt", encodeNoPad(salt), String(this.#logN)], body)]
  }
}

/**
 * Decrypts a file encrypted to a passphrase (what `Decrypter.addPassphrase` does), deriving the key natively; the
 * same refusals as age-encryption's: a scrypt stanza beside others, a malformed stanza, a work factor above 2^20.
 */
export class NativeScryptIdentity implements Identity {
  readonly #passphrase: string
  constructor(passphrase: string) {
    this.#passphrase = passphrase
  }
  async unwrapFileKey(stanzas: Array<Stanza>): Promise<Uint8Array | null> {
    for (const stanza of stanzas) {
      if (stanza.args.length < 1 || stanza.args[0] !== "scrypt") continue
      if (stanzas.length !== 1) throw new Error("scrypt recipient is not the only one in the header")
      if (stanza.args.length !== 3) throw new Error("invalid scrypt stanza")
      if (!/^[1-9][0-9]*$/.test(stanza.args[2]!)) throw new Error("invalid scrypt stanza")
      const salt = decodeNoPad(stanza.args[1]!)
      if (salt === undefined || salt.length !== 16) throw new Error("invalid scrypt stanza")
      const logN = Number(stanza.args[2])
      if (logN > maxLogN) throw new Error("scrypt work factor is too high")
      if (stanza.body.length !== 32) throw new Error("invalid stanza")
      const key = await deriveKey(this.#passphrase, salt, logN)
      try {
        return chacha20poly1305(key, nonce).decrypt(stanza.body)
      } catch {
        // Not this passphrase: let another identity try.
      }
    }
    return null
  }
}
