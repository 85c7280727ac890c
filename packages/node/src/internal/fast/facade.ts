/**
 * The facade's startup path: with the file store, `getToken`, `getHeaders` and `status` are served from a fresh
 * `auth.json` without loading the Effect runtime. The first time anything else is needed — a stale token (refresh),
 * no credentials (login or `LoginRequired`), a file that does not parse (its real error), `login`, `logout`,
 * `refresh`, `recoverUnauthorized`, `events`, the two-step login — the full facade is opened (once) and every call from then on is its.
 */
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Path from "node:path"
import type { CodexAuth, LoginEvent, OpenOptions, Status } from "../../CodexAuth.ts"
import * as BoundedRead from "../boundedRead.ts"
import { fileStoreByDefault, resolveCodexHome } from "./cli.ts"
import * as Platform from "./platform.ts"

/**
 * `auth.json`'s path when the fast path may serve this instance: the file store, no workspace restriction or
 * background refresh (both need the session from the start), and nothing `open` would have to check by building
 * the runtime (a `CODEX_HOME` that is missing or would have to be created). A CA bundle or proxy matters only for the
 * network, which the engine's HTTP client reaches on its first request.
 */
export const fastLocation = (options: OpenOptions): string | undefined => {
  if (options.store !== undefined && options.store !== "file") return undefined
  const env = process.env
  if (options.store === undefined && !fileStoreByDefault(env)) return undefined
  if ((options.workspaceIds?.length ?? 0) > 0 || options.proactiveRefresh === true) return undefined
  if (options.signal?.aborted === true) return undefined
  const directory = resolveCodexHome(options.codexHome, env)
  if (directory === undefined) return undefined
  // config.toml's §10 policy (or a file Codex refuses) is the engine's to apply, from the start.
  const configPath = Path.join(directory, "config.toml")
  return StoredAuth.configAllowsFastPath(readConfig(configPath), configPath)
    ? Path.join(directory, "auth.json")
    : undefined
}

const readConfig = (path: string): string | undefined => {
  try {
    // Bounded like every read of ours: a config.toml that is a FIFO or /dev/zero must not hang the startup path.
    return BoundedRead.readTextSync(path, 1024 * 1024)
  } catch {
    return undefined
  }
}

const toDate = (millis: number | undefined): Date | null => millis === undefined ? null : new Date(millis)

/** The session's status of a stored document (`ReadModel.status`), or `undefined` when there is no login in it. */
const fastStatus = (document: StoredAuth.Document, location: string): Status | undefined => {
  const status = ReadModel.status(document, { kind: "file", location })
  return status.loggedIn ? ReadModel.nullable(status) : undefined
}

export const make = (options: OpenOptions, location: string, openFull: () => Promise<CodexAuth>): CodexAuth => {
  let closed = false
  let full: Promise<CodexAuth> | undefined
  /** What the fast path served last (the session's memory, until the full facade takes over). */
  let cached: StoredAuth.Credentials | undefined
  /** The last bearer handed out, so `refresh` / `recoverUnauthorized` behave as if the session had served it. */
  let seen: string | undefined

  const fullInstance = (): Promise<CodexAuth> => {
    if (full === undefined) {
      full = openFull()
      // A failed open (e.g. CODEX_HOME removed meanwhile) is retried by the next call.
      full.catch(() => {
        full = undefined
      })
    }
    return full
  }

  /** Rejects with `CodexAuthClosed` once closed. The class (and Effect's `Schema` with it) loads only then. */
  const guard = async (operation: string): Promise<void> => {
    if (!closed) return
    const { CodexAuthClosed } = await import("../../FacadeErrors.ts")
    throw new CodexAuthClosed({ operation })
  }

  const readDocument = async (): Promise<StoredAuth.Document | undefined> => {
    let text: string
    try {
      // Bounded and strict as the full facade reads it (1 MiB, UTF-8): anything refused is the full facade's to report.
      text = await BoundedRead.readText(location, 1024 * 1024)
    } catch {
      return undefined
    }
    const document = StoredAuth.parse(text)
    return document.ok ? document.value : undefined
  }

  const read = async (): Promise<StoredAuth.Credentials | undefined> => {
    const document = await readDocument()
    return document === undefined ? undefined : StoredAuth.credentials(document)
  }

  /** Fresh credentials from memory or the file, or `undefined` when the full facade must answer. */
  const fresh = async (operation: string): Promise<StoredAuth.Credentials | undefined> => {
    if (full !== undefined) return undefined
    const now = Date.now()
    if (cached !== undefined && ReadModel.isFresh(cached, now)) return cached
    const credentials = await read()
    await guard(operation)
    if (full !== undefined || credentials === undefined || !ReadModel.isFresh(credentials, Date.now())) {
      return undefined
    }
    cached = credentials
    return credentials
  }

  const delegate = async <A>(operation: string, call: (auth: CodexAuth) => Promise<A>): Promise<A> => {
    await guard(operation)
    return call(await fullInstance())
  }

  /**
   * Before a forced refresh: let the session read the store first. When it holds another bearer than the one the
   * fast path served, that is the answer (another process refreshed), exactly as the session would decide.
   */
  const adoptNewer = async (auth: CodexAuth): Promise<string | undefined> => {
    const served = seen
    if (served === undefined) return undefined
    seen = undefined
    const current = await auth.getToken()
    return ReadModel.adoptsNewer(served, current) ? current : undefined
  }

  // Every close() (and the signal's) waits for the same closing: a refresh in flight finishes and saves first.
  let closedDown: Promise<void> | undefined
  const close = (): Promise<void> => {
    if (closedDown !== undefined) return closedDown
    closed = true
    cached = undefined
    const opened = full
    closedDown = opened === undefined ? Promise.resolve() : opened.then((auth) => auth.close(), () => undefined)
    return closedDown
  }
  options.signal?.addEventListener("abort", () => void close(), { once: true })

  return {
    getToken: async () => {
      await guard("getToken")
      const credentials = await fresh("getToken")
      if (credentials === undefined) return delegate("getToken", (auth) => auth.getToken())
      return (seen = ReadModel.bearer(credentials))
    },
    getHeaders: async () => {
      await guard("getHeaders")
      const credentials = await fresh("getHeaders")
      if (credentials === undefined) return delegate("getHeaders", (auth) => auth.getHeaders())
      seen = ReadModel.bearer(credentials)
      return ReadModel.headers(credentials, {
        originator: StoredAuth.defaultOriginator,
        userAgent: Platform.userAgent(StoredAuth.defaultOriginator, StoredAuth.codexVersion)
      })
    },
    status: async () => {
      await guard("status")
      if (full === undefined) {
        const document = await readDocument()
        await guard("status")
        const status = full === undefined && document !== undefined ? fastStatus(document, location) : undefined
        if (status !== undefined) return status
      }
      return delegate("status", (auth) => auth.status())
    },
    login: () => delegate("login", (auth) => auth.login()),
    logout: (logoutOptions) => delegate("logout", (auth) => auth.logout(logoutOptions)),
    refresh: () =>
      delegate("refresh", async (auth) => {
        const newer = await adoptNewer(auth)
        if (newer === undefined) return auth.refresh()
        return { accessTokenExpiresAt: toDate(ReadModel.expiresAtOf(newer)) }
      }),
    recoverUnauthorized: () =>
      delegate("recoverUnauthorized", async (auth) => (await adoptNewer(auth)) ?? auth.recoverUnauthorized()),
    beginLogin: (beginOptions) => delegate("beginLogin", (auth) => auth.beginLogin(beginOptions)),
    finishLogin: (pending, callbackUrl) => delegate("finishLogin", (auth) => auth.finishLogin(pending, callbackUrl)),
    awaitLogin: (pending) => delegate("awaitLogin", (auth) => auth.awaitLogin(pending)),
    openInBrowser: (pending) => delegate("openInBrowser", (auth) => auth.openInBrowser(pending)),
    cancelLogin: (pending) => delegate("cancelLogin", (auth) => auth.cancelLogin(pending)),
    events: () => ({
      [Symbol.asyncIterator]: () => {
        let iterator: AsyncIterator<LoginEvent> | undefined
        return {
          next: async () => {
            if (iterator === undefined) {
              if (closed) return { done: true, value: undefined }
              iterator = (await fullInstance()).events()[Symbol.asyncIterator]()
            }
            return iterator.next()
          },
          return: async () => {
            await iterator?.return?.()
            return { done: true, value: undefined }
          }
        }
      }
    }),
    close,
    [Symbol.asyncDispose]: close
  }
}
