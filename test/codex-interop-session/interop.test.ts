// Sessions and the real Codex CLI (0.169.0) on one CODEX_HOME: a file we write is one Codex accepts, a file Codex
// writes is one we read, and Codex refreshing while our callers refresh leaves every caller a valid token.
// Runs only inside scripts/netns.sh (loopback only):
//   CODEX_BIN=$(bash scripts/setup-codex.sh) bash scripts/netns.sh npx vitest run test/codex-interop-session
import * as AuthJson from "@codex-auth/core/AuthJson"
import * as Session from "@codex-auth/core/Session"
import * as TokenSet from "@codex-auth/core/TokenSet"
import * as Emulator from "@codex-auth/emulator/Emulator"
import { type StartedEmulatorPromise, startEmulatorPromise } from "@codex-auth/emulator/node"
import * as NodeSession from "@codex-auth/node/NodeSession"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { codexBin, type CodexHome, execOfflineConfig, interopEnabled, makeCodexHome } from "../support/codex.ts"

const bin = codexBin()
const enabled = interopEnabled("codex-interop-session")
if (!enabled) {
  console.warn(
    "codex-interop-session: skipped — needs CODEX_BIN=$(bash scripts/setup-codex.sh) and " +
      "bash scripts/netns.sh npx vitest run test/codex-interop-session"
  )
}

const user = Emulator.user({ email: "interop@example.com", accountId: "acct-interop", planType: "pro" })

/** Runs `use` with a session of ours on `codexHome`, talking to the emulator. */
const withSession = <A, E>(
  codexHome: string,
  issuer: string,
  use: (session: Session.Session.Service) => Effect.Effect<A, E>
): Promise<A> =>
  Effect.runPromise(
    Effect.flatMap(Session.Session, use).pipe(
      Effect.provide(
        NodeSession.layer({ profile: { issuer }, refreshRetryDelayMillis: 10 }).pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CODEX_HOME", codexHome]]))))
        )
      )
    )
  )

describe.skipIf(!enabled)("sessions and the real Codex CLI", () => {
  let emulator: StartedEmulatorPromise | undefined
  let home: CodexHome | undefined
  afterEach(async () => {
    await emulator?.close()
    await home?.remove()
    emulator = undefined
    home = undefined
  })

  it("a login we save is one `codex login status` accepts: Logged in using ChatGPT", async () => {
    emulator = await startEmulatorPromise({ users: [user] })
    home = await makeCodexHome(bin!)
    const minted = await emulator.admin.mintTokens({})
    const issuer = emulator.url
    await withSession(home.codexHome, issuer, (session) =>
      Effect.flatMap(
        Effect.orDie(TokenSet.fromTokenResponse(
          {
            idToken: Redacted.make(minted.id_token),
            accessToken: Redacted.make(minted.access_token),
            refreshToken: Redacted.make(minted.refresh_token)
          },
          Date.now(),
          { provenance: { issuer, clientId: Emulator.codexClientId } }
        )),
        (tokenSet) => session.saveLogin({ _tag: "ChatGpt", tokenSet, openaiApiKey: Option.none() })
      ))
    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
  })

  it("a refresh we save keeps the file one Codex accepts", async () => {
    emulator = await startEmulatorPromise({ users: [user] })
    home = await makeCodexHome(bin!)
    const minted = await emulator.admin.mintTokens({ accessTokenTtlSeconds: -60 })
    const text = JSON.stringify(
      {
        auth_mode: "chatgpt",
        OPENAI_API_KEY: null,
        tokens: {
          id_token: minted.id_token,
          access_token: minted.access_token,
          refresh_token: minted.refresh_token,
          oauth_provenance: { issuer: emulator.url, client_id: Emulator.codexClientId },
          account_id: minted.account_id
        },
        last_refresh: "2026-11-01T00:00:00Z"
      },
      null,
      2
    )
    await writeFile(join(home.codexHome, "auth.json"), text, { mode: 0o600 })
    const token = await withSession(home.codexHome, emulator.url, (session) => session.getToken)
    expect(Redacted.value(token)).not.toBe(minted.access_token)
    const status = await home.run(["login", "status"], { timeoutMs: 15_000 }).done
    expect(status.stdout + status.stderr).toContain("Logged in using ChatGPT")
    expect((await home.authJson()).tokens.access_token).toBe(Redacted.value(token))
  })

  it("a file Codex writes (device login against the emulator) is what our status and getToken read", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true, users: [user] })
    home = await makeCodexHome(bin!)
    const login = home.run(["login", "--device-auth", "--experimental_issuer", emulator.url], { timeoutMs: 30_000 })
    expect((await login.done).code, login.output()).toBe(0)
    const written = await home.authJson()
    await emulator.admin.clearRequests()
    const [status, token] = await withSession(
      home.codexHome,
      emulator.url,
      (session) => Effect.all([session.status, session.getToken])
    )
    expect(status.loggedIn).toBe(true)
    expect(Option.getOrNull(status.email)).toBe("interop@example.com")
    expect(Option.getOrNull(status.accountId)).toBe("acct-interop")
    expect(Redacted.value(token)).toBe(written.tokens.access_token)
    expect(await emulator.admin.requests()).toHaveLength(0)
  })

  it("Codex refreshing (exec) while our callers refresh: every caller gets a valid token, the file ends valid", async () => {
    emulator = await startEmulatorPromise({ deviceInterval: "0", autoApprove: true, users: [user] })
    home = await makeCodexHome(bin!)
    await emulator.admin.updateSettings({ accessTokenTtlSeconds: -120 })
    const login = home.run(["login", "--device-auth", "--experimental_issuer", emulator.url], { timeoutMs: 30_000 })
    expect((await login.done).code, login.output()).toBe(0)
    await emulator.admin.updateSettings({ accessTokenTtlSeconds: 3600 })
    const exec = home.run(
      ["exec", "--skip-git-repo-check", ...execOfflineConfig(emulator.url), "say hi"],
      { env: { CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${emulator.url}/oauth/token` }, timeoutMs: 60_000 }
    )
    const ours = withSession(
      home.codexHome,
      emulator.url,
      (session) => Effect.all(Array.from({ length: 50 }, () => session.getToken), { concurrency: "unbounded" })
    )
    const [tokens] = await Promise.all([ours, exec.done])
    const path = join(home.codexHome, "auth.json")
    const final = AuthJson.parseEither(await readFile(path, "utf8"), { path })
    expect(Either.isRight(final)).toBe(true)
    const finalAccess = (await home.authJson()).tokens.access_token
    // All our callers hold one token, the one the file ends with, and it is fresh.
    expect(new Set(tokens.map(Redacted.value))).toEqual(new Set([finalAccess]))
    const exp = JSON.parse(Buffer.from(finalAccess.split(".")[1], "base64url").toString()).exp
    expect(exp * 1000).toBeGreaterThan(Date.now() + 30 * 60 * 1000)
  })
})
