/** `status`, `token`, `headers`, `refresh` and `logout`: the session's operations, printed. */
import * as ApiKeyAuth from "@codex-auth/accounts/ApiKeyAuth"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import * as ReadModel from "@codex-auth/core/ReadModel"
import { SecretFile } from "@codex-auth/core/SecretFile"
import { Session } from "@codex-auth/core/Session"
import type * as SessionModule from "@codex-auth/core/Session"
import type { Environment } from "@codex-auth/facade/FacadeRuntime"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Format from "../../CliFormat.ts"
import type { Common } from "./run.ts"
import {
  CliRuntime,
  environment,
  environmentOptions,
  formatTime,
  human,
  json,
  runCommand,
  stdout,
  withProgress
} from "./run.ts"

const tokenWait = withProgress(
  "Getting a valid access token (refreshing it, or waiting for another process that holds auth.lock)…"
)

const withSession = <E>(common: Common, body: Effect.Effect<number, E, Environment.Services | CliRuntime>) =>
  Effect.flatMap(environment(environmentOptions(common)), (layer) => runCommand(common, body, layer))

/**
 * The file store's warning line when auth.json or CODEX_HOME is open to other users (not on Windows, where the mode
 * bits mean nothing). Never fails: a stat that fails just prints no warning.
 */
const warnInsecureModes = Effect.gen(function*() {
  const store = yield* CredentialStore
  if (store.kind !== "file") return
  const runtime = yield* CliRuntime
  const warning = yield* Effect.gen(function*() {
    const files = yield* SecretFile
    if (files.join("a", "b").includes("\\")) return undefined
    const cut = store.location.lastIndexOf("/")
    const home = cut <= 0 ? "/" : store.location.slice(0, cut)
    const modeOf = (path: string) =>
      files.stat(path).pipe(
        Effect.map((info) => Option.getOrUndefined(Option.map(info, (found) => found.mode))),
        Effect.orElseSucceed(() => undefined)
      )
    return Format.insecureModeWarning(
      { path: store.location, mode: yield* modeOf(store.location) },
      { path: home, mode: yield* modeOf(home) }
    )
  }).pipe(Effect.provide(runtime.platform.secretFile))
  if (warning !== undefined) runtime.process.writeStderr(warning)
})

const plainStatus = (status: SessionModule.Status): Format.PlainStatus =>
  ReadModel.mapStatus(status, Option.getOrUndefined)

export const statusJson = (status: SessionModule.Status) => Format.statusJson(plainStatus(status))

const iso = (millis: Option.Option<number>): string | null => Format.iso(Option.getOrUndefined(millis))

export const status = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      yield* warnInsecureModes
      const session = yield* Session
      const current = yield* session.status
      // API-key mode: Codex's line and mask (`API key configured - sk-proj-***ABCDE`), never the key.
      const maskedApiKey = Option.contains(current.mode, "apikey")
        ? Option.getOrUndefined(Option.map(
          Option.flatMap(yield* (yield* CredentialStore).load, (document) => document.openaiApiKey),
          (key) => ApiKeyAuth.mask(Redacted.value(key))
        ))
        : undefined
      if (common.json) yield* json(Format.statusJsonWithKey(plainStatus(current), maskedApiKey))
      const now = yield* Clock.currentTimeMillis
      if (!current.loggedIn) {
        yield* human(Format.notLoggedIn(current.location))
        return 1
      }
      if (!common.json) {
        yield* human(
          maskedApiKey === undefined
            ? Format.statusLines(plainStatus(current), now)
            : Format.apiKeyStatusLines(maskedApiKey, current)
        )
      }
      return 0
    })
  )

export const token = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      yield* warnInsecureModes
      const session = yield* Session
      const bearer = yield* tokenWait(session.getToken)
      if (!common.json) {
        yield* stdout(Redacted.value(bearer))
        return 0
      }
      const credentials = yield* session.getCredentials
      yield* json(Format.tokenJson(
        Redacted.value(bearer),
        credentials._tag === "ChatGpt"
          ? {
            expiresAt: Option.getOrUndefined(credentials.tokenSet.accessTokenExpiresAt),
            accountId: Option.getOrUndefined(credentials.tokenSet.accountId)
          }
          : undefined
      ))
      return 0
    })
  )

export const headers = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      yield* warnInsecureModes
      const session = yield* Session
      const headers = yield* tokenWait(session.getHeaders)
      const entries = Format.headerEntries(headers)
      if (common.json) yield* json(Object.fromEntries(entries))
      else yield* stdout(Format.headersText(entries))
      return 0
    })
  )

export const refresh = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      const session = yield* Session
      const credentials = yield* withProgress(
        "Refreshing the tokens (or waiting for another process that holds auth.lock)…"
      )(session.refresh)
      const now = yield* Clock.currentTimeMillis
      if (credentials._tag === "ApiKey") {
        if (common.json) yield* json({ refreshed: false, mode: "apikey" })
        yield* human("✓ Signed in with an API key: there is nothing to refresh.")
        return 0
      }
      const tokens = credentials.tokenSet
      if (common.json) {
        yield* json({
          refreshed: true,
          accessTokenExpiresAt: iso(tokens.accessTokenExpiresAt),
          lastRefresh: iso(tokens.lastRefresh)
        })
      }
      const who = Option.getOrElse(tokens.idTokenInfo.email, () => "your account")
      const until = Option.match(tokens.accessTokenExpiresAt, {
        onNone: () => "",
        onSome: (at) => `; the access token is valid until ${formatTime(at, now)}`
      })
      yield* human(`✓ Refreshed the tokens of ${who}${until}`)
      return 0
    })
  )

export const logout = (common: Common, revoke: boolean) =>
  withSession(
    common,
    Effect.gen(function*() {
      const session = yield* Session
      const store = yield* CredentialStore
      const result: SessionModule.LogoutResult = yield* withProgress(
        "Signing out (revoking the refresh token, or waiting for another process that holds auth.lock)…"
      )(session.logoutWith({ revoke }))
      if (common.json) yield* json({ removed: result.removed, revoke: result.revoke, location: store.location })
      if (!result.removed) {
        yield* human(`✓ Not logged in: nothing to remove from ${store.location}.`)
        return 0
      }
      const how = result.revoke === "revoked"
        ? "the refresh token was revoked"
        : result.revoke === "failed"
        ? "revoking the refresh token failed (it expires on its own); the local credentials are removed anyway"
        : "the tokens were not revoked"
      yield* human(`✓ Logged out: removed the credentials from ${store.location}; ${how}.`)
      return 0
    })
  )
