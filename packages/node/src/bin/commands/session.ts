// `status`, `token`, `headers`, `refresh`, `logout`: the commands every runtime's CLI shares
// (`@codex-auth/cli/Cli`). Each loads the session machinery only when it runs.
export { headersCommand, logoutCommand, refreshCommand, statusCommand, tokenCommand } from "@codex-auth/cli/Cli"
