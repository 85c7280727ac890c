// Shared helpers for the emulator's wire tests: plain fetch against a served emulator.
import * as Effect from "effect/Effect"

export const clientId = "app_EMoamEEZ73f0CkXaXp7hrann"
// RFC 7636 appendix B.
export const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
export const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
export const redirectUri = "http://127.0.0.1:1455/auth/callback"

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export const request = (
  url: string,
  init: { method?: string; json?: unknown; form?: Record<string, string>; body?: string; contentType?: string } = {}
): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const headers: Record<string, string> = {}
    let body: string | undefined = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      headers["content-type"] = "application/json"
    }
    if (init.form !== undefined) {
      body = new URLSearchParams(init.form).toString()
      headers["content-type"] = "application/x-www-form-urlencoded"
    }
    if (init.contentType !== undefined) headers["content-type"] = init.contentType
    const response = await fetch(url, {
      method: init.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: "manual"
    })
    const text = await response.text()
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

export const authorizeUrl = (base: string, overrides: Record<string, string | undefined> = {}): string => {
  const params: Record<string, string> = {}
  const all: Record<string, string | undefined> = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "state-xyz",
    scope: "openid profile email offline_access",
    ...overrides
  }
  for (const [key, value] of Object.entries(all)) if (value !== undefined) params[key] = value
  return `${base}/oauth/authorize?${new URLSearchParams(params)}`
}

export const location = (answer: Answer): URL => new URL(answer.headers.get("location")!)

export const exchange = (base: string, code: string, overrides: Record<string, string> = {}) =>
  request(`${base}/oauth/token`, {
    form: {
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      ...overrides
    }
  })

export const refresh = (base: string, refreshToken: string) =>
  request(`${base}/oauth/token`, {
    json: {
      client_id: clientId,
      grant_type: "refresh_token",
      refresh_reason: "proactive_expiry",
      refresh_token: refreshToken
    }
  })

/** Auto-approved authorize + exchange: a fresh token set. */
export const login = (base: string) =>
  Effect.gen(function*() {
    const authorize = yield* request(authorizeUrl(base))
    const code = location(authorize).searchParams.get("code")
    if (code === null) throw new Error(`authorize did not redirect with a code: ${authorize.status}`)
    const answer = yield* exchange(base, code)
    if (answer.status !== 200) throw new Error(`exchange failed: ${answer.text}`)
    return answer.json as { id_token: string; access_token: string; refresh_token: string }
  })
