/**
 * Which two-step logins were used up (finished or cancelled), so a pending login is single use across every process
 * and replica sharing the store. With a file store (file, keyring, auto) it is `CODEX_HOME/codex-auth-pending.json`
 * (0600), read and rewritten under the store's own lock (`auth.lock`, the one every save takes); with the memory
 * store, this instance's memory. An id is claimed before its code is exchanged, so two finishes of one pending login
 * never both reach the issuer; entries are dropped a day after their login expired (clock skew between replicas).
 */
import { CodexHome } from "@codex-auth/core/CodexHome"
import { CredentialStore, CredentialStoreError } from "@codex-auth/core/CredentialStore"
import { SecretFile } from "@codex-auth/core/SecretFile"
import type { SecretFileError } from "@codex-auth/core/SecretFile"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { PendingLoginConsumed } from "../../FacadeError.ts"

export interface Service {
  /** Marks `id` used; `PendingLoginConsumed` when it already was. */
  readonly claim: (
    id: string,
    expiresAtMillis: number
  ) => Effect.Effect<void, PendingLoginConsumed | CredentialStoreError>
  /** `PendingLoginConsumed` when `id` was used (a read, without the lock: `claim` stays the arbiter). */
  readonly ensureUnused: (id: string) => Effect.Effect<void, PendingLoginConsumed | CredentialStoreError>
}

export class PendingLedger
  extends Context.Tag("@codex-auth/adapters/internal/PendingLedger")<PendingLedger, Service>()
{}

export const fileName = "codex-auth-pending.json"

const keepAfterExpiryMillis = 24 * 60 * 60 * 1000

const LedgerFile = Schema.parseJson(Schema.Struct({
  consumed: Schema.Record({ key: Schema.String, value: Schema.Number })
}))

export const layerMemory: Layer.Layer<PendingLedger> = Layer.sync(PendingLedger, () => {
  const used = new Set<string>()
  return {
    claim: (id) =>
      Effect.suspend(() => {
        if (used.has(id)) return Effect.fail(new PendingLoginConsumed({ id }))
        used.add(id)
        return Effect.void
      }),
    ensureUnused: (id) =>
      Effect.suspend(() => used.has(id) ? Effect.fail(new PendingLoginConsumed({ id })) : Effect.void)
  }
})

export const layerFile: Layer.Layer<PendingLedger, never, CodexHome | SecretFile | CredentialStore> = Layer.effect(
  PendingLedger,
  Effect.gen(function*() {
    const home = yield* CodexHome
    const files = yield* SecretFile
    const store = yield* CredentialStore
    const path = files.join(home.path, fileName)
    const storeError = (operation: CredentialStoreError["operation"]) => (error: SecretFileError) =>
      new CredentialStoreError({ store: "file", operation, location: error.path, reason: error.reason })
    const readConsumed = Effect.map(
      files.read(path).pipe(Effect.mapError(storeError("load"))),
      (text): Readonly<Record<string, number>> => {
        // An unreadable ledger is replaced: it only ever holds ids of logins that can no longer be finished.
        const parsed = Option.flatMap(text, (raw) => Either.getRight(Schema.decodeUnknownEither(LedgerFile)(raw)))
        return Option.match(parsed, { onNone: () => ({}), onSome: (file) => file.consumed })
      }
    )
    return {
      ensureUnused: (id) =>
        Effect.flatMap(
          readConsumed,
          (consumed) =>
            Object.prototype.hasOwnProperty.call(consumed, id)
              ? Effect.fail(new PendingLoginConsumed({ id }))
              : Effect.void
        ),
      claim: (id, expiresAtMillis) =>
        store.withLock(Effect.gen(function*() {
          const consumed = yield* readConsumed
          if (Object.prototype.hasOwnProperty.call(consumed, id)) return yield* new PendingLoginConsumed({ id })
          const now = yield* Clock.currentTimeMillis
          const kept: Record<string, number> = {}
          for (const [other, expiresAt] of Object.entries(consumed)) {
            if (expiresAt + keepAfterExpiryMillis > now) kept[other] = expiresAt
          }
          kept[id] = expiresAtMillis
          yield* files.writeAtomic(path, JSON.stringify({ consumed: kept }, null, 2) + "\n", { mode: 0o600 }).pipe(
            Effect.mapError(storeError("save"))
          )
        }))
    }
  })
)
