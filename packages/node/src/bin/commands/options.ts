// The flags every command takes, and their parsing into `Common`: the definitions every runtime's CLI shares.
export {
  clientId,
  codexHome,
  common,
  issuer,
  jsonOption as json,
  store,
  toCommon,
  verbose
} from "@codex-auth/cli/Cli"
