// The flags every command takes, and their parsing into `Common`.
import * as Options from "@effect/cli/Options"
import type * as Option from "effect/Option"
import type { Common } from "../../internal/cli/run.ts"
import type { StoreChoice } from "../../internal/facade/environment.ts"

const storeChoices: ReadonlyArray<StoreChoice> = ["file", "keyring", "auto", "memory"]

export const codexHome: Options.Options<Option.Option<string>> = Options.directory("codex-home").pipe(
  Options.withDescription("Where the credentials live (default: $CODEX_HOME, else ~/.codex)."),
  Options.optional
)

export const store: Options.Options<StoreChoice> = Options.choice("store", storeChoices).pipe(
  Options.withDescription(
    "Credential store: file (CODEX_HOME/auth.json), keyring (the OS keyring, as Codex), auto (keyring, else " +
      "file) or memory (this process only)."
  ),
  Options.withDefault("file" as StoreChoice)
)

export const issuer: Options.Options<Option.Option<string>> = Options.text("issuer").pipe(
  Options.withDescription("The auth server (default: $CODEX_AUTH_ISSUER, else https://auth.openai.com)."),
  Options.optional
)

export const clientId: Options.Options<Option.Option<string>> = Options.text("client-id").pipe(
  Options.withDescription("The OAuth client id (default: the Codex CLI's)."),
  Options.optional
)

export const json: Options.Options<boolean> = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON document on stdout (human output stays on stderr).")
)

export const verbose: Options.Options<boolean> = Options.boolean("verbose").pipe(
  Options.withDescription("On failure, also print the cause.")
)

export const common = { codexHome, store, issuer, clientId, json, verbose }

export const toCommon = (args: {
  readonly codexHome: Option.Option<string>
  readonly store: StoreChoice
  readonly issuer: Option.Option<string>
  readonly clientId: Option.Option<string>
  readonly json: boolean
  readonly verbose: boolean
}): Common => ({
  codexHome: args.codexHome,
  store: args.store,
  issuer: args.issuer,
  clientId: args.clientId,
  json: args.json,
  verbose: args.verbose
})
