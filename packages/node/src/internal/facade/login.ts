/** What the session saves for a finished login (the one implementation in `@codex-auth/facade/Facade`). */
export { loginOutcome as toOutcome } from "@codex-auth/facade/Facade"
