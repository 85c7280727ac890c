/**
 * What every `codex-auth` command shares: its common flags, the session environment, output (human lines on
 * stderr, one JSON document or the asked-for secret on stdout, through the runtime's process port) and the mapping of
 * every failure to one line and an exit code (the cause only with `--verbose`).
 */
import { Environment } from "@codex-auth/facade/FacadeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Format from "../../CliFormat.ts"
import type { Runtime } from "./runtime.ts"
import { CliRuntime, errorJson, exitCodes, ExitWith, human, jsonFailure } from "./runtime.ts"

export * from "./runtime.ts"

export interface Common {
  readonly codexHome: Option.Option<string>
  readonly store: Environment.StoreChoice | undefined
  readonly issuer: Option.Option<string>
  readonly clientId: Option.Option<string>
  readonly json: boolean
  readonly verbose: boolean
  /** `-c key=value` overrides of config.toml. */
  readonly config?: ReadonlyArray<string> | undefined
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

const messageOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" &&
    error.message !== ""
    ? error.message
    : undefined

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/** The one line a failure prints: what failed and what to do next. Never a secret (the errors carry none). */
export const describe = (error: unknown, common: Pick<Common, "codexHome">): string => {
  const tag = tagOf(error)
  if (tag === "CodexHomeNotFound" && Option.isSome(common.codexHome)) {
    const reason = (error as { reason: string }).reason === "missing" ? "does not exist" : "is not a directory"
    return `--codex-home ${common.codexHome.value} ${reason}. Create that directory, or leave out --codex-home ` +
      "to use CODEX_HOME or ~/.codex."
  }
  if (tag === "LoginRequired" && "reason" in (error as object)) {
    const reason = (error as { reason: string }).reason
    if (reason === "ci" || reason === "non-interactive") {
      const why = reason === "ci" ? "this looks like a CI environment (CI is set)" : "stdin/stdout are not a terminal"
      return `Not logging in: ${why}, so nobody could complete a login. Run \`codex-auth login\` in a terminal, ` +
        "or force a flow you can complete from here: `codex-auth login --flow device` (or --flow browser / paste)."
    }
  }
  if (tag === "LoginRequired" && "location" in (error as object)) {
    const { location, reason } = error as { location: string; reason: string }
    return reason === "api-key-only"
      ? `The credentials in ${location} hold an API key, not a ChatGPT sign-in. Run \`codex-auth login\` to sign in ` +
        "with ChatGPT."
      : `Not signed in: no credentials in ${location}. Run \`codex-auth login\` (or \`codex login\`) to sign in.`
  }
  if (tag === "CredentialStoreError" && (error as { store?: unknown }).store === "keyring") {
    // The CLI's words for the file store: its flag, not Codex's config key.
    return oneLine(messageOf(error) ?? "").replace(
      "use the file store (cli_auth_credentials_store=file)",
      "pass --store file to use CODEX_HOME/auth.json"
    )
  }
  if (tag === "ConfigError") {
    // A setting we checked ourselves says what is wrong and what to do; others name the variable Effect read.
    const { _op, message, path } = error as { _op?: string; message?: string; path?: ReadonlyArray<string> }
    if (_op === "InvalidData" && typeof message === "string" && (path === undefined || path.length === 0)) {
      return oneLine(message)
    }
    return `Invalid configuration: ${oneLine(String(error))}. Fix the environment variable.`
  }
  const message = messageOf(error)
  if (message !== undefined) return oneLine(message)
  return "An unexpected error occurred. Run again with --verbose to see the cause, and report it if it persists."
}

/** The next step a failure's JSON document names (the message says it too, for a person). */
export const nextStep = (error: unknown): string => {
  switch (tagOf(error)) {
    case "LoginRequired": {
      const reason = (error as { reason?: unknown }).reason
      return reason === "ci" || reason === "non-interactive"
        ? "Run `codex-auth login` in a terminal, or force a flow: `codex-auth login --flow device`."
        : "Run `codex-auth login` to sign in."
    }
    case "RefreshTokenRejected":
    case "AccountChanged":
    case "WorkspaceRestricted":
      return "Run `codex-auth login` to sign in again."
    case "AuthFileInvalid":
    case "JwtMalformed":
      return "Fix or remove the file named in the message, then run `codex-auth login`."
    case "CodexHomeNotFound":
      return "Create that directory, or point --codex-home / CODEX_HOME at an existing one."
    case "CredentialStoreError":
      return (error as { store?: unknown }).store === "keyring"
        ? "Unlock the OS keyring, or pass --store file."
        : "Check the permissions of CODEX_HOME and its files, then try again."
    case "CaCertificateInvalid":
      return "Point CODEX_CA_CERTIFICATE (or SSL_CERT_FILE) at a readable PEM bundle, or unset it."
    case "HttpClientSettingInvalid":
      return "Set HTTPS_PROXY to an http:// or https:// proxy URL, or unset it to connect directly."
    case "NetworkError":
    case "RefreshTransientError":
    case "TokenEndpointError":
    case "MalformedResponse":
      return "Check the network, HTTPS_PROXY and CODEX_CA_CERTIFICATE, then try again."
    case "BearerTokenUnavailable":
      return "Sign in with ChatGPT (`codex-auth login`) or an API key (`codex-auth login --with-api-key`)."
    case "ApiKeyMissing":
      return "Pipe the key in: `printenv OPENAI_API_KEY | codex-auth login --with-api-key`."
    case "PoolConfigInvalid":
      return "Fix the pool file named in the message; `codex-auth accounts --help` shows its shape."
    case "DeviceCodeNotEnabled":
      return "Enable device code sign-in in ChatGPT's security settings, or use `codex-auth login --flow browser`."
    default:
      return "Run the command again with --verbose to see the cause."
  }
}

/**
 * Runs a command body with the session environment; prints a failure as one line (`--verbose`: the cause too) and
 * turns it into `ExitWith`. A body that answers a non-zero code exits with it.
 */
export const runCommand = <E, R>(
  common: Common,
  body: Effect.Effect<number, E, R>,
  environment: Layer.Layer<Exclude<R, CliRuntime>, unknown> | undefined = undefined
): Effect.Effect<void, ExitWith, CliRuntime> => {
  const provided = (environment === undefined ? body : Effect.provide(body, environment)) as Effect.Effect<
    number,
    unknown,
    CliRuntime
  >
  return provided.pipe(
    Effect.provide(Logger.replaceEffect(Logger.defaultLogger, Effect.map(CliRuntime, humanLogger))),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.interrupt : Effect.gen(function*() {
        const failure = Cause.failureOption(cause)
        const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
        if (error instanceof ExitWith) return error.code
        const message = describe(error, common)
        yield* human(`✗ ${message}`)
        if (common.verbose) yield* human(causeChain(cause))
        if (common.json) {
          const runtime = yield* CliRuntime
          jsonFailure(runtime, errorJson(tagOf(error) ?? "UnexpectedError", message, nextStep(error)))
        }
        return exitCodes.failure
      })
    ),
    Effect.flatMap((code) => code === 0 ? Effect.void : Effect.fail(new ExitWith({ code })))
  )
}

/**
 * `--verbose`: the chain of causes, one per line, without stack frames (the shipped code is bundled and minified, so
 * its frames say nothing to a reader). Never a secret: each line is an error's own message.
 */
export const causeChain = (cause: Cause.Cause<unknown>): string => {
  const lines: Array<string> = []
  const seen = new Set<unknown>()
  const walk = (value: unknown, depth: number) => {
    if (value === undefined || value === null || seen.has(value) || depth > 8) return
    seen.add(value)
    const tag = tagOf(value) ?? (value instanceof Error ? value.name : typeof value)
    // The failure's own message is the line above; the chain adds what it has not said.
    const message = depth === 0 ? "" : messageOf(value) ?? (typeof value === "string" ? value : "")
    lines.push(
      `${"  ".repeat(depth)}${depth === 0 ? "cause" : "caused by"}: ${tag}${
        message === "" ? "" : `: ${oneLine(message)}`
      }`
    )
    if (typeof value === "object" && "cause" in value) walk((value as { cause: unknown }).cause, depth + 1)
  }
  for (const failure of Cause.failures(cause)) walk(failure, 0)
  for (const defect of Cause.defects(cause)) walk(defect, 0)
  if (Cause.isInterrupted(cause)) lines.push("cause: interrupted")
  return lines.join("\n")
}

/**
 * The engine's log lines as a person reads them on stderr: a warning (the `--store auto` fallback) is one `!` line,
 * an error one `✗` line; below that only with `--log-level` (`debug: …`). Never Effect's `timestamp=… fiber=#18`.
 */
const humanLogger = (runtime: Runtime): Logger.Logger<unknown, void> =>
  Logger.make(({ logLevel, message }) => {
    const text = oneLine((Array.isArray(message) ? message : [message]).map(String).join(" "))
    const prefix = LogLevel.greaterThanEqual(logLevel, LogLevel.Error)
      ? "✗ "
      : LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)
      ? "! "
      : `${logLevel.label.toLowerCase()}: `
    runtime.process.writeStderr(`${prefix}${text}\n`)
  })

/**
 * A wait that outlasts a second says what it waits for, on a terminal only (as `gh` does): one line on stderr,
 * erased when the wait ends. Off a terminal nothing is printed, so scripts read the same bytes as ever.
 */
export const withProgress =
  (label: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | CliRuntime> =>
    Effect.flatMap(CliRuntime, (runtime) => {
      if (runtime.process.stderrIsTerminal?.() !== true) return effect
      let shown = false
      const announce = Effect.sleep("1 second").pipe(
        Effect.zipRight(Effect.sync(() => {
          shown = true
          runtime.process.writeStderr(`… ${label}`)
        }))
      )
      return Effect.flatMap(Effect.fork(announce), (fiber) =>
        effect.pipe(Effect.ensuring(Effect.zipRight(
          Fiber.interrupt(fiber),
          Effect.sync(() => {
            if (shown) runtime.process.writeStderr("\r\u001b[2K")
          })
        ))))
    })

export const environmentOptions = (common: Common): Environment.EnvironmentOptions => ({
  codexHome: Option.getOrUndefined(common.codexHome),
  store: common.store,
  issuer: Option.getOrUndefined(common.issuer),
  clientId: Option.getOrUndefined(common.clientId),
  configOverrides: common.config
})

/** The session environment for a command, with this runtime's ports. */
export const environment = (
  options: Environment.EnvironmentOptions
): Effect.Effect<Layer.Layer<Environment.Services, unknown>, never, CliRuntime> =>
  Effect.map(CliRuntime, (runtime) => Environment.layer(runtime.platform, options))

export const formatTime = Format.formatTime
