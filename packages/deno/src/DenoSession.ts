/**
 * The session on Deno, wired like the Node one (`@codex-auth/core/RuntimeLayer`): `CODEX_HOME` and the file store
 * (or memory, or a store layer of your choice), the OAuth client over the §12 Deno HTTP client, the provider profile
 * with Codex's env overrides, and the Codex `User-Agent` for this machine.
 *
 * @since 0.1.0
 */
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import type { SessionLayerError, SessionOptions } from "@codex-auth/core/RuntimeLayer"
import type * as Session from "@codex-auth/core/Session"
import type * as Layer from "effect/Layer"
import { layers } from "./internal/layers.ts"
import * as UserAgent from "./internal/userAgent.ts"

/**
 * The options, and what can stop the session from being built.
 *
 * @since 0.1.0
 * @category models
 */
export type { SessionLayerError, SessionOptions as Options } from "@codex-auth/core/RuntimeLayer"

/**
 * The Codex `User-Agent` for this machine (the same string the Node runtime builds).
 *
 * @since 0.1.0
 * @category constructors
 */
export const userAgent = (originator: string, version: string): string => UserAgent.userAgent(originator, version)

/**
 * The file store in `CODEX_HOME`, through Deno's file APIs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileStore: Layer.Layer<CredentialStore, SessionLayerError> = layers.layerFileStore

/**
 * The session on Deno: the store the options name (the file store by default), the OAuth client over
 * the §12 Deno HTTP client (`Deno.createHttpClient`), the provider profile with Codex's env overrides.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: SessionOptions = {}): Layer.Layer<Session.Session, SessionLayerError> =>
  layers.layerSession(options)
