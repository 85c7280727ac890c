// `codex-auth accounts`: the account pool, listed. Its machinery is loaded only when this command runs.
import { codexHome, issuer, jsonOption as json, pool, verbose } from "@codex-auth/cli/Cli"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

const options = {
  pool,
  check: Options.boolean("check").pipe(
    Options.withDescription(
      "Ask every account for a token first (refreshing where due), so the health column shows expired, revoked or " +
        "failing refresh tokens; without it, health is what the stores show."
    )
  ),
  codexHome: codexHome.pipe(
    Options.withDescription(
      "The CODEX_HOME whose codex-auth-pool.json to list (when --pool is not given; default: $CODEX_AUTH_POOL, else " +
        "~/.codex/codex-auth-pool.json)."
    )
  ),
  issuer,
  json,
  verbose
}

export const accountsCommand = Command.make(
  "accounts",
  options,
  (args) =>
    Effect.flatMap(Effect.promise(() => import("../../internal/cli/accounts.ts")), (cli) =>
      cli.accounts({
        pool: Option.getOrUndefined(args.pool),
        codexHome: Option.getOrUndefined(args.codexHome),
        check: args.check,
        issuer: Option.getOrUndefined(args.issuer),
        json: args.json,
        verbose: args.verbose
      }))
).pipe(
  Command.withDescription(
    "List the accounts of the account pool ($CODEX_AUTH_POOL or --pool, else ~/.codex/codex-auth-pool.json): " +
      "mode, email, plan, account id, token expiry and health. The pool file is JSON: " +
      `{"strategy": "round-robin" | "fill-first" | "least-recently-limited", "accounts": [{"name": "work", ` +
      `"codexHome": "accounts/work"}]}; add accounts with \`codex-auth login --account NAME\`. Exits 0 when at ` +
      "least one account can serve, 1 otherwise."
  )
)
