/**
 * The facade's warm path: the last bearer (and the last header record) with its `exp`, kept in plain JavaScript in
 * front of the instance that produced it (the startup path or the full facade), and handed out without entering the
 * Effect runtime while it is fresh by the §9 rule (`exp` more than 5 minutes away). Otherwise the call falls through
 * to the instance behind, where the session's rules apply (re-read the store, adopt what another process refreshed,
 * refresh under the lock).
 *
 * What is cached is exactly what the session would serve from its own memory: it too keeps a fresh token without
 * re-reading the store. `refresh`, `recoverUnauthorized`, `login`, `logout`, `finishLogin` and `awaitLogin` drop the cache before they start and
 * again when they end (a call that started meanwhile may not store what it got), and `recoverUnauthorized` keeps the
 * bearer it returns. Bearers without a readable `exp` (an API key, an opaque access token) are not cached here.
 */
import * as ReadModel from "@codex-auth/core/ReadModel"
import type { CodexAuth } from "../../CodexAuth.ts"

/** How many calls went past the cache to the instance behind it (a test hook; never reset by the facade). */
export const passedThrough: { count: number } = { count: 0 }

interface Entry<A> {
  readonly value: A
  readonly bearer: string
  /** The access token's `exp`, in epoch milliseconds. */
  readonly expiresAt: number
}

const { bearerOfHeaders, expiresAtOf } = ReadModel

const isFresh = (entry: Entry<unknown> | undefined): boolean =>
  entry !== undefined && !ReadModel.needsRefresh(entry.expiresAt, undefined, Date.now())

/**
 * Wraps `inner` with the warm-path cache. `getHeaders` returns a new object on every call (yours to change).
 */
export const make = (inner: CodexAuth, signal?: AbortSignal): CodexAuth => {
  let token: Entry<string> | undefined
  let headers: Entry<Readonly<Record<string, string>>> | undefined
  /** Bumped whenever the cache is dropped: a call that started in an older generation does not fill it. */
  let generation = 0
  let closed = false

  const invalidate = (): void => {
    generation++
    token = undefined
    headers = undefined
  }

  const rememberToken = (started: number, bearer: string): void => {
    if (started !== generation || closed) return
    const expiresAt = expiresAtOf(bearer)
    token = expiresAt === undefined ? undefined : { value: bearer, bearer, expiresAt }
    if (headers !== undefined && headers.bearer !== bearer) headers = undefined
  }

  const rememberHeaders = (started: number, record: Record<string, string>): void => {
    if (started !== generation || closed) return
    const bearer = bearerOfHeaders(record)
    const expiresAt = bearer === undefined ? undefined : expiresAtOf(bearer)
    if (bearer === undefined || expiresAt === undefined) {
      headers = undefined
      return
    }
    headers = { value: Object.freeze({ ...record }), bearer, expiresAt }
    if (token === undefined || token.bearer !== bearer) token = { value: bearer, bearer, expiresAt }
  }

  /** An operation that changes the credentials: the cache is dropped before it starts and after it ends. */
  const changing = async <A>(call: () => Promise<A>): Promise<A> => {
    invalidate()
    try {
      return await call()
    } finally {
      invalidate()
    }
  }

  const close = (): Promise<void> => {
    closed = true
    invalidate()
    return inner.close()
  }
  signal?.addEventListener("abort", () => {
    closed = true
    invalidate()
  }, { once: true })

  return {
    getToken: () => {
      const cached = token
      if (isFresh(cached)) return Promise.resolve(cached!.value)
      passedThrough.count++
      const started = generation
      return inner.getToken().then((bearer) => {
        rememberToken(started, bearer)
        return bearer
      })
    },
    getHeaders: () => {
      const cached = headers
      if (isFresh(cached)) return Promise.resolve({ ...cached!.value })
      passedThrough.count++
      const started = generation
      return inner.getHeaders().then((record) => {
        rememberHeaders(started, record)
        return record
      })
    },
    status: () => inner.status(),
    login: () => changing(() => inner.login()),
    logout: (options) => changing(() => inner.logout(options)),
    refresh: () => changing(() => inner.refresh()),
    recoverUnauthorized: async () => {
      const bearer = await changing(() => inner.recoverUnauthorized())
      rememberToken(generation, bearer)
      return bearer
    },
    beginLogin: (options) => inner.beginLogin(options),
    finishLogin: (pending, callbackUrl) => changing(() => inner.finishLogin(pending, callbackUrl)),
    awaitLogin: (pending) => changing(() => inner.awaitLogin(pending)),
    openInBrowser: (pending) => inner.openInBrowser(pending),
    cancelLogin: (pending) => inner.cancelLogin(pending),
    events: () => inner.events(),
    close,
    [Symbol.asyncDispose]: close
  }
}
