/**
 * The session environment shared by the CLI and the Promise facade on every runtime: `CODEX_HOME` (explicit or from
 * the environment), the chosen credential store, the provider profile (issuer, client id, loopback ports), the OAuth
 * client over the runtime's §12 HTTP client and the session itself. The keyring store (a native module) is loaded
 * only when asked for.
 */
import * as CodexConfig from "@codex-auth/core/CodexConfig"
import * as CodexHome from "@codex-auth/core/CodexHome"
import type { CodexHomeNotFound } from "@codex-auth/core/CodexHome"
import type { CredentialStore } from "@codex-auth/core/CredentialStore"
import { CredentialStoreError } from "@codex-auth/core/CredentialStore"
import * as Environment from "@codex-auth/core/Environment"
import * as FileCredentialStore from "@codex-auth/core/FileCredentialStore"
import * as MemoryCredentialStore from "@codex-auth/core/MemoryCredentialStore"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import type { SecretFile, SecretFileError } from "@codex-auth/core/SecretFile"
import * as Session from "@codex-auth/core/Session"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Platform } from "../../Facade.ts"
import * as Ledger from "./ledger.ts"

export type StoreChoice = Environment.StoreChoice

export const storeChoices: ReadonlyArray<StoreChoice> = Environment.storeChoices

/** The store: the explicit choice (`--store`, the facade's option), else `CODEX_AUTH_STORE`, else the file. */
export const resolveStore = (explicit: StoreChoice | undefined): Effect.Effect<StoreChoice, ConfigError.ConfigError> =>
  explicit !== undefined
    ? Effect.succeed(explicit)
    : Effect.map(
      Environment.store,
      Option.getOrElse((): StoreChoice => "file")
    )

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
  /** Codex's `-c key=value` overrides of `config.toml`. */
  readonly configOverrides?: ReadonlyArray<string> | undefined
}

/**
 * The §10 policy in force: `CODEX_HOME/config.toml` (with `-c` overrides) joined with the program's own; read once
 * when the environment is built, used by the session (at load) and by every login (authorize URL, check, save).
 */
export class ConfiguredPolicy extends Context.Tag("@codex-auth/adapters/internal/ConfiguredPolicy")<
  ConfiguredPolicy,
  CodexConfig.Policy
>() {}

export type Services =
  | ConfiguredPolicy
  | Session.Session
  | Ledger.PendingLedger
  | CredentialStore
  | OAuthClient.OAuthClient
  | ProviderProfile.ProviderProfile
  | HttpClient.HttpClient

const codexHomeLayer = (platform: Platform, explicit: string | undefined) =>
  Layer.effect(
    CodexHome.CodexHome,
    Effect.gen(function*() {
      const variable = explicit !== undefined
        ? Option.some(explicit)
        : yield* Environment.codexHome
      return yield* CodexHome.resolve({
        codexHomeVariable: variable,
        homeDirectory: platform.homeDirectory(),
        explicit: explicit !== undefined
      })
    })
  ).pipe(Layer.provide(platform.secretFile))

/** The store, and the two-step logins' ledger next to it (see `ledger.ts`). */
const storeLayer = (
  platform: Platform,
  options: EnvironmentOptions
): Layer.Layer<
  CredentialStore | Ledger.PendingLedger,
  SecretFileError | ConfigError.ConfigError | CodexHomeNotFound | CredentialStoreError
> =>
  Layer.unwrapEffect(Effect.map(resolveStore(options.store), (choice) => {
    if (choice === "memory") return Layer.merge(MemoryCredentialStore.layer(), Ledger.layerMemory)
    const files = Layer.merge(codexHomeLayer(platform, options.codexHome), platform.secretFile)
    // PostgreSQL (a package of its own, with its driver) comes from the runtime, loaded only when chosen; the
    // two-step logins' ledger stays beside CODEX_HOME on this machine.
    const store: Layer.Layer<
      CredentialStore,
      CredentialStoreError | ConfigError.ConfigError,
      CodexHome.CodexHome | SecretFile
    > = choice === "file"
      ? FileCredentialStore.layer
      : choice === "postgres"
      ? platform.postgresStore === undefined
        ? Layer.fail(
          new CredentialStoreError({
            store: "postgres",
            operation: "load",
            location: Environment.names.databaseUrl,
            reason: "the PostgreSQL store is not available on this runtime (it ships for Node as @codex-auth/postgres)"
          })
        )
        : platform.postgresStore()
      : Layer.unwrapEffect(
        Effect.promise(() => import("@codex-auth/keyring/KeyringCredentialStore")).pipe(
          Effect.map((keyring) => choice === "keyring" ? keyring.layer() : keyring.layerAuto)
        )
        // The facts tell the keyring store which of Codex's layouts this OS uses (Windows: the encrypted file).
      ).pipe(Layer.provide(platform.runtimeFacts({})))
    return Layer.provideMerge(Ledger.layerFile, store).pipe(Layer.provide(files))
  }))

/** The profile: explicit options, then the environment (`CODEX_AUTH_ISSUER`, Codex's overrides), then the defaults. */
export const profileConfig = (options: EnvironmentOptions) =>
  ProviderProfile.config({
    issuer: options.issuer,
    clientId: options.clientId,
    loopbackPorts: options.loopbackPorts
  })

/** config.toml is Codex's: read from `CODEX_HOME` whatever the store, except the in-memory one (no CODEX_HOME). */
const policyLayer = (platform: Platform, options: EnvironmentOptions) =>
  Layer.effect(
    ConfiguredPolicy,
    Effect.gen(function*() {
      const requested = options.session ?? {}
      if ((yield* resolveStore(options.store)) === "memory") {
        const joined = CodexConfig.combine(requested, CodexConfig.empty)
        return joined.ok ? joined.value : CodexConfig.empty
      }
      const home = yield* CodexHome.CodexHome
      return yield* CodexConfig.loadCombined(home.path, requested, options.configOverrides ?? [])
    })
  ).pipe(Layer.provide(Layer.merge(codexHomeLayer(platform, options.codexHome), platform.secretFile)))

/** Everything a command or the facade needs, built once. */
export const layer = (platform: Platform, options: EnvironmentOptions = {}) => {
  const profile = Layer.effect(ProviderProfile.ProviderProfile, profileConfig(options))
  const base = Layer.mergeAll(
    storeLayer(platform, options),
    profile,
    platform.httpClient,
    policyLayer(platform, options)
  )
  const oauth = Layer.provideMerge(OAuthClient.layer, base)
  const session = Layer.unwrapEffect(Effect.gen(function*() {
    const resolved = yield* ProviderProfile.ProviderProfile
    const policy = yield* ConfiguredPolicy
    const sessionOptions = options.session ?? {}
    return Session.layer({
      ...sessionOptions,
      forcedWorkspaceIds: policy.forcedWorkspaceIds,
      forcedLoginMethod: policy.forcedLoginMethod,
      policySource: sessionOptions.policySource ?? policy.source,
      userAgent: sessionOptions.userAgent ?? platform.userAgent(resolved.originator, ProviderProfile.codexVersion)
    })
  }))
  return Layer.provideMerge(session, oauth)
}
