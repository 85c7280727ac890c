// The protocol core under Deno: the same bytes on the wire as under Node, against a Deno.serve recorder and the
// emulator served by Deno.serve.
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as AuthorizeUrl from "@codex-auth/core/AuthorizeUrl"
import * as OAuthClient from "@codex-auth/core/OAuthClient"
import * as OAuthError from "@codex-auth/core/OAuthError"
import * as Pkce from "@codex-auth/core/Pkce"
import * as ProviderProfile from "@codex-auth/core/ProviderProfile"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fixtures from "../../core/test/fixtures/authFiles.ts"
import * as DenoEmulator from "../src/DenoEmulator.ts"

const assertEquals = <A>(actual: A, expected: A, what = "value") => {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`)
}

const clientLayer = (issuer: string) =>
  OAuthClient.layer.pipe(
    Layer.provide(Layer.mergeAll(FetchHttpClient.layer, ProviderProfile.layer(ProviderProfile.make({ issuer }))))
  )

/** A Deno.serve server that records each request's raw body and answers from a script. */
const recorder = (respond: (request: Request, body: string) => Response) => {
  const bodies: Array<
    { method: string; path: string; contentType: string | null; originator: string | null; body: string }
  > = []
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const body = await request.text()
    bodies.push({
      method: request.method,
      path: new URL(request.url).pathname,
      contentType: request.headers.get("content-type"),
      originator: request.headers.get("originator"),
      body
    })
    return respond(request, body)
  })
  return { url: `http://127.0.0.1:${server.addr.port}`, bodies, close: () => server.shutdown() }
}

Deno.test("PKCE: RFC 7636 appendix B vector, and fresh codes of the right shape", async () => {
  const challenge = await Effect.runPromise(
    Pkce.challengeOf(Redacted.make("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
  )
  assertEquals(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "challenge")
  const codes = await Effect.runPromise(Pkce.generate)
  assertEquals(Redacted.value(codes.codeVerifier).length, 86, "verifier length")
  assertEquals(/^[A-Za-z0-9_-]+$/.test(Redacted.value(codes.codeVerifier)), true, "verifier alphabet")
  assertEquals((await Effect.runPromise(Pkce.generateState)).length, 43, "state length")
})

Deno.test("authorize URL: the exact parameters and order of PROTOCOL.md §3", () => {
  const url = AuthorizeUrl.make(ProviderProfile.openAI, {
    redirectUri: "http://127.0.0.1:1455/auth/callback",
    codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    state: "aBc_-123",
    allowedWorkspaceIds: ["ws-1", "ws-2"]
  })
  assertEquals(
    url,
    "https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann" +
      "&redirect_uri=http%3A%2F%2F127.0.0.1%3A1455%2Fauth%2Fcallback" +
      "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=aBc_-123" +
      "&scope=openid+profile+email+offline_access+api.connectors.read+api.connectors.invoke" +
      "&id_token_add_organizations=true&codex_cli_simplified_flow=true&originator=codex_cli_rs" +
      "&allowed_workspace_id=ws-1%2Cws-2",
    "authorize URL"
  )
})

Deno.test("auth.json: Codex's file round-trips byte for byte; older shapes load; a bad file names itself", async () => {
  const document = await Effect.runPromise(AuthJson.parse(fixtures.current, { path: "/home/u/.codex/auth.json" }))
  assertEquals(AuthJson.stringify(document), fixtures.current, "round trip")
  const tokens = Option.getOrThrow(TokenSet.fromAuthDocument(document))
  assertEquals(Option.getOrThrow(tokens.accountId), "acct-1111", "account id")
  for (const text of [fixtures.withoutAuthMode, fixtures.withoutAccountId]) {
    await Effect.runPromise(AuthJson.parse(text, { path: "old.json" }))
  }
  const exit = await Effect.runPromiseExit(AuthJson.parse("{ not json", { path: "/tmp/broken/auth.json" }))
  if (!Exit.isFailure(exit)) throw new Error("a malformed file must fail")
  const message = String(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error.message : "")
  if (!message.includes("/tmp/broken/auth.json")) throw new Error(`message must name the file: ${message}`)
})

Deno.test("refresh: the JSON body, key order and headers of PROTOCOL.md §5, on the wire", async () => {
  // A 200 is a refresh only with a usable access token: an unexpired JWT.
  const b64url = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
  const access = `${b64url({ alg: "none" })}.${b64url({ exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`
  const server = recorder(() =>
    Response.json({ access_token: access, refresh_token: "rt-new-rotated", id_token: fixtures.idToken })
  )
  try {
    const result = await Effect.runPromise(
      Effect.flatMap(OAuthClient.OAuthClient, (client) => client.refresh(Redacted.make("rt-old"))).pipe(
        Effect.provide(clientLayer(server.url))
      )
    )
    assertEquals(Redacted.value(Option.getOrThrow(result.refreshToken)), "rt-new-rotated", "rotated token")
    const sent = server.bodies[0]!
    assertEquals(sent.method, "POST", "method")
    assertEquals(sent.path, "/oauth/token", "path")
    assertEquals(sent.contentType, "application/json", "content type")
    assertEquals(sent.originator, "codex_cli_rs", "originator")
    assertEquals(
      sent.body,
      `{"client_id":"app_EMoamEEZ73f0CkXaXp7hrann","grant_type":"refresh_token","refresh_reason":"proactive_expiry","refresh_token":"rt-old"}`,
      "body"
    )
  } finally {
    await server.close()
  }
})

Deno.test("refresh failures are classified: reused is permanent, 500 is transient", async () => {
  let status = 401
  const server = recorder(() =>
    status === 401
      ? Response.json({ error: { message: "used", type: "invalid_request_error", code: "refresh_token_reused" } }, {
        status: 401
      })
      : new Response("upstream down", { status: 500 })
  )
  try {
    const refresh = Effect.flatMap(OAuthClient.OAuthClient, (client) => client.refresh(Redacted.make("rt"))).pipe(
      Effect.provide(clientLayer(server.url)),
      Effect.flip
    )
    const permanent = await Effect.runPromise(refresh)
    assertEquals(OAuthError.isPermanentRefreshFailure(permanent), true, "reused is permanent")
    assertEquals(permanent._tag === "RefreshTokenRejected" && permanent.reason, "reused", "reason")
    status = 500
    const transient = await Effect.runPromise(refresh)
    assertEquals(OAuthError.isPermanentRefreshFailure(transient), false, "500 is transient")
  } finally {
    await server.close()
  }
})

Deno.test("device code against the emulator served by Deno.serve: usercode, approve, poll, exchange, rotation", async () => {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const emulator = yield* DenoEmulator.serve({ deviceInterval: "0" })
    const client = yield* Effect.provide(OAuthClient.OAuthClient, clientLayer(emulator.url))
    const code = yield* client.requestDeviceCode()
    yield* emulator.admin.approveDeviceCode(code.userCode)
    const tokens = yield* client.completeDeviceCode(code)
    const set = yield* TokenSet.fromTokenResponse(tokens, Date.now())
    assertEquals(Option.isSome(set.accountId), true, "the id token names an account")
    const rotated = yield* client.refresh(tokens.refreshToken)
    const reused = yield* Effect.flip(client.refresh(tokens.refreshToken))
    assertEquals(reused._tag === "RefreshTokenRejected" && reused.reason, "reused", "a used refresh token is refused")
    assertEquals(Option.isSome(rotated.refreshToken), true, "rotation hands out a new refresh token")
    const grants = (yield* emulator.admin.requests).filter((entry) => entry.path === "/oauth/token")
    assertEquals(grants.length, 3, "token endpoint requests (exchange, refresh, reuse)")
  })))
})
