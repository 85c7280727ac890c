/** `status`, `token`, `headers`, `refresh` and `logout`: the session's operations, printed. */
import * as ApiKeyAuth from "@codex-auth/core/ApiKeyAuth"
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import { Session } from "@codex-auth/core/Session"
import type * as SessionModule from "@codex-auth/core/Session"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Format from "../../CliFormat.ts"
import type * as Environment from "../facade/environment.ts"
import type { CliRuntime, Common } from "./run.ts"
import { environment, environmentOptions, formatTime, human, json, runCommand, stdout, withProgress } from "./run.ts"

const tokenWait = withProgress(
  "Getting a valid access token (refreshing it, or waiting for another process that holds auth.lock)…"
)

const withSession = <E>(common: Common, body: Effect.Effect<number, E, Environment.Services | CliRuntime>) =>
  Effect.flatMap(environment(environmentOptions(common)), (layer) => runCommand(common, body, layer))

const plainStatus = (status: SessionModule.Status): Format.PlainStatus => ({
  loggedIn: status.loggedIn,
  mode: Option.getOrUndefined(status.mode),
  email: Option.getOrUndefined(status.email),
  plan: Option.getOrUndefined(status.plan),
  accountId: Option.getOrUndefined(status.accountId),
  fedramp: Option.getOrUndefined(status.fedramp),
  accessTokenExpiresAt: Option.getOrUndefined(status.accessTokenExpiresAt),
  lastRefresh: Option.getOrUndefined(status.lastRefresh),
  store: status.store,
  location: status.location
})

export const statusJson = (status: SessionModule.Status) => Format.statusJson(plainStatus(status))

const iso = (millis: Option.Option<number>): string | null => Format.iso(Option.getOrUndefined(millis))

export const status = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
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
