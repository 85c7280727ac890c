/**
 * The session environment shared by the CLI and the Promise facade on every runtime: `CODEX_HOME` (explicit or from
 * the environment), the chosen credential store, the provider profile (issuer, client id, loopback ports), the OAuth
 * client over the runtime's §12 HTTP client and the session itself. The keyring store (a native module) is loaded
 * only when asked for.
 */
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as MemoryCredentialStore from "@codex-auth/core/MemoryCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as Session from "@codex-auth/core/Session"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Platform } from "../../Facade.ts"

export type StoreChoice = "file" | "keyring" | "auto" | "memory"

export const storeChoices: ReadonlyArray<StoreChoice> = ["file", "keyring", "auto", "memory"]

export interface EnvironmentOptions {
  /** `CODEX_HOME`; default the `CODEX_HOME` variable, else `~/.codex`. */
  readonly codexHome?: string | undefined
  readonly store?: StoreChoice | undefined
  /** Default `CODEX_AUTH_ISSUER`, else the OpenAI issuer. */
  readonly issuer?: string | undefined
  readonly clientId?: string | undefined
  /** Loopback ports of the browser flow (the issuer must allow-list them). */
  readonly loopbackPorts?: ReadonlyArray<number> | undefined
  readonly session?: Session.Options | undefined
}

export type Services =
  | Session.Session
  | CredentialStore
  | OAuthClient.OAuthClient
  | ProviderProfile.ProviderProfile
  | HttpClient.HttpClient

const nonEmpty = (value: Option.Option<string>): Option.Option<string> =>
  Option.filter(Option.map(value, (text) => text.trim()), (text) => text !== "")

const codexHomeLayer = (platform: Platform, explicit: string | undefined) =>
  Layer.effect(
    CodexHome.CodexHome,
    Effect.gen(function*() {
      const variable = explicit !== undefined
        ? Option.some(explicit)
        : yield* Config.option(Config.string("CODEX_HOME"))
      return yield* CodexHome.resolve({
        codexHomeVariable: variable,
        homeDirectory: platform.homeDirectory(),
        explicit: explicit !== undefined
      })
    })
  ).pipe(Layer.provide(platform.secretFile))

const storeLayer = (platform: Platform, options: EnvironmentOptions) => {
  const choice = options.store ?? "file"
  if (choice === "memory") return MemoryCredentialStore.layer()
  const files = Layer.merge(codexHomeLayer(platform, options.codexHome), platform.secretFile)
  if (choice === "file") return FileCredentialStore.layer.pipe(Layer.provide(files))
  return Layer.unwrapEffect(
    Effect.promise(() => import("../../KeyringCredentialStore.ts")).pipe(
      Effect.map((keyring) => choice === "keyring" ? keyring.layer : keyring.layerAuto)
    )
  ).pipe(Layer.provide(files))
}

/** The profile: explicit options, then `CODEX_AUTH_ISSUER`, then the defaults; Codex's env overrides on top. */
export const profileConfig = (options: EnvironmentOptions) =>
  Effect.gen(function*() {
    const issuer = options.issuer ?? Option.getOrUndefined(
      nonEmpty(yield* Config.option(Config.string("CODEX_AUTH_ISSUER")))
    )
    return yield* ProviderProfile.config({
      issuer,
      clientId: options.clientId,
      loopbackPorts: options.loopbackPorts
    })
  })

/** Everything a command or the facade needs, built once. */
export const layer = (platform: Platform, options: EnvironmentOptions = {}) => {
  const profile = Layer.effect(ProviderProfile.ProviderProfile, profileConfig(options))
  const base = Layer.mergeAll(storeLayer(platform, options), profile, platform.httpClient)
  const oauth = Layer.provideMerge(OAuthClient.layer, base)
  const session = Layer.unwrapEffect(Effect.gen(function*() {
    const override = nonEmpty(yield* Config.option(Config.string("CODEX_REFRESH_TOKEN_URL_OVERRIDE")))
    const resolved = yield* ProviderProfile.ProviderProfile
    const sessionOptions = options.session ?? {}
    return Session.layer({
      ...sessionOptions,
      refreshTokenUrlOverride: sessionOptions.refreshTokenUrlOverride ?? Option.getOrUndefined(override),
      userAgent: sessionOptions.userAgent ?? platform.userAgent(resolved.originator, ProviderProfile.codexVersion)
    })
  }))
  return Layer.provideMerge(session, oauth)
}
