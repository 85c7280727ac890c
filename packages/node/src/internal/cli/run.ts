/**
 * What every `codex-auth` command shares (output, failures as one line and an exit code): the one implementation in
 * `@codex-auth/cli/Cli`, for the Node-only commands (`accounts`, `emulator`).
 */
export type { Common } from "@codex-auth/cli/Cli"
export { exitCodes, ExitWith, human, json, runCommand, usageError } from "@codex-auth/cli/Cli"
export { formatTime } from "@codex-auth/cli/CliFormat"
