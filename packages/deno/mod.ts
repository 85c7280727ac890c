export * as Core from "@codex-auth/core"
