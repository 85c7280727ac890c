/**
 * The sign-in policy of `CODEX_HOME/config.toml` (PROTOCOL.md §10), read as the Codex CLI reads it:
 * `forced_chatgpt_workspace_id` (one id or a list; ids trimmed, empty ones dropped, an empty list = no restriction)
 * and `forced_login_method` (`chatgpt` | `api`), with Codex's `-c key=value` overrides on top (an override replaces
 * the file's value; its value is TOML, else a bare string). A file that does not parse, or a forced value of the
 * wrong type, is refused with the file, line and column — Codex refuses to start on the same file.
 *
 * The plain functions ({@link parsePolicy}, {@link combine}) import nothing from `effect`, so the startup fast
 * paths decide exactly as the engine does; {@link load} reads the file through the `SecretFile` port.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as plain from "./internal/codexConfigPlain.ts"
import type { SecretFileError } from "./SecretFile.ts"
import { SecretFile } from "./SecretFile.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type LoginMethod = plain.LoginMethod

/**
 * What a config asks for: `undefined` fields are not set.
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = plain.Policy

/**
 * Why a config was refused. `line` / `column` are 1-based, when known.
 *
 * @since 0.1.0
 * @category models
 */
export type Problem = plain.Problem

/**
 * @since 0.1.0
 * @category constructors
 */
export const empty: Policy = plain.empty

/**
 * The policy of a `config.toml` text (`undefined`: no file) with `-c` overrides applied, or why Codex would refuse it.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parsePolicy: (
  text: string | undefined,
  path: string,
  overrides?: ReadonlyArray<string>
) => plain.Result<Policy, Problem> = plain.parsePolicy

/**
 * What an embedder passed, joined with the config's policy: both must hold, so the workspaces are those in both
 * lists (either alone when only one restricts), and the login methods must agree. Codex itself has one source
 * (`-c` replaces the file's value); a program embedding this library may only narrow what the user's config allows.
 *
 * @since 0.1.0
 * @category combinators
 */
export const combine: typeof plain.combine = plain.combine

/**
 * `config.toml` (or a `-c` override) could not be read as Codex reads it.
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexConfigInvalid extends Schema.TaggedError<CodexConfigInvalid>(
  "@codex-auth/core/CodexConfigInvalid"
)("CodexConfigInvalid", {
  origin: Schema.Literal("file", "override"),
  /** The file's path, or the override as given. */
  path: Schema.String,
  line: Schema.optional(Schema.Number),
  column: Schema.optional(Schema.Number),
  reason: Schema.String
}) {
  override get message(): string {
    if (this.origin === "override") {
      return `Invalid -c override ${JSON.stringify(this.path)}: ${this.reason}. ` +
        "Write it as -c key=value (the value in TOML, e.g. -c forced_login_method=chatgpt)."
    }
    const where = this.line === undefined ? this.path : `${this.path}:${this.line}:${this.column ?? 1}`
    return `Error loading configuration: ${where}: ${this.reason}. ` +
      "Fix that line of config.toml (the Codex CLI refuses this file too), or remove it."
  }
}

/**
 * The program's own restriction and `config.toml`'s cannot both hold: no account could ever be used.
 *
 * @since 0.1.0
 * @category errors
 */
export class PolicyConflict extends Schema.TaggedError<PolicyConflict>("@codex-auth/core/PolicyConflict")(
  "PolicyConflict",
  {
    setting: Schema.Literal("forced_chatgpt_workspace_id", "forced_login_method"),
    configured: Schema.Array(Schema.String),
    requested: Schema.Array(Schema.String),
    source: Schema.String
  }
) {
  override get message(): string {
    return `${this.setting} in ${this.source} allows only ${this.configured.join(", ")}, but this program asks for ` +
      `${this.requested.join(", ")}: no sign-in could satisfy both. Change ${this.setting} in config.toml, or the ` +
      "restriction this program passes."
  }
}

/**
 * Reads `config.toml` in `codexHome` (absent: no policy) and applies the overrides.
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (
  codexHome: string,
  overrides: ReadonlyArray<string> = []
): Effect.Effect<Policy, CodexConfigInvalid | SecretFileError, SecretFile> =>
  Effect.gen(function*() {
    const files = yield* SecretFile
    const path = files.join(codexHome, "config.toml")
    const text = yield* files.read(path)
    const parsed = parsePolicy(Option.getOrUndefined(text), path, overrides)
    if (!parsed.ok) {
      const { column, line, origin, path: where, reason } = parsed.error
      return yield* new CodexConfigInvalid({ origin, path: where, line, column, reason })
    }
    return parsed.value
  })

/**
 * {@link load}, then {@link combine} with what the program passed; the session's §10 options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadCombined = (
  codexHome: string,
  requested: Parameters<typeof combine>[0],
  overrides: ReadonlyArray<string> = []
): Effect.Effect<Policy, CodexConfigInvalid | PolicyConflict | SecretFileError, SecretFile> =>
  Effect.flatMap(load(codexHome, overrides), (policy) => {
    const joined = combine(requested, policy)
    return joined.ok
      ? Effect.succeed(joined.value)
      : Effect.fail(new PolicyConflict({ ...joined.error, source: policy.source ?? "config.toml" }))
  })
