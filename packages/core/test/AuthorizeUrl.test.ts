import { assert, describe, it } from "@effect/vitest"
import * as AuthorizeUrl from "../src/AuthorizeUrl.ts"
import * as ProviderProfile from "../src/ProviderProfile.ts"

const input = {
  redirectUri: "http://127.0.0.1:1455/auth/callback",
  codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  state: "aBc_-123"
}

describe("AuthorizeUrl", () => {
  it("matches PROTOCOL.md §3 byte for byte", () => {
    assert.strictEqual(
      AuthorizeUrl.make(ProviderProfile.openAI, input),
      "https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann" +
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A1455%2Fauth%2Fcallback" +
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=aBc_-123" +
        "&scope=openid+profile+email+offline_access+api.connectors.read+api.connectors.invoke" +
        "&id_token_add_organizations=true&codex_cli_simplified_flow=true&originator=codex_cli_rs"
    )
  })

  it("adds one comma-joined allowed_workspace_id last", () => {
    const url = AuthorizeUrl.make(ProviderProfile.openAI, { ...input, allowedWorkspaceIds: ["ws-1", "ws 2"] })
    assert.isTrue(url.endsWith("&originator=codex_cli_rs&allowed_workspace_id=ws-1%2Cws+2"), url)
    const single = AuthorizeUrl.make(ProviderProfile.openAI, { ...input, allowedWorkspaceIds: ["org_1"] })
    assert.isTrue(single.endsWith("&originator=codex_cli_rs&allowed_workspace_id=org_1"), single)
  })

  it("omits allowed_workspace_id for an empty list", () => {
    const url = AuthorizeUrl.make(ProviderProfile.openAI, { ...input, allowedWorkspaceIds: [] })
    assert.notInclude(url, "allowed_workspace_id")
    assert.strictEqual(url, AuthorizeUrl.make(ProviderProfile.openAI, input))
  })

  it("uses the profile's authorize URL, client id, scopes and originator", () => {
    const profile = ProviderProfile.make({
      issuer: "http://127.0.0.1:4010/",
      clientId: "app_test",
      scopes: ["openid", "email"],
      originator: "my app"
    })
    const url = new URL(AuthorizeUrl.make(profile, input))
    assert.strictEqual(url.origin + url.pathname, "http://127.0.0.1:4010/oauth/authorize")
    assert.deepStrictEqual([...url.searchParams.keys()], [
      "response_type",
      "client_id",
      "redirect_uri",
      "code_challenge",
      "code_challenge_method",
      "state",
      "scope",
      "id_token_add_organizations",
      "codex_cli_simplified_flow",
      "originator"
    ])
    assert.strictEqual(url.searchParams.get("client_id"), "app_test")
    assert.strictEqual(url.searchParams.get("scope"), "openid email")
    assert.include(url.search, "&originator=my+app")
  })
})
