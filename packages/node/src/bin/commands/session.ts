// `status`, `token`, `headers`, `refresh`, `logout`. Each loads the session machinery only when it runs.
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { common, toCommon } from "./options.ts"

const load = Effect.promise(() => import("../../internal/cli/session.ts"))

export const statusCommand = Command.make(
  "status",
  common,
  (args) => Effect.flatMap(load, (cli) => cli.status(toCommon(args)))
).pipe(Command.withDescription("Show who is signed in. Exits 0 when logged in, 1 when not."))

export const tokenCommand = Command.make(
  "token",
  common,
  (args) => Effect.flatMap(load, (cli) => cli.token(toCommon(args)))
).pipe(
  Command.withDescription(
    "Print a valid access token (refreshed if needed) on stdout and nothing else; --json adds its expiry and account."
  )
)

export const headersCommand = Command.make(
  "headers",
  common,
  (args) => Effect.flatMap(load, (cli) => cli.headers(toCommon(args)))
).pipe(Command.withDescription("Print the headers for the ChatGPT backend (Authorization, ChatGPT-Account-ID, …)."))

export const refreshCommand = Command.make(
  "refresh",
  common,
  (args) => Effect.flatMap(load, (cli) => cli.refresh(toCommon(args)))
).pipe(Command.withDescription("Refresh the tokens now (adopting tokens another process refreshed meanwhile)."))

export const logoutCommand = Command.make(
  "logout",
  {
    ...common,
    noRevoke: Options.boolean("no-revoke").pipe(
      Options.withDescription("Only remove the local credentials; do not revoke the refresh token at the issuer.")
    )
  },
  (args) => Effect.flatMap(load, (cli) => cli.logout(toCommon(args), !args.noRevoke))
).pipe(Command.withDescription("Revoke the refresh token (best effort) and remove the stored credentials."))
