/**
 * The `HttpClient` every auth request goes through on Deno (PROTOCOL.md §12): `fetch` with a `Deno.createHttpClient`
 * that adds the bundle named by `CODEX_CA_CERTIFICATE` / `SSL_CERT_FILE` to the system roots, and sends `https:`
 * requests through `HTTPS_PROXY` unless `NO_PROXY` names the host — the Node runtime's rules.
 *
 * @since 0.1.0
 */
import * as HttpClientConfig from "@codex-auth/core/HttpClientConfig"
import type * as ReadModel from "@codex-auth/core/ReadModel"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as BoundedRead from "./internal/boundedRead.ts"
import { reasonOf } from "./internal/errors.ts"
import { bypassesProxy } from "./internal/noProxy.ts"

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
    // Bounded, and never opened unless a regular file: a FIFO, /dev/zero or a huge file named by mistake fails at once.
    try: () =>
      BoundedRead.readBytes(bundle.path, HttpClientConfig.maxCaBundleBytes).then((bytes) =>
        new TextDecoder("utf-8").decode(bytes)
      ),
    catch: (cause) =>
      new HttpClientConfig.CaCertificateInvalid({
        ...bundle,
        reason: `it cannot be read (${cause instanceof BoundedRead.ReadRefused ? cause.reason : reasonOf(cause)})`
      })
  }).pipe(
    Effect.flatMap((text) =>
      Either.mapLeft(
        HttpClientConfig.parsePemBundle(text),
        (reason) => new HttpClientConfig.CaCertificateInvalid({ ...bundle, reason })
      )
    )
  )

const requestUrl = (input: string | URL | Request): URL =>
  new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url)

/**
 * A `fetch` for a configuration: the Deno HTTP clients it needs (closed with the scope), chosen per request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFetch = (
  config: HttpClientConfig.HttpClientConfig
): Effect.Effect<typeof globalThis.fetch, HttpClientConfig.CaCertificateInvalid, Scope.Scope> =>
  Effect.gen(function*() {
    const caCerts = Option.isSome(config.caBundle) ? [...yield* readCaBundle(config.caBundle.value)] : []
    const tls = caCerts.length > 0 ? { caCerts } : {}
    const acquire = (options: Deno.CreateHttpClientOptions) =>
      Effect.acquireRelease(
        Effect.sync(() => Deno.createHttpClient(options)),
        (client) => Effect.sync(() => client.close())
      )
    const direct = caCerts.length > 0 || Option.isSome(config.httpsProxy) ? yield* acquire(tls) : undefined
    const proxied = Option.isSome(config.httpsProxy)
      ? yield* acquire({ ...tls, proxy: { url: config.httpsProxy.value } })
      : undefined
    if (direct === undefined) return globalThis.fetch
    const noProxy = Option.getOrElse(config.noProxy, () => "")
    const fetch: typeof globalThis.fetch = (input, init) => {
      const url = requestUrl(input)
      const client = proxied !== undefined && url.protocol === "https:" && !bypassesProxy(noProxy, url)
        ? proxied
        : direct
      return globalThis.fetch(input, { ...init, client })
    }
    return fetch
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
  FetchHttpClient.layer.pipe(Layer.provide(Layer.scoped(FetchHttpClient.Fetch, makeFetch(config))))

/**
 * The client configured from the environment (§12). The variables are read when the layer is built; the bundle is
 * read and the Deno clients made on the first request (`HttpClientConfig.layerDeferred`), so a bad bundle or proxy
 * fails that request with `CaCertificateInvalid` / the `ConfigError` naming the variable, and nothing that needs no
 * network (`status`, a fresh token).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<HttpClient.HttpClient> = HttpClientConfig.layerDeferred((config) =>
  Effect.flatMap(makeFetch(config), (fetch) =>
    Effect.map(
      Layer.build(FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)))),
      (context) => Context.get(context, HttpClient.HttpClient)
    ))
)
