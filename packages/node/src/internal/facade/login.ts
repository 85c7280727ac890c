/** What the session saves for a finished login (the one implementation in `@codex-auth/adapters/Facade`). */
export { loginOutcome as toOutcome } from "@codex-auth/adapters/Facade"
