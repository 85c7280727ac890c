/**
 * Port: where the credentials (`auth.json`'s document) live — the file in `CODEX_HOME` (default), the OS keyring,
 * or memory — plus the cross-process lock that serialises writes and refreshes with the Codex CLI.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { AuthDocument, AuthFileInvalid } from "./AuthJson.ts"
import * as fileHints from "./internal/store/fileErrorHints.ts"

/**
 * The kinds of store Codex knows (`cli_auth_credentials_store`), with `ephemeral` called memory here, and
 * `postgres` (a fleet's shared store, `@codex-auth/postgres`).
 *
 * @since 0.1.0
 * @category models
 */
export type StoreKind = "file" | "keyring" | "memory" | "postgres"

// The PostgreSQL store's reasons start with what happened (its own words or the server's SQLSTATE).
const postgresHint = (operation: string, reason: string): string =>
  reason.startsWith("fenced")
    ? "Another replica saved newer credentials while this one had lost its lock; they were kept. Retry: it reads them."
    : reason.startsWith("lock wait")
    ? "Another replica held the lock too long: it may be stuck or paused. Retry, or raise CODEX_AUTH_STORE_LOCK_TIMEOUT_MS."
    : reason.startsWith("newer schema")
    ? "The row was written by a newer codex-auth: upgrade this replica (@codex-auth/postgres) to read it."
    : reason.startsWith("older schema")
    ? "Run `codex-auth store migrate` (CODEX_AUTH_DATABASE_URL) once, or have a DBA apply `codex-auth store migrate --print`."
    : reason.startsWith("sealed")
    ? "Set CODEX_AUTH_STORE_KEY (or CODEX_AUTH_STORE_KEY_PREVIOUS during a rotation) to the key the row was sealed with."
    : operation === "lock" || operation === "load"
    ? "Check that PostgreSQL is up and CODEX_AUTH_DATABASE_URL points at it, then retry; the stored credentials are intact."
    : "Check that PostgreSQL is up and writable, then retry; the stored credentials were left as they were."

/**
 * A store could not be read, written or locked. The message names the store and the place, never a secret.
 *
 * @since 0.1.0
 * @category errors
 */
export class CredentialStoreError extends Schema.TaggedError<CredentialStoreError>(
  "@codex-auth/core/CredentialStoreError"
)("CredentialStoreError", {
  store: Schema.Literal("file", "keyring", "memory", "postgres"),
  operation: Schema.Literal("load", "save", "remove", "lock"),
  /** The file, keyring entry or database row (a URL without its password, and the account). */
  location: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    // The file store's reasons are the system's error codes: the next step depends on which (a full disk is not a
    // permissions problem, a refused lock file is not a stuck process).
    const next = this.store === "file"
      ? fileHints.hintFor(this.operation, this.reason)
      : this.store === "postgres"
      ? postgresHint(this.operation, this.reason)
      : this.operation === "lock"
      ? "Another codex-auth or Codex CLI process may be stuck holding it; end it and try again."
      : this.store === "keyring" && this.reason.includes("@napi-rs/keyring is not installed")
      ? "" // the reason says how to add it
      : this.store === "keyring"
      ? "Check that the OS keyring is unlocked and reachable, or use the file store (cli_auth_credentials_store=file)."
      : "Check the permissions of CODEX_HOME and its files."
    return `Could not ${this.operation} the credentials (${this.store} store, ${this.location}): ${this.reason}.` +
      (next === "" ? "" : ` ${next}`)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace CredentialStore {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    readonly kind: StoreKind
    /** Where the credentials live (for `status` and messages): a path or a keyring entry name. */
    readonly location: string
    /** The stored document; none when there is none. */
    readonly load: Effect.Effect<Option.Option<AuthDocument>, CredentialStoreError | AuthFileInvalid>
    readonly save: (document: AuthDocument) => Effect.Effect<void, CredentialStoreError>
    /** Removes the credentials from this store (and from the file when this store replaces it); `true` if any. */
    readonly remove: Effect.Effect<boolean, CredentialStoreError>
    /**
     * Runs `effect` holding the exclusive cross-process lock (`flock` on `CODEX_HOME/auth.lock`), so refreshes
     * and writes of every codex-auth process and of the Codex CLI happen one at a time.
     */
    readonly withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CredentialStoreError, R>
    /**
     * Called under `withLock` before a refresh grant spends `current`'s refresh token: proves that a save can happen
     * (a journal beside the credentials, created with room reserved and flushed), so a rotated token never arrives
     * with nowhere to keep it. `commit` journals the new document durably, then saves it; if the save fails the
     * journal keeps it and the next `load` recovers it instead of the spent token. Stores without such a place leave
     * it out (the session then saves directly).
     */
    readonly prepareSave?:
      | ((current: AuthDocument) => Effect.Effect<PreparedSave, CredentialStoreError>)
      | undefined
    /**
     * Emits when another process stored newer credentials (a fleet's store: LISTEN/NOTIFY), so a session drops its
     * cached bearer at once instead of serving it until it expires. Absent: the store cannot tell.
     */
    readonly changes?: Stream.Stream<void> | undefined
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
/**
 * A save made ready before a refresh grant; see `CredentialStore.Service.prepareSave`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PreparedSave {
  readonly commit: (document: AuthDocument) => Effect.Effect<void, CredentialStoreError>
  /** Gives the reservation back when no grant was made (or it failed): nothing new to keep. */
  readonly release: Effect.Effect<void>
}

export class CredentialStore
  extends Context.Tag("@codex-auth/core/CredentialStore")<CredentialStore, CredentialStore.Service>()
{}
