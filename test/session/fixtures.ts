// Shared by the session suites: temporary CODEX_HOMEs and auth.json files in the exact shape Codex 0.169 writes
// (serde_json pretty, two spaces, no trailing newline), filled with tokens the emulator minted.
import type * as Emulator from "@codex-auth/emulator/Emulator"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

export const tempCodexHome: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "codex-home-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

export const authJsonText = (
  minted: Emulator.MintedTokens,
  issuer: string,
  options: { readonly lastRefresh?: string; readonly clientId?: string } = {}
): string =>
  JSON.stringify(
    {
      auth_mode: "chatgpt",
      OPENAI_API_KEY: null,
      tokens: {
        id_token: minted.id_token,
        access_token: minted.access_token,
        refresh_token: minted.refresh_token,
        oauth_provenance: { issuer, client_id: options.clientId ?? "app_EMoamEEZ73f0CkXaXp7hrann" },
        account_id: minted.account_id
      },
      last_refresh: options.lastRefresh ?? "2026-11-21T22:18:32.564613152Z"
    },
    null,
    2
  )

export const writeAuthJson = (codexHome: string, text: string): void => {
  Fs.writeFileSync(Path.join(codexHome, "auth.json"), text, { mode: 0o600 })
}

export const readAuthJson = (codexHome: string): any =>
  JSON.parse(Fs.readFileSync(Path.join(codexHome, "auth.json"), "utf8"))
