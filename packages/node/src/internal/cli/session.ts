/** `status`, `token`, `headers`, `refresh` and `logout`: the session's operations, printed. */
import { CredentialStore } from "@codex-auth/core/CredentialStore"
import { Session } from "@codex-auth/core/Session"
import type * as SessionModule from "@codex-auth/core/Session"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Environment from "../facade/environment.ts"
import type { Common } from "./run.ts"
import { environmentOptions, formatTime, human, json, runCommand, stdout } from "./run.ts"

const withSession = <E>(common: Common, body: Effect.Effect<number, E, Environment.Services>) =>
  runCommand(common, body, Environment.layer(environmentOptions(common)))

const iso = (millis: Option.Option<number>): string | null =>
  Option.match(millis, { onNone: () => null, onSome: (value) => new Date(value).toISOString() })

export const statusJson = (status: SessionModule.Status) => ({
  loggedIn: status.loggedIn,
  mode: Option.getOrNull(status.mode),
  email: Option.getOrNull(status.email),
  plan: Option.getOrNull(status.plan),
  accountId: Option.getOrNull(status.accountId),
  accessTokenExpiresAt: iso(status.accessTokenExpiresAt),
  lastRefresh: iso(status.lastRefresh),
  store: status.store,
  location: status.location
})

const modeName = (mode: Option.Option<string>): string =>
  Option.match(mode, {
    onNone: () => "ChatGPT",
    onSome: (value) => value === "apikey" ? "an API key" : "ChatGPT"
  })

export const status = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      const session = yield* Session
      const current = yield* session.status
      if (common.json) yield* json(statusJson(current))
      const now = yield* Clock.currentTimeMillis
      if (!current.loggedIn) {
        yield* human(`✗ Not logged in (no credentials in ${current.location}). Run \`codex-auth login\` to sign in.`)
        return 1
      }
      if (!common.json) {
        const who = Option.getOrElse(current.email, () => Option.getOrElse(current.accountId, () => "your account"))
        const plan = Option.match(current.plan, { onNone: () => "", onSome: (plan) => ` (${plan})` })
        const lines = [
          `✓ Logged in to ChatGPT as ${who}${plan} using ${modeName(current.mode)}`,
          ...Option.toArray(Option.map(current.accountId, (id) => `  - Account: ${id}`)),
          ...Option.toArray(
            Option.map(current.accessTokenExpiresAt, (at) => `  - Access token expires: ${formatTime(at, now)}`)
          ),
          ...Option.toArray(Option.map(current.lastRefresh, (at) => `  - Last refresh: ${formatTime(at, now)}`)),
          `  - Stored in: ${current.location} (${current.store})`
        ]
        yield* human(lines.join("\n"))
      }
      return 0
    })
  )

export const token = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      const session = yield* Session
      const bearer = yield* session.getToken
      if (!common.json) {
        yield* stdout(Redacted.value(bearer))
        return 0
      }
      const credentials = yield* session.getCredentials
      yield* json(
        credentials._tag === "ChatGpt"
          ? {
            token: Redacted.value(bearer),
            mode: "chatgpt",
            expiresAt: iso(credentials.tokenSet.accessTokenExpiresAt),
            accountId: Option.getOrNull(credentials.tokenSet.accountId)
          }
          : { token: Redacted.value(bearer), mode: "apikey", expiresAt: null, accountId: null }
      )
      return 0
    })
  )

export const headers = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      const session = yield* Session
      const headers = yield* session.getHeaders
      // Headers.Headers keeps names lower-cased; print them as the backend documents them.
      const display: Record<string, string> = {
        authorization: "Authorization",
        "chatgpt-account-id": "ChatGPT-Account-ID",
        originator: "originator",
        "user-agent": "User-Agent",
        "x-openai-fedramp": "X-OpenAI-Fedramp"
      }
      const entries = Object.entries(headers).map(([name, value]) => [display[name] ?? name, value] as const)
      if (common.json) yield* json(Object.fromEntries(entries))
      else yield* stdout(entries.map(([name, value]) => `${name}: ${value}`).join("\n"))
      return 0
    })
  )

export const refresh = (common: Common) =>
  withSession(
    common,
    Effect.gen(function*() {
      const session = yield* Session
      const credentials = yield* session.refresh
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
      const result: SessionModule.LogoutResult = revoke
        ? yield* session.logout
        : { removed: yield* store.withLock(store.remove), revoke: "skipped" }
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
