/**
 * The keyring store: credentials in the OS credential store under the Codex CLI's names (PROTOCOL.md §8). Two
 * layouts, as Codex 0.169 has them (`[features] secret_auth_storage`, on by default on Windows only):
 * - `direct` (Linux, macOS): service `Codex Auth`, account `cli|` + the first 16 hex characters of SHA-256 of the
 *   canonical `CODEX_HOME`, value the compact `auth.json` document. On Linux the entry lives in the Secret Service.
 * - `secrets` (Windows, where a Credential Manager blob holds at most 2,560 bytes and a ChatGPT `auth.json` is
 *   larger): `CODEX_HOME/secrets/codex_auth.age`, an age file encrypted with an scrypt passphrase, holding
 *   `{"version":1,"secrets":{"global/CODEX_AUTH":<compact auth.json>}}`; the passphrase (base64 of 32 random bytes)
 *   is the keyring entry, service `codex`, account `secrets|` + the same 16 hex characters. The scrypt key is
 *   derived by node:crypto's native scrypt (milliseconds; age-encryption's own is JavaScript, seconds per file).
 * A successful save removes `auth.json`, as Codex does. A refresh is journaled in `CODEX_HOME/auth.next` exactly as
 * the file store journals it (`FileCredentialStore.withJournal`), so a keyring that fails after the grant loses no
 * token. `layerAuto` falls back to the file store with a one-line warning.
 *
 * @since 0.1.0
 */
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CodexHome } from "@codex-auth/core/CodexHome"
import { CredentialStore, CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { RuntimeFacts } from "@codex-auth/core/RuntimeFacts"
import { SecretFile } from "@codex-auth/core/SecretFile"
import type { AsyncEntry } from "@napi-rs/keyring"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { NativeScryptIdentity, NativeScryptRecipient } from "./internal/ageScrypt.ts"

/**
 * The keyring service name Codex uses.
 *
 * @since 0.1.0
 * @category constants
 */
export const service: string = "Codex Auth"

/**
 * The keyring account for a canonical `CODEX_HOME` path: `cli|` + first 16 hex of its SHA-256.
 *
 * @since 0.1.0
 * @category constructors
 */
export const accountFor = (canonicalCodexHome: string): Effect.Effect<string> =>
  Effect.map(homeHash(canonicalCodexHome), (hash) => `cli|${hash}`)

const homeHash = (canonicalCodexHome: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalCodexHome))).pipe(
    Effect.map((digest) =>
      Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, 16)
    )
  )

/**
 * `CODEX_HOME` as Codex names it in its keyring accounts: Rust's `std::fs::canonicalize`, which on Windows gives the
 * verbatim form (`\\?\C:\…`, `\\?\UNC\server\share\…`) where a real path (ours) has none; elsewhere the real path.
 * (Checked against codex.exe 0.169 under Wine: it hashes `\\?\Z:\tmp\…`.)
 */
const canonicalHome = (files: SecretFile["Type"], path: string): Effect.Effect<string> =>
  files.realPath(path).pipe(
    Effect.orElseSucceed(() => path),
    Effect.map((real) =>
      /^[A-Za-z]:\\/.test(real)
        ? `\\\\?\\${real}`
        : real.startsWith("\\\\") && !real.startsWith("\\\\?\\")
        ? `\\\\?\\UNC\\${real.slice(2)}`
        : real
    )
  )

/**
 * Where the credentials go: `direct` (one keyring entry) or `secrets` (Codex's encrypted file, its key in the
 * keyring).
 *
 * @since 0.1.0
 * @category models
 */
export type Backend = "direct" | "secrets"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default: Codex's — `secrets` on Windows (`RuntimeFacts.os`), `direct` elsewhere or without facts. */
  readonly backend?: Backend | undefined
}

/**
 * The keyring service of the `secrets` layout's passphrase.
 *
 * @since 0.1.0
 * @category constants
 */
export const secretsService: string = "codex"

/**
 * The keyring account of the `secrets` layout's passphrase: `secrets|` + first 16 hex of SHA-256 of the canonical
 * `CODEX_HOME`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const secretsAccountFor = (canonicalCodexHome: string): Effect.Effect<string> =>
  Effect.map(homeHash(canonicalCodexHome), (hash) => `secrets|${hash}`)

/** The `secrets` layout's file, its key in it, and the schema version Codex writes and accepts. */
const secretsDirectory = "secrets"
const secretsFileName = "codex_auth.age"
const secretKey = "global/CODEX_AUTH"
const secretsVersion = 1

const describeError = (cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause)
  // Keyring errors describe the platform failure; keep them short and free of any value.
  return message.split("\n")[0]!.slice(0, 200)
}

/**
 * What to do when the optional `@napi-rs/keyring` package is not installed (it is an optional dependency: an install
 * with `--omit=optional`, or a platform without a prebuilt binary, goes without it).
 *
 * @since 0.1.0
 * @category constants
 */
export const keyringMissing: string =
  "the optional package @napi-rs/keyring is not installed; add it with `npm install @napi-rs/keyring` " +
  "(or use the file store: --store file)"

const isModuleNotFound = (cause: unknown): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause &&
  (cause.code === "ERR_MODULE_NOT_FOUND" || cause.code === "MODULE_NOT_FOUND")

// Loaded on first use, so that a program without the optional package still loads this module (`auto` falls back).
const loadKeyring = Effect.tryPromise({
  try: () => import("@napi-rs/keyring"),
  catch: (cause) => isModuleNotFound(cause) ? new Error(keyringMissing) : cause
})

/** A keyring entry; the constructor may throw (on Linux it connects to the bus), or the package may be missing. */
const newEntry = (service: string, account: string) =>
  Effect.flatMap(loadKeyring, (keyring) =>
    Effect.try({
      try: () => new keyring.AsyncEntry(service, account, { linux: { store: "secret-service" } }),
      catch: (cause) => cause
    }))

interface Probed {
  readonly store: CredentialStore.Service
  /** Touches the keyring without changing anything: `layerAuto` falls back to the file store when it fails. */
  readonly probe: Effect.Effect<unknown, CredentialStoreError | AuthJson.AuthFileInvalid>
}

/** One keyring entry's operations as Effects; the constructor may throw (on Linux it connects to the bus). */
const keyringEntry = (service: string, account: string, fail: (cause: unknown) => CredentialStoreError) => {
  const created = newEntry(service, account)
  return <A>(use: (entry: AsyncEntry) => Promise<A>) =>
    Effect.flatMap(Effect.mapError(created, fail), (entry) => Effect.tryPromise({ try: () => use(entry), catch: fail }))
}

const makeSecrets = Effect.gen(function*() {
  const files = yield* SecretFile
  const home = yield* CodexHome
  const canonical = yield* canonicalHome(files, home.path)
  const account = yield* secretsAccountFor(canonical)
  const directory = files.join(home.path, secretsDirectory)
  const path = files.join(directory, secretsFileName)
  const location = `${path} (key: ${secretsService} / ${account})`
  const error = (operation: CredentialStoreError["operation"], reason: string) =>
    new CredentialStoreError({ store: "keyring", operation, location, reason })
  const fail = (operation: CredentialStoreError["operation"]) => (cause: unknown) =>
    error(operation, describeError(cause))
  const passphraseEntry = (operation: CredentialStoreError["operation"]) =>
    keyringEntry(secretsService, account, fail(operation))
  const age = yield* Effect.promise(() => import("age-encryption"))
  const fileStore = yield* FileCredentialStore.make

  // The decrypted document: `{version, secrets}`, every key kept (Codex may keep others in the same file).
  type Secrets = { readonly version: number; readonly secrets: Readonly<Record<string, string>> }
  const readSecrets = (operation: CredentialStoreError["operation"]) =>
    Effect.gen(function*() {
      const bytes = yield* files.readBytes(path).pipe(Effect.mapError(fail(operation)))
      if (Option.isNone(bytes)) return Option.none<{ readonly passphrase: string; readonly document: Secrets }>()
      const passphrase = yield* passphraseEntry(operation)((entry) => entry.getPassword())
      if (passphrase === null || passphrase === undefined) {
        return yield* error(
          operation,
          `${secretsFileName} exists but its key is not in the keyring; remove ${path} and sign in again`
        )
      }
      const plain = yield* Effect.tryPromise({
        try: () => {
          const decrypter = new age.Decrypter()
          decrypter.addIdentity(new NativeScryptIdentity(passphrase))
          return decrypter.decrypt(bytes.value, "text")
        },
        catch: () =>
          error(
            operation,
            `${secretsFileName} cannot be decrypted with the keyring's key; remove ${path} and sign in again`
          )
      })
      const document = yield* Effect.try({
        try: () => JSON.parse(plain) as Secrets,
        catch: () => error(operation, `${secretsFileName} does not hold Codex's secrets document`)
      })
      if (typeof document !== "object" || document === null || typeof document.secrets !== "object") {
        return yield* error(operation, `${secretsFileName} does not hold Codex's secrets document`)
      }
      if (document.version > secretsVersion) {
        return yield* error(operation, `${secretsFileName} is version ${document.version}; update codex-auth`)
      }
      return Option.some({ passphrase, document })
    })

  const writeSecrets = (passphrase: string, secrets: Readonly<Record<string, string>>) =>
    Effect.gen(function*() {
      // Sorted keys, compact: what Codex's serde_json of a BTreeMap writes.
      const sorted = Object.fromEntries(Object.keys(secrets).sort().map((key) => [key, secrets[key]!]))
      const encrypted = yield* Effect.tryPromise({
        try: () => {
          const encrypter = new age.Encrypter()
          encrypter.addRecipient(new NativeScryptRecipient(passphrase))
          return encrypter.encrypt(JSON.stringify({ version: secretsVersion, secrets: sorted }))
        },
        catch: fail("save")
      })
      yield* files.ensureDirectory(directory, { mode: 0o700 }).pipe(Effect.mapError(fail("save")))
      yield* files.writeAtomicBytes(path, encrypted, { mode: 0o600 }).pipe(Effect.mapError(fail("save")))
    })

  /** Codex's passphrase: 32 random bytes, base64 (standard, padded). */
  const newPassphrase = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32))
    return btoa(String.fromCharCode(...bytes))
  }

  const store: CredentialStore.Service = {
    kind: "keyring",
    location,
    load: readSecrets("load").pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeedNone,
        onSome: ({ document }) => {
          const value = document.secrets[secretKey]
          return typeof value === "string"
            ? Effect.asSome(AuthJson.parse(value, { path: `${path} (${secretKey})` }))
            : Effect.succeedNone
        }
      }))
    ),
    save: (document) =>
      Effect.gen(function*() {
        const existing = yield* readSecrets("save")
        const passphrase = Option.isSome(existing)
          ? existing.value.passphrase
          : yield* Effect.gen(function*() {
            // No file yet: reuse a key the keyring already holds (Codex does), else make and store one first.
            const stored = yield* passphraseEntry("save")((entry) => entry.getPassword())
            if (typeof stored === "string" && stored !== "") return stored
            const created = newPassphrase()
            yield* passphraseEntry("save")((entry) => entry.setPassword(created))
            return created
          })
        const secrets = Option.isSome(existing) ? existing.value.document.secrets : {}
        yield* writeSecrets(passphrase, { ...secrets, [secretKey]: AuthJson.stringifyCompact(document) })
        // Codex removes auth.json once the keyring holds the credentials; a failure to remove is not fatal.
        yield* fileStore.remove.pipe(Effect.ignore)
      }),
    remove: Effect.gen(function*() {
      const existing = yield* readSecrets("remove")
      let removed = false
      if (Option.isSome(existing) && secretKey in existing.value.document.secrets) {
        const { [secretKey]: _removed, ...rest } = existing.value.document.secrets
        yield* writeSecrets(existing.value.passphrase, rest)
        removed = true
      }
      const file = yield* fileStore.remove
      // Codex also deletes a `direct` entry left from before (the layout it used earlier).
      const direct = yield* keyringEntry(service, yield* accountFor(canonical), fail("remove"))((entry) =>
        entry.deletePassword()
      )
      return removed || file || direct
    }),
    withLock: fileStore.withLock
  }
  // The refresh journal (CODEX_HOME/auth.next) as the file store keeps it: a keyring that fails after a grant keeps
  // the rotated tokens there, and the next load restores them into the keyring.
  return {
    store: yield* FileCredentialStore.withJournal(store),
    probe: passphraseEntry("load")((entry) => entry.getPassword())
  } satisfies Probed
})

const makeDirect = Effect.gen(function*() {
  const files = yield* SecretFile
  const home = yield* CodexHome
  const canonical = yield* canonicalHome(files, home.path)
  const account = yield* accountFor(canonical)
  const location = `${service} / ${account}`
  const fail = (operation: CredentialStoreError["operation"]) => (cause: unknown) =>
    new CredentialStoreError({ store: "keyring", operation, location, reason: describeError(cause) })
  // The constructor already talks to the platform (on Linux it connects to the Secret Service) and may throw.
  const created = yield* Effect.either(newEntry(service, account))
  const withEntry = <A>(operation: CredentialStoreError["operation"], use: (entry: AsyncEntry) => Promise<A>) =>
    created._tag === "Left"
      ? Effect.fail(fail(operation)(created.left))
      : Effect.tryPromise({ try: () => use(created.right), catch: fail(operation) })
  const fileStore = yield* FileCredentialStore.make
  const store: CredentialStore.Service = {
    kind: "keyring",
    location,
    load: withEntry("load", (entry) => entry.getPassword()).pipe(
      Effect.flatMap((value) =>
        value === null || value === undefined
          ? Effect.succeedNone
          : Effect.asSome(AuthJson.parse(value, { path: `keyring entry ${location}` }))
      )
    ),
    save: (document) =>
      withEntry("save", (entry) => entry.setPassword(AuthJson.stringifyCompact(document))).pipe(
        // Codex removes auth.json once the keyring holds the credentials; a failure to remove is not fatal.
        Effect.zipRight(fileStore.remove.pipe(Effect.ignore))
      ),
    remove: Effect.all([
      withEntry("remove", (entry) => entry.deletePassword()),
      fileStore.remove
    ]).pipe(Effect.map(([keyring, file]) => keyring || file)),
    withLock: fileStore.withLock
  }
  // The refresh journal, as above; the probe reads the entry alone (it never restores anything).
  return { store: yield* FileCredentialStore.withJournal(store), probe: store.load } satisfies Probed
})

const makeProbed = (options: Options = {}): Effect.Effect<Probed, never, SecretFile | CodexHome> =>
  Effect.gen(function*() {
    const facts = yield* Effect.serviceOption(RuntimeFacts)
    const backend = options.backend ?? (Option.isSome(facts) && facts.value.os === "win32" ? "secrets" : "direct")
    return yield* (backend === "secrets" ? makeSecrets : makeDirect)
  })

/**
 * The store in the layout `options.backend` names (default: Codex's for this OS).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<CredentialStore.Service, never, SecretFile | CodexHome> =>
  Effect.map(makeProbed(options), (probed) => probed.store)

/**
 * The store in the layout `options.backend` names (default: Codex's for this OS).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CredentialStore, never, SecretFile | CodexHome> =>
  Layer.effect(CredentialStore, make(options))

/**
 * `auto`: the keyring when it answers, else the file store with a one-line warning.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAuto: Layer.Layer<CredentialStore, never, SecretFile | CodexHome> = Layer.effect(
  CredentialStore,
  Effect.gen(function*() {
    const keyring = yield* makeProbed()
    const probe = yield* Effect.either(keyring.probe)
    if (probe._tag === "Right" || probe.left._tag === "AuthFileInvalid") return keyring.store
    const home = yield* CodexHome
    // One plain line on stderr (not a structured log record), in every install layout and for every reason: the
    // keyring refused, or the optional @napi-rs/keyring package is not installed.
    yield* Console.error(
      `Warning: the OS keyring is not available (${probe.left.reason}); storing credentials in ${home.authFile} instead.`
    )
    return yield* FileCredentialStore.make
  })
)
