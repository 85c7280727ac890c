/**
 * The facade's models every runtime's `CodexAuth` re-exports (`@codex-auth/node`, `@codex-auth/deno`), types only:
 * importing this module loads nothing. `LoginEvent`: what a login reports (the same events the Effect API's
 * presenters receive); no event carries a secret.
 *
 * @since 0.1.0
 */
export type {
  BeginLoginOptions,
  CodexAuth,
  LoginEvent,
  LoginSummary,
  LogoutResult,
  OpenOptions,
  PendingLogin,
  Status
} from "./Facade.ts"
