// Token minting over the shared state: JWTs, refresh token families, authorization codes.
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { defaultUser } from "../../Emulator.ts"
import { randomToken } from "./encoding.ts"
import * as Jwt from "./jwt.ts"
import {
  type EmulatorUser,
  type Family,
  type PendingAuthorization,
  type Settings,
  type Shared,
  withEntry
} from "./state.ts"

const authorizationCodeLifetimeMillis = 10 * 60 * 1000

export type Tokens = ReturnType<typeof make>

export const make = (shared: Shared) => {
  const { state, signingKey, findUser } = shared
  // --- token minting -----------------------------------------------------------------------------------------

  const authClaims = (user: EmulatorUser, accountId: string) => ({
    chatgpt_account_id: accountId,
    chatgpt_plan_type: user.planType,
    chatgpt_user_id: user.userId,
    user_id: user.userId,
    organization_id: user.organizationId,
    project_id: user.projectId,
    completed_platform_onboarding: user.completedPlatformOnboarding,
    is_org_owner: user.isOrgOwner,
    chatgpt_account_is_fedramp: user.fedramp,
    organizations: [{ id: user.organizationId, is_default: true, role: user.isOrgOwner ? "owner" : "member" }]
  })

  const mintJwts = (family: Family, issuer: string, now: number, ttlSeconds: number) => {
    const user = findUser(family.email) ?? defaultUser
    const iat = Math.floor(now / 1000)
    const exp = iat + Math.round(ttlSeconds)
    const auth = authClaims(user, family.accountId)
    const jti = randomToken(12)
    return Effect.zipRight(
      Ref.update(
        state,
        (s) => ({ ...s, bearers: withEntry(s.bearers, jti, { family: family.id, rejected: false }) })
      ),
      Effect.all({
        id_token: Jwt.sign(signingKey, {
          iss: issuer,
          aud: [family.clientId],
          sub: user.userId,
          email: user.email,
          email_verified: true,
          iat,
          auth_time: iat,
          exp,
          "https://api.openai.com/auth": auth
        }),
        access_token: Jwt.sign(signingKey, {
          iss: issuer,
          aud: ["https://api.openai.com/v1"],
          client_id: family.clientId,
          sub: user.userId,
          iat,
          nbf: iat,
          exp,
          jti,
          scp: family.scope.split(" ").filter((s) => s !== ""),
          "https://api.openai.com/auth": auth,
          "https://api.openai.com/profile": { email: user.email, email_verified: true }
        })
      })
    )
  }

  /** Records a new refresh token for a family (creating the family when absent) and mints the JWTs. */
  const issueTokens = (
    family: Family,
    issuer: string,
    now: number,
    ttlSeconds?: number
  ) =>
    Effect.gen(function*() {
      const refreshToken = `rt_${randomToken(32)}`
      const settings = yield* Ref.modify(state, (s) => [s.settings, {
        ...s,
        families: s.families.has(family.id) ? s.families : withEntry(s.families, family.id, family),
        refreshTokens: withEntry(s.refreshTokens, refreshToken, { family: family.id, used: false })
      }])
      const jwts = yield* mintJwts(family, issuer, now, ttlSeconds ?? settings.accessTokenTtlSeconds)
      return {
        ...jwts,
        refresh_token: refreshToken,
        token_type: "Bearer",
        expires_in: Math.round(ttlSeconds ?? settings.accessTokenTtlSeconds),
        scope: family.scope
      }
    })

  const newFamily = (
    fields: Omit<Family, "id" | "expiresAt" | "revoked">,
    now: number,
    settings: Settings
  ): Family => ({
    ...fields,
    id: `fam_${randomToken(9)}`,
    expiresAt: now + settings.refreshTokenTtlSeconds * 1000,
    revoked: false
  })

  const revokeFamilies = (predicate: (family: Family) => boolean) =>
    Ref.modify(state, (s) => {
      const families = new Map(s.families)
      let count = 0
      for (const [id, family] of families) {
        if (!family.revoked && predicate(family)) {
          families.set(id, { ...family, revoked: true })
          count++
        }
      }
      return [count, { ...s, families }] as const
    })

  const chooseAccount = (user: EmulatorUser, allowed: ReadonlyArray<string>): string =>
    // Prefer a workspace the client allows; otherwise issue the default one so the client-side check can fail.
    [user.accountId, ...user.workspaceIds].find((id) => allowed.includes(id)) ?? user.accountId

  const issueCode = (pending: PendingAuthorization, user: EmulatorUser, now: number) => {
    const code = `ac_${randomToken(32)}`
    return Ref.update(state, (s) => ({
      ...s,
      codes: withEntry(s.codes, code, {
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        email: user.email,
        accountId: chooseAccount(user, pending.allowedWorkspaces),
        scope: pending.scope,
        expiresAt: now + authorizationCodeLifetimeMillis,
        used: false
      })
    })).pipe(Effect.as(code))
  }
  return { issueTokens, newFamily, revokeFamilies, issueCode }
}
