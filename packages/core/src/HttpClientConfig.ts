/**
 * How auth requests reach the issuer (PROTOCOL.md §12): an extra CA bundle from `CODEX_CA_CERTIFICATE`, else
 * `SSL_CERT_FILE` (empty = unset), added to the system roots; and `HTTPS_PROXY` / `NO_PROXY`. The runtime packages
 * turn this into their HTTP client (Node: an undici dispatcher; Deno: its createHttpClient), through
 * {@link layerDeferred}: the settings are read when the layer is built, but the bundle is read and the client built
 * on the first request (and again after a failure) — so a bad bundle or proxy fails only what needs the network
 * (refresh, login, revoke), never `status` or a fresh token.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as Environment from "./Environment.ts"
import * as rules from "./internal/plainRules.ts"
import { caVariables as plainCaVariables } from "./internal/read/environment.ts"

/**
 * The variables that name a CA bundle, in order of precedence.
 *
 * @since 0.1.0
 * @category constants
 */
export const caVariables: ReadonlyArray<Environment.CaVariable> = plainCaVariables

/**
 * The size bound of a CA bundle read: 16 MiB, several times the largest system bundles, so `/dev/zero` or a huge
 * file named by mistake fails at once instead of filling memory.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxCaBundleBytes: number = rules.maxCaBundleBytes

/**
 * The CA bundle cannot be used: unreadable, empty, or not PEM certificates. Names both variables, as Codex does.
 *
 * @since 0.1.0
 * @category errors
 */
export class CaCertificateInvalid extends Schema.TaggedError<CaCertificateInvalid>(
  "@codex-auth/core/CaCertificateInvalid"
)("CaCertificateInvalid", {
  variable: Schema.Literal(Environment.names.caCertificate, Environment.names.sslCertFile),
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `The CA certificate bundle ${this.path} (from ${this.variable}) cannot be used: ${this.reason}. ` +
      "Point CODEX_CA_CERTIFICATE (or SSL_CERT_FILE) at a PEM file of one or more certificates, or unset both."
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface HttpClientConfig {
  /** The CA bundle to add to the system roots, and the variable that named it. */
  readonly caBundle: Option.Option<
    { readonly variable: Environment.CaVariable; readonly path: string }
  >
  /** `HTTPS_PROXY` (or `https_proxy`). */
  readonly httpsProxy: Option.Option<string>
  /** `NO_PROXY` (or `no_proxy`). */
  readonly noProxy: Option.Option<string>
}

/**
 * Reads §12's variables (see `Environment`).
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<HttpClientConfig> = Config.all({
  caBundle: Environment.caBundle,
  httpsProxy: Environment.httpsProxy,
  noProxy: Environment.noProxy
})

/**
 * The certificates of a PEM bundle, each as its own PEM text. Other blocks (keys, CRLs) are skipped, as Codex does;
 * no certificate at all, or a certificate whose body is not base64 DER, is an error (the reason, never the text).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parsePemBundle = (text: string): Either.Either<ReadonlyArray<string>, string> => {
  const parsed = rules.parsePemBundle(text)
  return parsed.ok ? Either.right(parsed.value) : Either.left(parsed.error)
}

/**
 * A §12 variable is not valid (today only `HTTPS_PROXY` / `https_proxy`, which must be an `http:`/`https:` URL). The
 * message names the variable and what to do, never its value (a proxy URL may carry a password).
 *
 * @since 0.1.0
 * @category errors
 */
export class HttpClientSettingInvalid extends Schema.TaggedError<HttpClientSettingInvalid>(
  "@codex-auth/core/HttpClientSettingInvalid"
)("HttpClientSettingInvalid", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/**
 * What stops the HTTP client from being built: an unusable CA bundle, or a §12 variable that is not valid.
 *
 * @since 0.1.0
 * @category errors
 */
export type HttpClientConfigError = CaCertificateInvalid | HttpClientSettingInvalid

const isHttpClientConfigError = (u: unknown): u is HttpClientConfigError =>
  u instanceof CaCertificateInvalid || u instanceof HttpClientSettingInvalid

/** The `ConfigError` of reading §12's variables as a typed error (the environment module's message, as it is). */
const settingInvalid = (error: ConfigError.ConfigError): HttpClientSettingInvalid =>
  new HttpClientSettingInvalid({
    detail: error._op === "InvalidData" && error.path.length === 0
      ? error.message
      : `A proxy or CA setting is not valid (${String(error)}). Fix the environment variable, or unset it.`
  })

/**
 * The configuration failure a request of a {@link layerDeferred} client failed with, if that is why it failed: the
 * request was never sent. The OAuth client fails with this error itself, so that the caller sees the typed error
 * and its next step rather than a transport failure.
 *
 * @since 0.1.0
 * @category errors
 */
export const configurationFailure = (
  error: HttpClientError.HttpClientError
): Option.Option<HttpClientConfigError> =>
  error._tag === "RequestError" && isHttpClientConfigError(error.cause) ? Option.some(error.cause) : Option.none()

// Each deferred client's resolution, for `checkConfigured` (which sees the client in its context, not the layer).
const resolutions = new WeakMap<HttpClient.HttpClient, Effect.Effect<unknown, HttpClientConfigError>>()

/**
 * Resolves now the configuration of the {@link layerDeferred} client in the context (a no-op for any other client,
 * or none): for an operation that will need the network whatever happens — a login checks this before it opens a
 * browser or shows a code, so a bad bundle or proxy is reported before the user signs in, not after.
 *
 * @since 0.1.0
 * @category layers
 */
export const checkConfigured: Effect.Effect<void, HttpClientConfigError> = Effect.flatMap(
  Effect.serviceOption(HttpClient.HttpClient),
  (client) => Option.isSome(client) ? Effect.asVoid(resolutions.get(client.value) ?? Effect.void) : Effect.void
)

/**
 * The §12 client, built on first use. The settings are read now (each once, from the `ConfigProvider` of the layer's
 * builder); `build` runs on the first request, in the layer's scope (so what it opens closes with the layer), and the
 * client it makes serves every later request. A failure fails that request with a `RequestError` whose `cause` is
 * the typed error (see {@link configurationFailure}), nothing sent, and is not kept: the next request builds again,
 * so a long-running process (the facade, a server) picks up a bundle fixed while it runs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDeferred = <E extends HttpClientConfigError>(
  build: (config: HttpClientConfig) => Effect.Effect<HttpClient.HttpClient, E, Scope.Scope>
): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const settings = yield* Effect.either(config)
      const scope = yield* Effect.scope
      const built = yield* SynchronizedRef.make(Option.none<HttpClient.HttpClient>())
      // One build at a time; only a success is kept.
      const resolved = SynchronizedRef.modifyEffect(built, (current) =>
        Option.match(current, {
          onSome: (client) => Effect.succeed([client, current] as const),
          onNone: () =>
            Effect.map(
              // Uninterruptible: a caller interrupted while the bundle is read must not leave a half-built client.
              Effect.uninterruptible(Scope.extend(
                Either.match(settings, {
                  onLeft: (error): Effect.Effect<HttpClient.HttpClient, HttpClientConfigError, Scope.Scope> =>
                    Effect.fail(settingInvalid(error)),
                  onRight: build
                }),
                scope
              )),
              (client) => [client, Option.some(client)] as const
            )
        }))
      const client = HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
        (request) =>
          Effect.flatMap(request, (request) =>
            Effect.flatMap(
              Effect.mapError(resolved, (cause) =>
                new HttpClientError.RequestError({
                  request,
                  reason: "Transport",
                  cause,
                  description: cause.message
                })),
              (client) => client.execute(request)
            )),
        Effect.succeed
      )
      resolutions.set(client, resolved)
      return client
    })
  )
