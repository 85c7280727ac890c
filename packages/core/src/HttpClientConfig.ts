/**
 * How auth requests reach the issuer (PROTOCOL.md §12): an extra CA bundle from `CODEX_CA_CERTIFICATE`, else
 * `SSL_CERT_FILE` (empty = unset), added to the system roots; and `HTTPS_PROXY` / `NO_PROXY`. The runtime packages
 * turn this into their HTTP client (Node: an undici dispatcher; Deno: its createHttpClient).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Either from "effect/Either"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
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
