/**
 * How auth requests reach the issuer (PROTOCOL.md §12): an extra CA bundle from `CODEX_CA_CERTIFICATE`, else
 * `SSL_CERT_FILE` (empty = unset), added to the system roots; and `HTTPS_PROXY` / `NO_PROXY`. The runtime packages
 * turn this into their HTTP client (Node: an undici dispatcher; Deno: its createHttpClient).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as rules from "./internal/plainRules.ts"

/**
 * The variables that name a CA bundle, in order of precedence.
 *
 * @since 0.1.0
 * @category constants
 */
export const caVariables: ReadonlyArray<"CODEX_CA_CERTIFICATE" | "SSL_CERT_FILE"> = [
  "CODEX_CA_CERTIFICATE",
  "SSL_CERT_FILE"
]

/**
 * The size bound of a CA bundle read: 16 MiB, several times the largest system bundles, so `/dev/zero` or a huge
 * file named by mistake fails at once instead of filling memory.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxCaBundleBytes: number = 16 * 1024 * 1024

/**
 * The CA bundle cannot be used: unreadable, empty, or not PEM certificates. Names both variables, as Codex does.
 *
 * @since 0.1.0
 * @category errors
 */
export class CaCertificateInvalid extends Schema.TaggedError<CaCertificateInvalid>(
  "@codex-auth/core/CaCertificateInvalid"
)("CaCertificateInvalid", {
  variable: Schema.Literal("CODEX_CA_CERTIFICATE", "SSL_CERT_FILE"),
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
    { readonly variable: "CODEX_CA_CERTIFICATE" | "SSL_CERT_FILE"; readonly path: string }
  >
  /** `HTTPS_PROXY` (or `https_proxy`). */
  readonly httpsProxy: Option.Option<string>
  /** `NO_PROXY` (or `no_proxy`). */
  readonly noProxy: Option.Option<string>
}

const nonEmpty = (name: string): Config.Config<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(
    Config.map(Option.filter((value) => value.trim() !== "")),
    Config.map(Option.map((value) => value.trim()))
  )

// A proxy must be a URL undici (and Deno) can dial; the value is never echoed (it may carry credentials).
const proxyUrl = (name: string): Config.Config<Option.Option<string>> =>
  Config.mapOrFail(nonEmpty(name), (value): Either.Either<Option.Option<string>, ConfigError.ConfigError> => {
    if (Option.isNone(value)) return Either.right(value)
    try {
      const url = new URL(value.value)
      if (url.protocol === "http:" || url.protocol === "https:") return Either.right(value)
    } catch {
      // not a URL at all
    }
    return Either.left(ConfigError.InvalidData(
      [],
      `${name} is not a proxy URL (expected one such as http://proxy.example:3128). Fix ${name}, or unset it to ` +
        "connect directly."
    ))
  })

/**
 * Reads §12's variables.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<HttpClientConfig> = Config.all({
  codex: nonEmpty("CODEX_CA_CERTIFICATE"),
  ssl: nonEmpty("SSL_CERT_FILE"),
  httpsProxy: proxyUrl("HTTPS_PROXY"),
  httpsProxyLower: proxyUrl("https_proxy"),
  noProxy: nonEmpty("NO_PROXY"),
  noProxyLower: nonEmpty("no_proxy")
}).pipe(Config.map(({ codex, httpsProxy, httpsProxyLower, noProxy, noProxyLower, ssl }) => ({
  caBundle: Option.orElse(
    Option.map(codex, (path) => ({ variable: "CODEX_CA_CERTIFICATE" as const, path })),
    () => Option.map(ssl, (path) => ({ variable: "SSL_CERT_FILE" as const, path }))
  ),
  httpsProxy: Option.orElse(httpsProxy, () => httpsProxyLower),
  noProxy: Option.orElse(noProxy, () => noProxyLower)
})))

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
