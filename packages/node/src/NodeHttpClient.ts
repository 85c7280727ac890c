/**
 * The `HttpClient` every auth request goes through on Node (PROTOCOL.md §12): undici with the system roots plus the
 * bundle named by `CODEX_CA_CERTIFICATE` / `SSL_CERT_FILE`, and `HTTPS_PROXY` / `NO_PROXY` through undici's
 * `EnvHttpProxyAgent`.
 *
 * @since 0.1.0
 */
import * as HttpClientConfig from "@codex-auth/core/HttpClientConfig"
import type * as ReadModel from "@codex-auth/core/ReadModel"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici"
import * as BoundedRead from "./internal/boundedRead.ts"
import * as Trust from "./internal/trust.ts"

/**
 * Reads and checks a CA bundle; the certificates, each as PEM.
 *
 * @since 0.1.0
 * @category constructors
 */
export const readCaBundle = (
  bundle: { readonly variable: ReadModel.CaVariable; readonly path: string }
): Effect.Effect<ReadonlyArray<string>, HttpClientConfig.CaCertificateInvalid> =>
  Effect.tryPromise({
    // Bounded and non-blocking: a FIFO, /dev/zero or a huge file named by mistake fails at once.
    try: () => Trust.readBundleText(bundle.path),
    catch: (cause) =>
      new HttpClientConfig.CaCertificateInvalid({
        ...bundle,
        reason: `it cannot be read (${
          cause instanceof BoundedRead.ReadRefused
            ? cause.reason
            : typeof cause === "object" && cause !== null && "code" in cause
            ? String(cause.code)
            : "error"
        })`
      })
  }).pipe(
    Effect.flatMap((text) =>
      Either.mapLeft(
        HttpClientConfig.parsePemBundle(text),
        (reason) => new HttpClientConfig.CaCertificateInvalid({ ...bundle, reason })
      )
    )
  )

/**
 * The certificates Node trusts by default: its bundled roots plus those of `NODE_EXTRA_CA_CERTS`. An explicit `ca`
 * replaces Node's default store, so a client that adds a bundle must start from all of these, or a private CA given
 * only through `NODE_EXTRA_CA_CERTS` stops being trusted. `tls.getCACertificates("default")` (Node ≥ 22.15) is that
 * list; on older Node the extra file is read as Node read it at start (the process's own variable, which Node alone
 * interprets — not a setting of ours); a file Node could not read was already reported by Node and is skipped.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultCertificates: Effect.Effect<ReadonlyArray<string>> = Effect.promise(Trust.defaultCertificates)

/**
 * The undici dispatcher for a configuration (closed with the scope).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDispatcher = (
  config: HttpClientConfig.HttpClientConfig
): Effect.Effect<Dispatcher, HttpClientConfig.CaCertificateInvalid, Scope.Scope> =>
  Effect.gen(function*() {
    const extra = Option.isSome(config.caBundle) ? yield* readCaBundle(config.caBundle.value) : []
    const ca = extra.length > 0 ? { ca: [...(yield* defaultCertificates), ...extra] } : undefined
    // No TCP keep-alive probes on Windows: undici sets them on the socket before it connects, which Wine (our
    // Windows lane) refuses with "connect UNKNOWN". A token request is short; HTTP connection reuse is unaffected.
    const tls = process.platform === "win32" ? { ...ca, keepAlive: false } : ca
    const dispatcher: Dispatcher = Option.isSome(config.httpsProxy)
      ? new EnvHttpProxyAgent({
        httpsProxy: config.httpsProxy.value,
        // Always explicit: left out, undici reads `no_proxy` / `NO_PROXY` from `process.env` itself, bypassing the
        // configuration this client was given (a custom ConfigProvider, or a test's environment).
        noProxy: Option.getOrElse(config.noProxy, () => ""),
        ...(tls !== undefined ? { connect: tls, requestTls: tls } : {})
      })
      : new Agent(tls !== undefined ? { connect: tls } : {})
    yield* Effect.addFinalizer(() => Effect.promise(() => dispatcher.destroy().catch(() => undefined)))
    return dispatcher
  })

/**
 * The client for an explicit configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: HttpClientConfig.HttpClientConfig
): Layer.Layer<HttpClient.HttpClient, HttpClientConfig.CaCertificateInvalid> =>
  NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
    Layer.provide(Layer.scoped(NodeHttpClient.Dispatcher, makeDispatcher(config)))
  )

/**
 * The client configured from the environment (§12). The variables are read when the layer is built; the bundle is
 * read and the dispatcher made on the first request (`HttpClientConfig.layerDeferred`), so a bad bundle or proxy
 * fails that request with `CaCertificateInvalid` / the `ConfigError` naming the variable, and nothing that needs no
 * network (`status`, a fresh token).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<HttpClient.HttpClient> = HttpClientConfig.layerDeferred((config) =>
  Effect.map(makeDispatcher(config), NodeHttpClient.makeUndici)
)
