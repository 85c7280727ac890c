/**
 * `CODEX_HOME`, the directory that holds `auth.json` and `auth.lock` (PROTOCOL.md §8): the environment variable
 * `CODEX_HOME` when it is non-empty (the directory must exist; it is canonicalised like Codex does), else
 * `~/.codex`, created with mode 0700 when missing.
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Environment from "./Environment.ts"
import * as ReadModel from "./ReadModel.ts"
import type { SecretFileError } from "./SecretFile.ts"
import { SecretFile } from "./SecretFile.ts"

/**
 * `CODEX_HOME` names a directory that does not exist (Codex refuses it too; it never creates it).
 *
 * @since 0.1.0
 * @category errors
 */
export class CodexHomeNotFound extends Schema.TaggedError<CodexHomeNotFound>("@codex-auth/core/CodexHomeNotFound")(
  "CodexHomeNotFound",
  {
    path: Schema.String,
    reason: Schema.Literal("missing", "not-a-directory"),
    /** Where the path came from: the `CODEX_HOME` variable (the default), or an option the caller passed. */
    source: Schema.optional(Schema.Literal(Environment.names.codexHome, "option"))
  }
) {
  override get message(): string {
    const what = this.reason === "missing" ? "does not exist" : "is not a directory"
    return this.source === "option"
      ? `The codexHome ${this.path} ${what}. Create that directory, or leave codexHome out to use CODEX_HOME or ` +
        "~/.codex."
      : `CODEX_HOME is set to ${this.path}, which ${what}. Create that directory, or unset CODEX_HOME to use ~/.codex.`
  }
}

/**
 * The resolved directory and the files in it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CodexHome {
  /** The directory (canonical when it came from `CODEX_HOME`). */
  readonly path: string
  /** `auth.json`. */
  readonly authFile: string
  /** `auth.lock`, the file the Codex CLI `flock`s around its writes. */
  readonly lockFile: string
}

/**
 * @since 0.1.0
 * @category tags
 */
export const CodexHome: Context.TagClass<CodexHome, "@codex-auth/core/CodexHome", CodexHome> = class CodexHomeTag
  extends Context.Tag("@codex-auth/core/CodexHome")<CodexHome, CodexHome>()
{}

/**
 * The `CodexHome` of a directory known to exist.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDirectory = (path: string, join: (...segments: ReadonlyArray<string>) => string): CodexHome => ({
  path,
  authFile: join(path, "auth.json"),
  lockFile: join(path, "auth.lock")
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ResolveOptions {
  /** The value of `CODEX_HOME` (none or empty: unset). */
  readonly codexHomeVariable: Option.Option<string>
  /** The user's home directory (the runtime knows it). */
  readonly homeDirectory: string
  /** Whether the directory is an explicit option rather than the variable (for the error's wording). */
  readonly explicit?: boolean | undefined
}

/**
 * Applies the rule of §8 through the `SecretFile` port.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (
  options: ResolveOptions
): Effect.Effect<CodexHome, CodexHomeNotFound | SecretFileError, SecretFile> =>
  Effect.gen(function*() {
    const files = yield* SecretFile
    const choice = ReadModel.codexHome({
      explicit: undefined,
      variable: Option.getOrUndefined(options.codexHomeVariable),
      homeDirectory: options.homeDirectory,
      join: files.join
    })
    if (choice._tag === "Given") {
      const source = options.explicit === true ? "option" as const : undefined
      const info = yield* files.stat(choice.path)
      if (Option.isNone(info)) {
        return yield* new CodexHomeNotFound({ path: choice.path, reason: "missing", source })
      }
      if (info.value.type !== "directory") {
        return yield* new CodexHomeNotFound({ path: choice.path, reason: "not-a-directory", source })
      }
      return fromDirectory(yield* files.realPath(choice.path), files.join)
    }
    yield* files.ensureDirectory(choice.path, { mode: 0o700 })
    return fromDirectory(choice.path, files.join)
  })

/**
 * A fixed directory (no check, nothing created).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (path: string): Layer.Layer<CodexHome, never, SecretFile> =>
  Layer.effect(CodexHome, Effect.map(SecretFile, (files) => fromDirectory(path, files.join)))

/**
 * Resolves from the `CODEX_HOME` config variable, else `homeDirectory/.codex`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: { readonly homeDirectory: string }
): Layer.Layer<CodexHome, CodexHomeNotFound | SecretFileError | ConfigError.ConfigError, SecretFile> =>
  Layer.effect(
    CodexHome,
    Effect.flatMap(
      Environment.codexHome,
      (codexHomeVariable) => resolve({ codexHomeVariable, homeDirectory: options.homeDirectory })
    )
  )
