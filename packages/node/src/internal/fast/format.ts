// What `status`, `token` and `headers` print: one plain implementation (`@codex-auth/cli/CliFormat`, no
// `effect`) the fast path and the full CLI of every runtime format through, so their output is the same bytes.
export * from "@codex-auth/cli/CliFormat"
