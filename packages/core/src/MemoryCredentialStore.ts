/**
 * The memory store (Codex's `ephemeral`): credentials live in this process only and vanish with it. The lock is
 * an in-process mutex.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { AuthDocument } from "./AuthJson.ts"
import { CredentialStore } from "./CredentialStore.ts"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (initial?: AuthDocument): Effect.Effect<CredentialStore.Service> =>
  Effect.sync(() => {
    let current: Option.Option<AuthDocument> = Option.fromNullable(initial)
    const mutex = Effect.unsafeMakeSemaphore(1)
    const service: CredentialStore.Service = {
      kind: "memory",
      location: "memory",
      load: Effect.sync(() => current),
      save: (document) =>
        Effect.sync(() => {
          current = Option.some(document)
        }),
      remove: Effect.sync(() => {
        const had = Option.isSome(current)
        current = Option.none()
        return had
      }),
      withLock: (effect) => mutex.withPermits(1)(effect)
    }
    return service
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (initial?: AuthDocument): Layer.Layer<CredentialStore> =>
  Layer.effect(CredentialStore, make(initial))
