/**
 * The keyring store: credentials in the OS credential store under the Codex CLI's names (PROTOCOL.md §8) — service
 * `Codex Auth`, account `cli|` + the first 16 hex characters of SHA-256 of the canonical `CODEX_HOME`, value the
 * compact `auth.json` document. A successful save removes `auth.json`, as Codex does. On Linux the entry lives in
 * the Secret Service (where Codex keeps it). `layerAuto` falls back to the file store with a one-line warning.
 *
 * @since 0.1.0
 */
import * as AuthJson from "@codex-auth/core/AuthJson"
import { CodexHome } from "@codex-auth/core/CodexHome"
import { CredentialStore, CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import { SecretFile } from "@codex-auth/core/SecretFile"
import type { AsyncEntry } from "@napi-rs/keyring"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

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
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalCodexHome))).pipe(
    Effect.map((digest) =>
      "cli|" + Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, 16)
    )
  )

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

const describeError = (cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause)
  // Keyring errors describe the platform failure; keep them short and free of any value.
  return message.split("\n")[0]!.slice(0, 200)
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<CredentialStore.Service, never, SecretFile | CodexHome> = Effect.gen(function*() {
  const files = yield* SecretFile
  const home = yield* CodexHome
  const canonical = yield* files.realPath(home.path).pipe(Effect.orElseSucceed(() => home.path))
  const account = yield* accountFor(canonical)
  const location = `${service} / ${account}`
  const fail = (operation: CredentialStoreError["operation"]) => (cause: unknown) =>
    new CredentialStoreError({ store: "keyring", operation, location, reason: describeError(cause) })
  // The constructor already talks to the platform (on Linux it connects to the Secret Service) and may throw.
  const created = yield* Effect.either(loadKeyring.pipe(Effect.flatMap((keyring) =>
    Effect.try({
      try: () => new keyring.AsyncEntry(service, account, { linux: { store: "secret-service" } }),
      catch: (cause) => cause
    })
  )))
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
  return store
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CredentialStore, never, SecretFile | CodexHome> = Layer.effect(CredentialStore, make)

/**
 * `auto`: the keyring when it answers, else the file store with a one-line warning.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAuto: Layer.Layer<CredentialStore, never, SecretFile | CodexHome> = Layer.effect(
  CredentialStore,
  Effect.gen(function*() {
    const keyring = yield* make
    const probe = yield* Effect.either(keyring.load)
    if (probe._tag === "Right" || probe.left._tag === "AuthFileInvalid") return keyring
    const home = yield* CodexHome
    // One plain line on stderr (not a structured log record), in every install layout and for every reason: the
    // keyring refused, or the optional @napi-rs/keyring package is not installed.
    yield* Console.error(
      `Warning: the OS keyring is not available (${probe.left.reason}); storing credentials in ${home.authFile} instead.`
    )
    return yield* FileCredentialStore.make
  })
)
