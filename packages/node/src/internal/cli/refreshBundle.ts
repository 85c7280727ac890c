/**
 * What dist/bundle/refresh.js is (scripts/bundle.mjs builds it from this file): the loader of the cold refresh's
 * engine, dist/bundle/refresh.cjs (internal/cli/refresh.ts built as one CommonJS file), through V8's code cache
 * (`CodeCache`), so that the process that refreshes does not compile ~1 MB of JavaScript from source each time; and
 * of the startup path's own refresh, dist/bundle/fast-refresh.cjs (internal/fast/refresh.ts), the same way.
 * Only the bundle has it: run from source or from tsc's output, the bin imports refresh.ts itself.
 *
 * The cache lives in `CODEX_AUTH_CODE_CACHE` (`off`: none), else the user's cache directory (env-paths: the
 * platform's convention, as npm and other CLIs keep theirs).
 */
import type * as CliSession from "@codex-auth/cli/CliSession"
import * as ReadModel from "@codex-auth/core/ReadModel"
import envPaths from "env-paths"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type * as FastRefresh from "../fast/refresh.ts"
import { trace } from "../fast/trace.ts"
import * as CodeCache from "./codeCache.ts"
import type * as Refresh from "./refresh.ts"

/** The directory of the code cache for a `CODEX_AUTH_CODE_CACHE` value; `undefined`: no cache. */
export const directory = (setting: string | undefined, byDefault: () => string): string | undefined => {
  if (setting === "off") return undefined
  if (setting !== undefined) return Path.resolve(setting)
  try {
    return byDefault()
  } catch {
    return undefined // no home directory: no cache
  }
}

/** A bundle beside this file (refresh.cjs, fast-refresh.cjs), compiled through the code cache. */
const load = (file: string): Record<string, unknown> => {
  const settings = ReadModel.environment(process.env)
  const loaded = CodeCache.load(
    fileURLToPath(new URL(`./${file}`, import.meta.url)),
    directory(settings.codeCache, () => envPaths("codex-auth", { suffix: "" }).cache)
  )
  trace(settings, `code-cache ${loaded.outcome}`)
  process.once("exit", loaded.save)
  return loaded.exports
}

/** The engine's refresh (internal/cli/refresh.ts). */
export const start = (parsed: CliSession.Parsed, recorded?: FastRefresh.Recorded): void =>
  (load("refresh.cjs") as unknown as typeof Refresh).start(parsed, recorded)

/** The startup path's own refresh (internal/fast/refresh.ts). */
export const refresh: typeof FastRefresh.refresh = (directory, env, options) =>
  (load("fast-refresh.cjs") as unknown as typeof FastRefresh).refresh(directory, env, options)
