/**
 * The startup path's own refresh: a `token` / `headers` whose stored token is stale, in the process that holds
 * auth.lock for it (`Waiter`), sends the grant without loading the Effect runtime, then saves the answer the way the
 * session does. Every decision is core's, in the same functions the session runs (`RefreshGrant`: where the grant
 * goes, its headers and body, how a 2xx answer is read and merged, the journal's texts; `ProviderProfile.fromSettings`
 * for the profile; `internal/secretFiles.ts` for the atomic write). This module only sequences them for the one case
 * it handles: a 2xx answer that reads and merges cleanly.
 *
 * Anything else goes to the engine (internal/cli/refresh.ts), with the lock still held:
 * - before the grant (a journal to recover or sweep, a proxy, a CA bundle that cannot be read, a document the fast
 *   path cannot take, a connection that never opened): the engine does everything itself, as without this module;
 * - once the grant may have reached the issuer: the engine gets what happened (`Recorded`) and its OAuth client takes
 *   that for its first grant instead of sending one (`internal/cli/replay.ts`), so a rejection, a malformed answer,
 *   an error after the request left, or an answer still on its way (after `answerWithinMillis`) is handled by the
 *   session's own code — and the refresh token is never sent twice.
 */
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as RefreshGrant from "@codex-auth/core/RefreshGrant"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Fs from "node:fs/promises"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Path from "node:path"
import * as BoundedRead from "../boundedRead.ts"
import * as SecretFiles from "../secretFiles.ts"
import * as Trust from "../trust.ts"

/** What became of a grant the engine should take as its first one (it sends none itself for it). */
export type Exchange =
  /** The issuer answered (any status): the engine reads it as if its own client had received it. */
  | { readonly _tag: "Answered"; readonly status: number; readonly body: string }
  /** The connection failed after the request may have left: the refresh token may be spent. */
  | { readonly _tag: "Failed"; readonly cause: unknown }

export interface Recorded {
  /** Where the grant went (the engine's client matches its first grant by method and URL). */
  readonly url: string
  /** What happened, or will: an answer still on its way is awaited by the engine, under its own timeout. */
  readonly exchange: Promise<Exchange>
  /** Drops the connection (the engine's timeout or an interruption gave up on it). */
  readonly abort: () => void
}

export type Outcome =
  /** auth.json holds the new tokens: the fast path answers from it. */
  | { readonly _tag: "Saved" }
  /** The engine decides; `recorded`: the grant this process already sent. */
  | { readonly _tag: "Engine"; readonly reason: string; readonly recorded?: Recorded }

/** How long the answer may take before the engine takes over the wait (a slow issuer gets the engine's timeout). */
export const answerWithinMillis = 2_000

const engine = (reason: string, recorded?: Recorded): Outcome =>
  recorded === undefined ? { _tag: "Engine", reason } : { _tag: "Engine", reason, recorded }

const exists = (path: string): Promise<boolean> => Fs.lstat(path).then(() => true, () => false)

/** Sends the grant; `connected` resolves once the connection is open (before that, nothing has left). */
const send = (
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: string,
  ca: ReadonlyArray<string> | undefined
) => {
  let connected = false
  let abort = () => {}
  const exchange = new Promise<Exchange & { readonly connected: boolean }>((resolve) => {
    const options: Https.RequestOptions = {
      method: "POST",
      headers: {
        ...headers,
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body))
      },
      ...(ca === undefined ? {} : { ca: [...ca] })
    }
    const request = (url.protocol === "https:" ? Https : Http).request(url, options, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", (cause) => resolve({ _tag: "Failed", cause, connected: true }))
      response.on("end", () =>
        resolve({
          _tag: "Answered",
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          connected: true
        }))
    })
    request.on("socket", (socket) => {
      const opened = () => {
        connected = true
      }
      socket.once(url.protocol === "https:" ? "secureConnect" : "connect", opened)
    })
    request.on("error", (cause) => resolve({ _tag: "Failed", cause, connected }))
    abort = () => request.destroy(new Error("the engine gave up on this grant"))
    request.end(body)
  })
  return { exchange, abort: () => abort() }
}

const settle = (exchange: Promise<Exchange & { readonly connected: boolean }>): Promise<Exchange> =>
  exchange.then((done) =>
    done._tag === "Answered"
      ? { _tag: "Answered", status: done.status, body: done.body }
      : { _tag: "Failed", cause: done.cause }
  )

export interface Options {
  readonly clock?: () => number
  /**
   * Whether a signal asked this process to stop. The grant in flight is then awaited here (within the profile's
   * `refreshTimeout`) instead of being handed over: the engine, stopped at once, would never read its answer.
   */
  readonly interrupted?: () => boolean
}

/**
 * Refreshes the stale token of `CODEX_HOME` (`directory`), this process holding auth.lock: `Saved`, or what the
 * engine is to do. It never leaves auth.json other than as it was or with the new tokens; it throws only where
 * nothing was sent (a request Node refuses to build), and the caller then leaves it all to the engine.
 */
export const refresh = async (
  directory: string,
  env: ReadModel.Env,
  options: Options = {}
): Promise<Outcome> => {
  const clock = options.clock ?? Date.now
  const interrupted = options.interrupted ?? (() => false)
  if (process.platform === "win32") return engine("windows")
  const settings = ReadModel.environment(env)
  // undici's proxy agent, and its errors, are the engine's.
  if (settings.httpsProxy !== undefined) return engine("proxy")
  const location = Path.join(directory, "auth.json")
  const journal = Path.join(directory, RefreshGrant.journalName)
  // A journal may hold an answer whose save did not happen: the store restores it (or sweeps a stale one).
  if (await exists(journal)) return engine("journal")
  let text: string
  try {
    text = await BoundedRead.readText(location, 1024 * 1024)
  } catch {
    return engine("unreadable")
  }
  const parsed = AuthJson.parseEither(text, { path: location })
  if (Either.isLeft(parsed)) return engine("invalid")
  const document = parsed.right
  if (AuthJson.resolvedMode(document) !== "chatgpt" || Option.isSome(document.agentIdentity)) return engine("mode")
  const found = TokenSet.fromAuthDocument(document)
  if (Option.isNone(found)) return engine("no tokens")
  const stored = { tokenSet: found.value, document }
  // Another process may have saved a fresh token between the startup path's read and this one: the engine serves it.
  if (!TokenSet.needsRefresh(stored.tokenSet, clock())) return engine("fresh")

  const profile = ProviderProfile.fromSettings(settings)
  let url: URL
  try {
    url = new URL(RefreshGrant.endpoint(profile, stored.tokenSet))
  } catch {
    return engine("url")
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return engine("url")
  let ca: ReadonlyArray<string> | undefined
  if (settings.caBundle !== undefined) {
    const bundle = await Trust.readBundleText(settings.caBundle.path).then(ReadModel.parsePemBundle, () => undefined)
    if (bundle === undefined || !bundle.ok) return engine("ca bundle")
    // Node's own list (NODE_EXTRA_CA_CERTS read again on Node 20) only where TLS will use it.
    if (url.protocol === "https:") ca = [...await Trust.defaultCertificates(), ...bundle.value]
  }

  // Prove the answer can be kept before spending the token it replaces (the store's `prepareSave`).
  try {
    await SecretFiles.writeAtomic(journal, RefreshGrant.journalReservation(document), 0o600)
  } catch {
    return engine("journal not writable")
  }
  const release = () => Fs.unlink(journal).catch(() => undefined)

  if (interrupted()) {
    // Stopped before anything was sent: the engine stops too, and nothing is spent.
    await release()
    return engine("interrupted")
  }
  const sent = send(
    url,
    RefreshGrant.headers(profile),
    JSON.stringify(RefreshGrant.body(profile, stored.tokenSet.refreshToken)),
    ca
  )
  const startedAt = clock()
  const timeout = Duration.toMillis(profile.refreshTimeout)
  const within = async (millis: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const first = await Promise.race([
      sent.exchange,
      new Promise<"slow">((resolve) => {
        timer = setTimeout(() => resolve("slow"), Math.max(0, millis))
      })
    ])
    clearTimeout(timer)
    return first
  }
  let first = await within(Math.min(answerWithinMillis, timeout))
  if (first === "slow" && interrupted()) {
    first = await within(timeout - (clock() - startedAt))
    if (first === "slow") sent.abort()
    first = await sent.exchange
  }
  const recorded = (exchange: Promise<Exchange>): Recorded => ({ url: url.href, exchange, abort: sent.abort })
  if (first === "slow") return engine("slow", recorded(settle(sent.exchange)))
  if (first._tag === "Failed") {
    if (!first.connected) {
      // Nothing left this process: the engine sends the grant itself (and retries as it would).
      await release()
      return engine("unsent")
    }
    return engine("failed", recorded(settle(sent.exchange)))
  }
  if (first.status < 200 || first.status >= 300) return engine("refused", recorded(settle(sent.exchange)))
  const now = clock()
  const applied = Either.flatMap(
    RefreshGrant.decodeAnswer(first.body, now),
    (answer) => RefreshGrant.apply(stored, answer, now)
  )
  if (Either.isLeft(applied)) return engine("malformed", recorded(settle(sent.exchange)))

  // The store's `commit`: the answer into the journal, then auth.json, then the journal goes.
  const journaled = await SecretFiles.overwrite(journal, RefreshGrant.journalEntry(document, applied.right.document))
    .then(() => true, () => false)
  try {
    await SecretFiles.removeTemporaries(location).catch(() => 0)
    await SecretFiles.writeAtomic(location, AuthJson.stringify(applied.right.document), 0o600)
  } catch {
    // The journal holds the answer (the engine's store restores it and serves it), or — when even the journal could
    // not be written — the engine finds the old tokens and reports what the issuer says about them.
    return engine(journaled ? "save failed, journaled" : "save failed")
  }
  await release()
  return { _tag: "Saved" }
}
