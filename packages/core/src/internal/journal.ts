// The refresh journal's texts (FileCredentialStore's `auth.next`), plain: what the store writes before a grant and once
// the answer arrived, and how it reads them back. The store and the CLI's startup refresh write the same texts.
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as AuthJson from "../AuthJson.ts"

export const journalName = "auth.next"

const JournalMagic = "codex_auth_journal"

interface JournalEntry {
  readonly replaces: string
  readonly auth: string
}

export const parse = (text: string): JournalEntry | undefined => {
  try {
    const json: unknown = JSON.parse(text)
    if (typeof json !== "object" || json === null) return undefined
    const entry = json as Record<string, unknown>
    if (entry[JournalMagic] !== 1 || typeof entry["replaces"] !== "string" || typeof entry["auth"] !== "string") {
      return undefined
    }
    return { replaces: entry["replaces"], auth: entry["auth"] }
  } catch {
    return undefined
  }
}

export const refreshTokenOf = (document: AuthJson.AuthDocument): string | undefined =>
  Option.getOrUndefined(Option.map(document.tokens, (tokens) => Redacted.value(tokens.refreshToken)))

/**
 * The journal's text before a grant: a reservation (not yet an entry), padded so that the disk has room for the
 * entry and, once the journal is truncated to it, for the temporary of `auth.json`.
 */
export const reservation = (current: AuthJson.AuthDocument): string => {
  const size = 2 * AuthJson.stringify(current).length + 8192
  const header = JSON.stringify({ [JournalMagic]: 0, reserved: true })
  return header + " ".repeat(Math.max(0, size - header.length))
}

/**
 * The journal's text once the issuer answered a refresh of `current`: the `auth.json` text to save and the refresh
 * token it replaces (spent by then), which is what `load` recovers when the save did not happen.
 */
export const entry = (current: AuthJson.AuthDocument, next: AuthJson.AuthDocument): string =>
  JSON.stringify({ [JournalMagic]: 1, replaces: refreshTokenOf(current) ?? "", auth: AuthJson.stringify(next) })
