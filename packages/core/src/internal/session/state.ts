// The session's cached state and what it becomes after each event (reload, refresh, login, logout), as plain functions
// over immutable values. The session holds one `State` and replaces it with these; the protocol around them (lock,
// reload, single flight, the uninterruptible grant and save) stays in session.ts.
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as AuthJson from "../../AuthJson.ts"
import type { RefreshTokenRejected } from "../../OAuthError.ts"
import type * as Session from "../../Session.ts"
import * as TokenSet from "../../TokenSet.ts"
import type * as Workspace from "../../Workspace.ts"
import * as agentIdentity from "../agentIdentityPlain.ts"

/** Credentials as the session serves them: the parsed tokens (or key), the document they came from, the bearer. */
export type Loaded =
  | {
    readonly _tag: "ChatGpt"
    readonly tokenSet: TokenSet.TokenSet
    readonly document: AuthJson.AuthDocument
    readonly bearer: Redacted.Redacted<string>
  }
  | {
    readonly _tag: "ApiKey"
    readonly apiKey: Redacted.Redacted<string>
    readonly document: AuthJson.AuthDocument
    readonly bearer: Redacted.Redacted<string>
  }

export const fromDocument = (document: AuthJson.AuthDocument): Option.Option<Loaded> => {
  const mode = AuthJson.resolvedMode(document)
  if (mode === "apikey") {
    return Option.map(document.openaiApiKey, (apiKey) => ({ _tag: "ApiKey", apiKey, document, bearer: apiKey }))
  }
  return Option.map(TokenSet.fromAuthDocument(document), (tokenSet) => ({
    _tag: "ChatGpt",
    tokenSet,
    document,
    bearer: tokenSet.accessToken
  }))
}

/** What a saved login becomes in memory. */
export const fromOutcome = (
  outcome: Exclude<Session.LoginOutcome, { readonly _tag: "AccessToken" }>,
  document: AuthJson.AuthDocument
): Loaded =>
  outcome._tag === "ChatGpt"
    ? { _tag: "ChatGpt", tokenSet: outcome.tokenSet, document, bearer: outcome.tokenSet.accessToken }
    : { _tag: "ApiKey", apiKey: outcome.apiKey, document, bearer: outcome.apiKey }

/** The status claims of an access-token (Agent Identity) login; none for any other document. */
export const agentIdentityOf = (
  document: AuthJson.AuthDocument
): Option.Option<agentIdentity.PlainAgentIdentityStatus> =>
  Option.map(
    Option.fromNullable(agentIdentity.storedToken({
      authMode: Option.getOrUndefined(document.authMode),
      hasApiKey: Option.isSome(document.openaiApiKey),
      agentIdentity: Option.getOrUndefined(Option.map(document.agentIdentity, Redacted.value))
    })),
    agentIdentity.statusClaims
  )

export const toCredentials = (loaded: Loaded): Session.Credentials =>
  loaded._tag === "ChatGpt" ? { _tag: "ChatGpt", tokenSet: loaded.tokenSet } : { _tag: "ApiKey", apiKey: loaded.apiKey }

export const secretEquals = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>): boolean =>
  Redacted.value(a) === Redacted.value(b)

/** Same credentials byte for byte (the store was not changed by anyone else). */
export const sameCredentials = (a: Loaded, b: Loaded): boolean => {
  if (a._tag === "ApiKey" || b._tag === "ApiKey") {
    return a._tag === b._tag && secretEquals(a.bearer, b.bearer)
  }
  return secretEquals(a.tokenSet.refreshToken, b.tokenSet.refreshToken) &&
    secretEquals(a.tokenSet.accessToken, b.tokenSet.accessToken)
}

export const sameAccount = (a: Loaded, b: Loaded): boolean =>
  a._tag === "ChatGpt" && b._tag === "ChatGpt" ? TokenSet.sameAccount(a.tokenSet, b.tokenSet) : a._tag === b._tag

export const isFresh = (loaded: Loaded, now: number): boolean =>
  loaded._tag === "ApiKey" || !TokenSet.needsRefresh(loaded.tokenSet, now)

export const workspaceOf = (tokenSet: TokenSet.TokenSet): Option.Option<string> =>
  Option.orElse(tokenSet.accountId, () => tokenSet.idTokenInfo.chatgptAccountId)

/** What §10 looks at in credentials (`Workspace.violation`). */
export const subjectOf = (
  credentials: { readonly _tag: "ChatGpt"; readonly tokenSet: TokenSet.TokenSet } | { readonly _tag: "ApiKey" }
): Workspace.Subject =>
  credentials._tag === "ApiKey"
    ? { method: "api", workspace: Option.none() }
    : { method: "chatgpt", workspace: workspaceOf(credentials.tokenSet) }

/** An access-token login counts as a ChatGPT login, and its `account_id` claim is its workspace (as in Codex). */
export const agentIdentitySubject = (claims: agentIdentity.PlainAgentIdentityStatus): Workspace.Subject => ({
  method: "chatgpt",
  workspace: Option.fromNullable(claims.accountId)
})

// ---------------------------------------------------------------------------------------------------------------
// the state and its transitions
// ---------------------------------------------------------------------------------------------------------------

export interface State {
  /** What `getToken` serves while fresh; none until loaded, and after anything that makes it unsafe to serve. */
  readonly current: Loaded | undefined
  /** The refresh token the issuer rejected for good, and its answer (it is never sent again). */
  readonly permanentFailure: { readonly refreshToken: string; readonly error: RefreshTokenRejected } | undefined
  /** The refresh token of the last grant that failed ambiguously (it may have been spent). */
  readonly ambiguousFor: string | undefined
}

export const initial: State = { current: undefined, permanentFailure: undefined, ambiguousFor: undefined }

/** Serve `loaded` from now on (read from the store, or refreshed and saved). */
export const serving = (state: State, loaded: Loaded): State => ({ ...state, current: loaded })

/** Forget what is cached: the store holds nothing, was changed by another replica, or its credentials were refused. */
export const forgotten = (state: State): State => state.current === undefined ? state : { ...state, current: undefined }

/** The issuer rejected `refreshToken` for good. */
export const rejected = (
  state: State,
  refreshToken: Redacted.Redacted<string>,
  error: RefreshTokenRejected
): State => ({
  ...state,
  permanentFailure: { refreshToken: Redacted.value(refreshToken), error }
})

/** A grant with `refreshToken` failed without saying whether the token was spent. */
export const ambiguous = (state: State, refreshToken: Redacted.Redacted<string>): State => ({
  ...state,
  ambiguousFor: Redacted.value(refreshToken)
})

/** A login was saved: serve it, and forget an earlier rejection. */
export const loggedIn = (state: State, loaded: Loaded): State => ({
  ...state,
  current: loaded,
  permanentFailure: undefined
})

/** The credentials were removed. */
export const loggedOut = (state: State): State => ({ ...state, current: undefined, permanentFailure: undefined })

/** The issuer's earlier answer when `refreshToken` was already rejected for good. */
export const knownRejection = (
  state: State,
  refreshToken: Redacted.Redacted<string>
): RefreshTokenRejected | undefined =>
  state.permanentFailure !== undefined && state.permanentFailure.refreshToken === Redacted.value(refreshToken)
    ? state.permanentFailure.error
    : undefined

/** What is cached, when it may be served at `now`. */
export const servable = (state: State, now: number): Loaded | undefined =>
  state.current !== undefined && isFresh(state.current, now) ? state.current : undefined

/**
 * What the store holds, reconciled with memory: another process's tokens for the same account are adopted; another
 * account's are not (unless ours are dead, or the kind of login changed).
 */
export const adoptable = (state: State, stored: Loaded): boolean => {
  const current = state.current
  if (current === undefined || sameCredentials(current, stored)) return true
  const ourTokensAreDead = current._tag === "ChatGpt" &&
    knownRejection(state, current.tokenSet.refreshToken) !== undefined
  return sameAccount(current, stored) || ourTokensAreDead || current._tag !== stored._tag
}

/**
 * Under the store lock, after re-reading it: serve what it holds, refresh it, or refuse (another account). `force`
 * refreshes even a fresh token, unless the store held newer tokens than ours (then those are the answer).
 */
export const afterReload = (
  state: State,
  stored: Loaded,
  force: boolean,
  now: number
): "serve" | "refresh" | "account-changed" => {
  const changed = state.current === undefined || !sameCredentials(state.current, stored)
  if (!adoptable(state, stored)) return "account-changed"
  if (stored._tag === "ApiKey" || ((!force || (changed && state.current !== undefined)) && isFresh(stored, now))) {
    return "serve"
  }
  return "refresh"
}

/** After an ambiguous failure the token may be spent: background refresh waits for another token. */
export const spentMaybe = (state: State): boolean =>
  state.current !== undefined && state.current._tag === "ChatGpt" &&
  state.ambiguousFor === Redacted.value(state.current.tokenSet.refreshToken)

/** How long the proactive refresh sleeps before its next look, in milliseconds. */
export const proactiveDelayMillis = (state: State, now: number): number => {
  const loaded = state.current
  if (loaded === undefined || loaded._tag === "ApiKey") return 60_000
  const due = Option.match(loaded.tokenSet.accessTokenExpiresAt, {
    onNone: () => Option.getOrElse(loaded.tokenSet.lastRefresh, () => now) + TokenSet.refreshIntervalMillis,
    onSome: (exp) => exp - TokenSet.refreshSkewMillis
  })
  return Math.max(1_000, due - now + 1_000)
}
