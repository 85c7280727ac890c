/**
 * The command line as a person reads it, in the manner of `gh` and POSIX tools: the flags of every command read from
 * its @effect/cli descriptor, checked before @effect/cli parses them (so a bad flag is a usage error that names the
 * flag and points to `--help`, exit 2), and the help rendered from the same descriptors — no ANSI unless stdout is a
 * terminal (or FORCE_COLOR), `$ codex-auth login …` usage lines, repeatable flags shown as optional, and none of
 * @effect/cli's built-in `--wizard`, `--completions` or `--log-level`.
 *
 * @effect/cli 0.77 exposes no public way to walk a descriptor, so this reads its (stable, tagged) instruction shapes.
 */

export type FlagKind = "boolean" | "text" | "integer" | "float" | "choice" | "directory" | "file" | "path"

export interface FlagSpec {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly kind: FlagKind
  readonly choices: ReadonlyArray<string>
  readonly repeated: boolean
  readonly description: string
}

export interface CommandSpec {
  readonly name: string
  readonly description: string
  readonly flags: ReadonlyArray<FlagSpec>
  readonly subcommands: ReadonlyArray<CommandSpec>
  /** Positional arguments (`completion <shell>`), by name. */
  readonly args?: ReadonlyArray<{ readonly name: string; readonly choices: ReadonlyArray<string> }> | undefined
}

type Node = { readonly _tag: string; readonly [key: string]: unknown }

const textOf = (doc: unknown): string => {
  if (typeof doc !== "object" || doc === null) return ""
  const node = doc as Node
  switch (node._tag) {
    case "Text":
    case "Code":
    case "URI":
    case "Weak":
    case "Strong":
    case "Highlight":
      return typeof node["value"] === "string" ? node["value"] : textOf(node["value"])
    case "Sequence":
      return [textOf(node["left"]), textOf(node["right"])].filter((part) => part !== "").join(
        (node["left"] as Node)._tag === "Paragraph" ? "\n" : ""
      )
    case "Paragraph":
    case "Header":
      return textOf(node["value"])
    default:
      return ""
  }
}

const kindOf = (primitive: Node): { kind: FlagKind; choices: ReadonlyArray<string> } => {
  switch (primitive._tag) {
    case "Bool":
      return { kind: "boolean", choices: [] }
    case "Choice":
      return {
        kind: "choice",
        choices: (primitive["alternatives"] as ReadonlyArray<readonly [string, unknown]>).map(([name]) => name)
      }
    case "Integer":
      return { kind: "integer", choices: [] }
    case "Float":
      return { kind: "float", choices: [] }
    case "Path": {
      const type = primitive["pathType"]
      return { kind: type === "directory" ? "directory" : type === "file" ? "file" : "path", choices: [] }
    }
    default:
      return { kind: "text", choices: [] }
  }
}

const flagsOf = (options: Node, repeated = false): Array<FlagSpec> => {
  switch (options._tag) {
    case "Single": {
      const { choices, kind } = kindOf(options["primitiveType"] as Node)
      return [{
        name: options["name"] as string,
        aliases: options["aliases"] as ReadonlyArray<string>,
        kind,
        choices,
        repeated,
        description: textOf(options["description"])
      }]
    }
    case "Variadic":
      return flagsOf(options["argumentOption"] as Node, true)
    case "Both":
    case "OrElse":
      return [...flagsOf(options["left"] as Node, repeated), ...flagsOf(options["right"] as Node, repeated)]
    case "Map":
    case "WithDefault":
    case "WithFallback":
      return flagsOf(options["options"] as Node, repeated)
    case "KeyValueMap":
      return flagsOf(options["argumentOption"] as Node, true)
    default:
      return []
  }
}

const specOf = (descriptor: Node): CommandSpec => {
  switch (descriptor._tag) {
    case "Standard":
    case "GetUserInput":
      return {
        name: descriptor["name"] as string,
        description: textOf(descriptor["description"]),
        flags: descriptor._tag === "Standard" ? flagsOf(descriptor["options"] as Node) : [],
        subcommands: []
      }
    case "Map":
      return specOf(descriptor["command"] as Node)
    case "Subcommands":
      return {
        ...specOf(descriptor["parent"] as Node),
        subcommands: (descriptor["children"] as ReadonlyArray<Node>).map(specOf)
      }
    default:
      return { name: "", description: "", flags: [], subcommands: [] }
  }
}

/** The spec of a root command and its subcommands; `without` drops flags by name (what a runtime does not offer). */
export const fromCommand = (
  command: { readonly descriptor: unknown },
  without: ReadonlyArray<string> = []
): CommandSpec => {
  const prune = (spec: CommandSpec): CommandSpec => ({
    ...spec,
    flags: spec.flags.filter((flag) => !without.includes(flag.name)),
    subcommands: spec.subcommands.map(prune)
  })
  return prune(specOf(command.descriptor as Node))
}

/** A flag value the parser would accept but that cannot mean anything: the reason, or undefined. */
export type Validators = Readonly<Record<string, (value: string) => string | undefined>>

/** What a command line asks for, checked. */
export type Checked =
  | { readonly _tag: "Help"; readonly path: ReadonlyArray<string> }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Run"; readonly path: ReadonlyArray<string>; readonly json: boolean }
  | {
    readonly _tag: "Invalid"
    readonly path: ReadonlyArray<string>
    readonly message: string
    readonly flag: string | undefined
    readonly json: boolean
  }

const trueValues = ["true", "1", "y", "yes", "on"]
const falseValues = ["false", "0", "n", "no", "off"]

const quote = (value: string): string => JSON.stringify(value)

/** The value's problem for this flag's type, if any. */
const badValue = (flag: FlagSpec, value: string, validators: Validators): string | undefined => {
  const name = `--${flag.name}`
  switch (flag.kind) {
    case "integer":
      if (!/^-?\d+$/.test(value.trim())) return `invalid value ${quote(value)} for ${name}: expected an integer`
      break
    case "float":
      if (value.trim() === "" || Number.isNaN(Number(value))) {
        return `invalid value ${quote(value)} for ${name}: expected a number`
      }
      break
    case "choice":
      if (!flag.choices.includes(value)) {
        return `invalid value ${quote(value)} for ${name}: expected one of ${flag.choices.join(", ")}`
      }
      break
    case "boolean":
      if (!trueValues.includes(value) && !falseValues.includes(value)) {
        return `invalid value ${quote(value)} for ${name}: it takes no value (or true / false)`
      }
      break
    default:
      if (value.trim() === "") return `${name} needs a non-empty value`
  }
  const validator = validators[flag.name]
  const problem = validator === undefined ? undefined : validator(value)
  return problem === undefined ? undefined : `invalid value ${quote(value)} for ${name}: ${problem}`
}

/** Flags @effect/cli handles itself that stay usable, but unlisted: `--log-level` (kept for debugging). */
const hiddenValued = ["log-level"]
const logLevels = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"]

/**
 * Checks a command line (without the executable and script) against the spec. `unavailable` maps a flag this
 * runtime does not offer to the reason given instead of "unknown flag".
 */
export const check = (
  root: CommandSpec,
  args: ReadonlyArray<string>,
  validators: Validators = {},
  unavailable: Readonly<Record<string, string>> = {}
): Checked => {
  const path: Array<string> = []
  let command = root
  // --json anywhere after the command: a script asked for JSON, also for a usage error.
  const json = args.slice(1).some((arg) => arg === "--json" || arg === "--json=true")
  let help = false
  let version = false
  const positionals: Array<string> = []
  const invalid = (message: string, flag?: string): Checked => ({
    _tag: "Invalid",
    path: [...path],
    message,
    flag,
    json
  })
  let problem: Checked | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--help" || arg === "-h") {
      help = true
      continue
    }
    if (arg === "--version" && path.length === 0) {
      version = true
      continue
    }
    if (!arg.startsWith("-") || arg === "-") {
      const sub = command.subcommands.find((candidate) => candidate.name === arg)
      if (sub !== undefined && positionals.length === 0) {
        path.push(arg)
        command = sub
        continue
      }
      if (command.subcommands.length > 0 && command.args === undefined) {
        problem ??= invalid(`unknown command ${quote(arg)} for "${["codex-auth", ...path].join(" ")}"`)
        continue
      }
      positionals.push(arg)
      continue
    }
    if (arg === "--") {
      positionals.push(...args.slice(i + 1))
      break
    }
    const equals = arg.indexOf("=")
    const name = arg.startsWith("--") ? arg.slice(2, equals === -1 ? undefined : equals) : arg.slice(1)
    const inline = equals === -1 ? undefined : arg.slice(equals + 1)
    if (hiddenValued.includes(name)) {
      const value = inline ?? args[++i]
      if (value === undefined || !logLevels.includes(value)) {
        problem ??= invalid(`invalid value for --${name}: expected one of ${logLevels.join(", ")}`, `--${name}`)
      }
      continue
    }
    const flag = command.flags.find((candidate) =>
      arg.startsWith("--") ? candidate.name === name : candidate.aliases.includes(name)
    )
    if (flag === undefined) {
      const reason = unavailable[name]
      problem ??= reason !== undefined
        ? invalid(reason, `--${name}`)
        : path.length === 0 && root.subcommands.some((sub) => sub.flags.some((f) => f.name === name))
        ? invalid(`--${name} goes after the command, e.g. \`codex-auth status --${name}\``, `--${name}`)
        : invalid(`unknown flag ${arg.startsWith("--") ? `--${name}` : arg}`, arg.startsWith("--") ? `--${name}` : arg)
      continue
    }
    if (flag.kind === "boolean") {
      if (inline !== undefined) {
        const bad = badValue(flag, inline, validators)
        if (bad !== undefined) problem ??= invalid(bad, `--${flag.name}`)
      } else if (args[i + 1] !== undefined && [...trueValues, ...falseValues].includes(args[i + 1]!)) {
        i++
      }
      continue
    }
    const value = inline ?? args[i + 1]
    if (inline === undefined) {
      if (value === undefined || (value.startsWith("--") && value.length > 2)) {
        const what = flag.kind === "choice" ? `one of ${flag.choices.join(", ")}` : placeholder(flag)
        problem ??= invalid(`--${flag.name} needs a value (${what})`, `--${flag.name}`)
        continue
      }
      i++
    }
    const bad = badValue(flag, value!, validators)
    if (bad !== undefined) problem ??= invalid(bad, `--${flag.name}`)
  }
  if (help) return { _tag: "Help", path }
  if (version && path.length === 0) return { _tag: "Version" }
  if (problem !== undefined) return problem
  if (command.args !== undefined) {
    const expected = command.args
    if (positionals.length < expected.length) {
      return invalid(`${["codex-auth", ...path].join(" ")} needs <${expected[positionals.length]!.name}>`)
    }
    for (const [index, arg] of expected.entries()) {
      if (arg.choices.length > 0 && !arg.choices.includes(positionals[index]!)) {
        return invalid(`invalid ${arg.name} ${quote(positionals[index]!)}: expected one of ${arg.choices.join(", ")}`)
      }
    }
    if (positionals.length > expected.length) {
      return invalid(`unexpected argument ${quote(positionals[expected.length]!)}`)
    }
  } else if (positionals.length > 0) {
    return invalid(`unexpected argument ${quote(positionals[0]!)} for "${["codex-auth", ...path].join(" ")}"`)
  }
  if (path.length === 0) return { _tag: "Help", path }
  return { _tag: "Run", path, json }
}

const placeholders: Readonly<Record<string, string>> = {
  issuer: "URL",
  "client-id": "ID",
  workspace: "ID",
  account: "NAME",
  user: "EMAIL",
  port: "N",
  "device-interval": "SECONDS",
  config: "KEY=VALUE",
  "codex-bin": "PATH"
}

const placeholder = (flag: FlagSpec): string => {
  switch (flag.kind) {
    case "choice":
      return flag.choices.join("|")
    case "directory":
      return "DIR"
    case "file":
      return "FILE"
    case "path":
      return "PATH"
    case "integer":
      return placeholders[flag.name] ?? "N"
    case "float":
      return "NUMBER"
    case "boolean":
      return ""
    default:
      return placeholders[flag.name] ?? "VALUE"
  }
}

const flagUsage = (flag: FlagSpec): string => {
  const value = placeholder(flag)
  const text = `--${flag.name}${value === "" ? "" : ` ${value}`}`
  return flag.repeated ? `[${text}]...` : `[${text}]`
}

export interface Style {
  readonly bold: (text: string) => string
}

export const plain: Style = { bold: (text) => text }
export const ansi: Style = { bold: (text) => `\u001b[1m${text}\u001b[22m` }

/** The help of the command at `path` (empty: the root), as text for stdout. */
export const help = (root: CommandSpec, path: ReadonlyArray<string>, style: Style, version: string): string => {
  let command = root
  for (const name of path) command = command.subcommands.find((sub) => sub.name === name) ?? command
  const full = ["codex-auth", ...path].join(" ")
  const lines: Array<string> = []
  const section = (title: string) => lines.push("", style.bold(title))
  lines.push(command.description === "" ? full : command.description)
  section("USAGE")
  if (command.subcommands.length > 0 && command.args === undefined) {
    lines.push(`  $ ${full} <command> [flags]`)
    section("COMMANDS")
    const width = Math.max(...command.subcommands.map((sub) => sub.name.length))
    for (const sub of command.subcommands) {
      const summary = /^.*?[.!?](?=\s|$)/.exec(sub.description.split("\n")[0]!)?.[0] ?? sub.description
      lines.push(`  ${sub.name.padEnd(width)}  ${summary}`)
    }
  } else {
    const args = (command.args ?? []).map((arg) => ` <${arg.name}>`).join("")
    lines.push(`  $ ${[full + args, ...command.flags.map(flagUsage)].join(" ")}`)
  }
  section("FLAGS")
  for (const flag of command.flags) {
    const value = placeholder(flag)
    const aliases = flag.aliases.map((alias) => `-${alias}, `).join("")
    lines.push(`  ${aliases}--${flag.name}${value === "" ? "" : ` ${value}`}${flag.repeated ? " (repeatable)" : ""}`)
    if (flag.description !== "") lines.push(`      ${flag.description}`)
  }
  lines.push("  -h, --help", "      Show this help.")
  if (path.length === 0) {
    lines.push("  --version", `      Print the version (${version}).`)
    section("LEARN MORE")
    lines.push("  Use `codex-auth <command> --help` for more about a command.")
  }
  return `${lines.join("\n")}\n`
}
