/**
 * The file store: `auth.json` in `CODEX_HOME`, read and written exactly as the Codex CLI does (PROTOCOL.md §8):
 * pretty JSON in Codex's key order with unknown fields kept, mode 0600, replaced atomically, and every write under
 * `flock(CODEX_HOME/auth.lock)`. A save under that lock first removes the temporaries an interrupted writer left.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as AuthJson from "./AuthJson.ts"
import { CodexHome } from "./CodexHome.ts"
import { CredentialStore, CredentialStoreError, type PreparedSave } from "./CredentialStore.ts"
import * as Journal from "./internal/journal.ts"
import type { SecretFileError } from "./SecretFile.ts"
import { notUtf8Reason, SecretFile } from "./SecretFile.ts"

/**
 * The mode of `auth.json`.
 *
 * @since 0.1.0
 * @category constants
 */
export const fileMode: number = 0o600

const toStoreError = (operation: CredentialStoreError["operation"]) => (error: SecretFileError): CredentialStoreError =>
  new CredentialStoreError({ store: "file", operation, location: error.path, reason: error.reason })

/**
 * The journal of a refresh: `auth.next` beside `auth.json` (a name no longer than `auth.json`'s, so it fits wherever
 * that does), mode 0600. Created with room reserved before a grant; holds the new `auth.json` text, and the refresh
 * token it replaces (spent by then), from the moment the issuer's answer arrives until that text is saved.
 *
 * @since 0.2.0
 * @category constants
 */
export const journalName: string = Journal.journalName

/**
 * The refresh journal (`auth.next` in `CODEX_HOME`, see `journalName`) around any store: `prepareSave` reserves and
 * flushes it before a grant, its `commit` writes the issuer's answer to it before `store.save`, and `load` restores a
 * journaled answer whose save did not happen (under `store.withLock`; a stale or reserved journal is swept there).
 * The file store is this around `auth.json`; the keyring store is this around its entry, so a keyring that fails
 * after the grant loses nothing either.
 *
 * @since 0.2.0
 * @category combinators
 */
export const withJournal = (
  store: CredentialStore.Service
): Effect.Effect<CredentialStore.Service, never, SecretFile | CodexHome> =>
  Effect.gen(function*() {
    const files = yield* SecretFile
    const home = yield* CodexHome
    const journal = files.join(home.path, journalName)
    // Whether this fiber holds the store's lock (through `withLock`): only then may a journal be restored or swept.
    const holdsLock = FiberRef.unsafeMake(false)
    const withLock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      store.withLock(Effect.locally(effect, holdsLock, true))
    const parse = (text: string) => AuthJson.parse(text, { path: journal })

    const load: Effect.Effect<Option.Option<AuthJson.AuthDocument>, CredentialStoreError | AuthJson.AuthFileInvalid> =
      Effect.suspend(() => Effect.flatMap(store.load, recover))

    /**
     * What the journal says about `stored` (the stored document, if any): the newer one when it replaces exactly the
     * refresh token the store still holds (a refresh whose save did not happen), otherwise nothing (a stale or
     * reserved journal, swept under the lock).
     */
    const recover = (
      stored: Option.Option<AuthJson.AuthDocument>
    ): Effect.Effect<Option.Option<AuthJson.AuthDocument>, CredentialStoreError | AuthJson.AuthFileInvalid> =>
      Effect.gen(function*() {
        const text = yield* files.read(journal).pipe(Effect.orElseSucceed(() => Option.none<string>()))
        if (Option.isNone(text)) return stored
        const held = yield* FiberRef.get(holdsLock)
        const entry = Journal.parse(text.value)
        const spent = Option.getOrUndefined(Option.map(stored, Journal.refreshTokenOf))
        const applies = entry !== undefined && spent !== undefined && spent === entry.replaces
        if (!applies) {
          if (held) yield* Effect.ignore(files.remove(journal))
          return stored
        }
        const recovered = yield* Effect.option(parse(entry.auth))
        if (Option.isNone(recovered)) return stored
        // Outside the lock: take it and read again, so the restore is saved (by us or by whoever got there first).
        if (!held) return yield* withLock(load)
        // Under the lock, finish the save the interrupted refresh could not; the journal goes only once it has.
        yield* store.save(recovered.value).pipe(Effect.zipRight(Effect.ignore(files.remove(journal))), Effect.ignore)
        return recovered
      })

    const prepareSave = (current: AuthJson.AuthDocument) =>
      Effect.gen(function*() {
        yield* files.writeAtomic(journal, Journal.reservation(current), { mode: fileMode })
          .pipe(Effect.mapError((error) =>
            new CredentialStoreError({
              // The journal is a file whatever the store: its failures are the file system's, with their hints.
              store: "file",
              operation: "save",
              location: error.path,
              reason: `${error.reason}; nothing was sent to the issuer and the stored sign-in is intact, but a ` +
                "refresh needs CODEX_HOME to be writable with a little free space"
            })
          ))
        const prepared: PreparedSave = {
          commit: (document) =>
            Effect.gen(function*() {
              const journaled = yield* files.overwrite(journal, Journal.entry(current, document))
                .pipe(Effect.as(true), Effect.orElseSucceed(() => false))
              yield* store.save(document).pipe(Effect.mapError((error) =>
                journaled
                  ? new CredentialStoreError({
                    ...error,
                    reason: `${error.reason}; the new tokens were kept in ${journal} and the next codex-auth run ` +
                      "restores them — run codex-auth again (not the Codex CLI) once the cause is fixed"
                  })
                  : error
              ))
              yield* Effect.ignore(files.remove(journal))
            }),
          release: Effect.ignore(files.remove(journal))
        }
        return prepared
      })

    const service: CredentialStore.Service = {
      ...store,
      load,
      remove: Effect.tap(store.remove, () => Effect.ignore(files.remove(journal))),
      withLock,
      prepareSave
    }
    return service
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<CredentialStore.Service, never, SecretFile | CodexHome> = Effect.gen(function*() {
  const files = yield* SecretFile
  const home = yield* CodexHome
  const path = home.authFile
  const acquireLock = files.lock(home.lockFile).pipe(Effect.mapError(toStoreError("lock")))
  // Whether this fiber holds `auth.lock` (through `withLock`): only then is no writer of ours (Node or Deno) mid-write,
  // so the temporaries a killed writer left behind (0600, holding secrets) can be swept before a save.
  const holdsLock = FiberRef.unsafeMake(false)
  const sweep = Effect.flatMap(
    FiberRef.get(holdsLock),
    (held) => held ? Effect.ignore(files.removeTemporaries(path)) : Effect.void
  )
  const write = (text: string) =>
    Effect.zipRight(sweep, files.writeAtomic(path, text, { mode: fileMode })).pipe(
      Effect.mapError(toStoreError("save"))
    )
  const withLock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.scoped(Effect.zipRight(acquireLock, Effect.locally(effect, holdsLock, true)))

  const load: Effect.Effect<Option.Option<AuthJson.AuthDocument>, CredentialStoreError | AuthJson.AuthFileInvalid> =
    Effect.suspend(() =>
      files.read(path).pipe(
        // Bytes that are not UTF-8 are a bad file, not a file system failure: refused as Codex refuses them.
        Effect.mapError((error) =>
          error.reason === notUtf8Reason
            ? new AuthJson.AuthFileInvalid({ path, reason: `${notUtf8Reason} (Codex refuses it too)` })
            : toStoreError("load")(error)
        ),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (text) => Effect.asSome(AuthJson.parse(text, { path }))
        }))
      )
    )

  return yield* withJournal({
    kind: "file",
    location: path,
    load,
    save: (document) => write(AuthJson.stringify(document)),
    remove: files.remove(path).pipe(Effect.mapError(toStoreError("remove"))),
    withLock
  })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CredentialStore, never, SecretFile | CodexHome> = Layer.effect(CredentialStore, make)
