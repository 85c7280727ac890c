/**
 * config.toml's §10 policy as plain functions (no `effect`), for the startup fast paths and `CodexConfig`.
 */
import { parse as parseToml, TomlError } from "smol-toml"

/**
 * @since 0.1.0
 * @category models
 */
export type LoginMethod = "chatgpt" | "api"

/**
 * What a config asks for: `undefined` fields are not set.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  /** `forced_chatgpt_workspace_id`, trimmed, never empty (an empty list is no restriction). */
  readonly forcedWorkspaceIds: ReadonlyArray<string> | undefined
  readonly forcedLoginMethod: LoginMethod | undefined
  /** Where the values came from, for messages: the path of `config.toml`, and/or `-c` overrides. */
  readonly source: string | undefined
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const empty: Policy = { forcedWorkspaceIds: undefined, forcedLoginMethod: undefined, source: undefined }

/**
 * Why a config was refused. `line` / `column` are 1-based, when known.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly origin: "file" | "override"
  readonly path: string
  readonly line: number | undefined
  readonly column: number | undefined
  readonly reason: string
}

export type Result<A, E> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: E }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** The 1-based line of `key = …` at the top level of `text` (where Codex would point), when it is there. */
const lineOfKey = (text: string, key: string): { line: number; column: number } | undefined => {
  const lines = text.split(/\r?\n/)
  const pattern = new RegExp(`^(\\s*["']?${key}["']?\\s*=\\s*)`)
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    if (/^\s*\[/.test(line)) return undefined
    const match = pattern.exec(line)
    if (match !== null) return { line: index + 1, column: match[1]!.length + 1 }
  }
  return undefined
}

const workspaceIds = (value: unknown): ReadonlyArray<string> | undefined | "invalid" => {
  if (value === undefined) return undefined
  const raw = typeof value === "string"
    ? [value]
    : Array.isArray(value) && value.every((item) => typeof item === "string")
    ? value as ReadonlyArray<string>
    : undefined
  if (raw === undefined) return "invalid"
  const ids = raw.map((id) => id.trim()).filter((id) => id !== "")
  return ids.length === 0 ? undefined : ids
}

/** One `-c key=value`, as Codex splits it: at the first `=`; the value is TOML, else the trimmed text. */
const parseOverride = (override: string): Result<{ path: ReadonlyArray<string>; value: unknown }, Problem> => {
  const problem = (reason: string): Result<never, Problem> => ({
    ok: false,
    error: { origin: "override", path: override, line: undefined, column: undefined, reason }
  })
  const at = override.indexOf("=")
  if (at < 0) return problem("missing '='")
  const key = override.slice(0, at).trim()
  if (key === "") return problem("empty key")
  const text = override.slice(at + 1).trim()
  let value: unknown
  try {
    value = parseToml(`_override_ = ${text}`)["_override_"]
  } catch {
    value = text
  }
  return { ok: true, value: { path: key.split("."), value } }
}

const setPath = (target: Record<string, unknown>, path: ReadonlyArray<string>, value: unknown): void => {
  let node = target
  for (const segment of path.slice(0, -1)) {
    const next = node[segment]
    if (!isRecord(next)) node[segment] = {}
    node = node[segment] as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
}

/**
 * The policy of a `config.toml` text (`undefined`: no file) with `-c` overrides applied, or why Codex would refuse it.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parsePolicy = (
  text: string | undefined,
  path: string,
  overrides: ReadonlyArray<string> = []
): Result<Policy, Problem> => {
  let document: Record<string, unknown> = {}
  if (text !== undefined) {
    try {
      document = parseToml(text) as Record<string, unknown>
    } catch (error) {
      if (error instanceof TomlError) {
        const reason = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "")
        return { ok: false, error: { origin: "file", path, line: error.line, column: error.column, reason } }
      }
      return {
        ok: false,
        error: { origin: "file", path, line: undefined, column: undefined, reason: String(error) }
      }
    }
  }
  const fromFile = new Set(Object.keys(document).filter((key) => key.startsWith("forced_")))
  const overridden = new Set<string>()
  for (const override of overrides) {
    const parsed = parseOverride(override)
    if (!parsed.ok) return parsed
    setPath(document, parsed.value.path, parsed.value.value)
    overridden.add(parsed.value.path[0]!)
  }
  const wrongType = (key: string, reason: string): Result<never, Problem> => {
    if (overridden.has(key)) {
      const given = overrides.filter((override) => override.trim().startsWith(key)).at(-1) ?? key
      return { ok: false, error: { origin: "override", path: given, line: undefined, column: undefined, reason } }
    }
    const at = text === undefined ? undefined : lineOfKey(text, key)
    return { ok: false, error: { origin: "file", path, line: at?.line, column: at?.column, reason } }
  }

  const ids = workspaceIds(document["forced_chatgpt_workspace_id"])
  if (ids === "invalid") {
    return wrongType("forced_chatgpt_workspace_id", "forced_chatgpt_workspace_id must be a string or a list of strings")
  }
  const method = document["forced_login_method"]
  if (method !== undefined && method !== "chatgpt" && method !== "api") {
    return wrongType(
      "forced_login_method",
      `forced_login_method must be "chatgpt" or "api", not ${
        typeof method === "string" ? `"${method}"` : typeof method
      }`
    )
  }
  const used = ["forced_chatgpt_workspace_id", "forced_login_method"].filter((key) => document[key] !== undefined)
  const sources = [
    used.some((key) => fromFile.has(key) && !overridden.has(key)) ? path : undefined,
    used.some((key) => overridden.has(key)) ? "-c overrides" : undefined
  ].filter((source) => source !== undefined)
  return {
    ok: true,
    value: {
      forcedWorkspaceIds: ids,
      forcedLoginMethod: method,
      source: (ids !== undefined || method !== undefined) && sources.length > 0 ? sources.join(" and ") : undefined
    }
  }
}

/**
 * What an embedder passed, joined with the config's policy: both must hold, so the workspaces are those in both
 * lists (either alone when only one restricts), and the login methods must agree. Codex itself has one source
 * (`-c` replaces the file's value); a program embedding this library may only narrow what the user's config allows.
 *
 * @since 0.1.0
 * @category combinators
 */
export const combine = (
  requested: {
    readonly forcedWorkspaceIds?: ReadonlyArray<string> | undefined
    readonly forcedLoginMethod?: LoginMethod | undefined
  },
  policy: Policy
): Result<
  Policy,
  {
    setting: "forced_chatgpt_workspace_id" | "forced_login_method"
    configured: ReadonlyArray<string>
    requested: ReadonlyArray<string>
  }
> => {
  const wanted = requested.forcedWorkspaceIds === undefined || requested.forcedWorkspaceIds.length === 0
    ? undefined
    : requested.forcedWorkspaceIds
  const configured = policy.forcedWorkspaceIds
  const ids = wanted === undefined ? configured : configured === undefined
    ? wanted
    : configured.filter((id) => wanted.includes(id))
  if (ids !== undefined && ids.length === 0) {
    return { ok: false, error: { setting: "forced_chatgpt_workspace_id", configured: configured!, requested: wanted! } }
  }
  const method = requested.forcedLoginMethod
  if (method !== undefined && policy.forcedLoginMethod !== undefined && method !== policy.forcedLoginMethod) {
    return {
      ok: false,
      error: { setting: "forced_login_method", configured: [policy.forcedLoginMethod], requested: [method] }
    }
  }
  return {
    ok: true,
    value: {
      forcedWorkspaceIds: ids,
      forcedLoginMethod: method ?? policy.forcedLoginMethod,
      source: policy.source
    }
  }
}
