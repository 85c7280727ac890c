// `codex-auth login` and its `--pool` flag: shared by every runtime's CLI (`@codex-auth/cli/Cli`); the login
// machinery (flows, presenters, ports) is loaded only when the command runs.
export { loginCommand, pool } from "@codex-auth/cli/Cli"
