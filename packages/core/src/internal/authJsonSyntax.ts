// A small JSON reader and writer for auth.json that keeps what `JSON.parse` would lose: the order and duplicates of
// object keys, and the exact text of numbers (an unknown field holding 12345678901234567890 survives a rewrite).
// Its error reasons give a position only: the parser's own messages would quote the file, and the file holds tokens.
// Plain TypeScript (no `effect`): the startup fast paths parse auth.json with this code too.
import type { Json, JsonObject } from "../AuthJson.ts"

/** serde_json's default recursion limit: deeper documents are rejected by Codex too. */
const MAX_DEPTH = 128

class SyntaxProblem {
  constructor(readonly reason: string) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

export const parse = (
  text: string
): { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly error: string } => {
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0

  const position = (at: number): string => {
    let line = 1
    let lineStart = 0
    for (let i = 0; i < at && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++
        lineStart = i + 1
      }
    }
    return `line ${line} column ${at - lineStart + 1}`
  }
  const fail = (what: string, at: number = index): never => {
    throw new SyntaxProblem(at >= text.length ? `${what} at the end of the file` : `${what} at ${position(at)}`)
  }
  const skipWhitespace = (): void => {
    while (index < text.length) {
      const code = text.charCodeAt(index)
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) index++
      else break
    }
  }
  const expectLiteral = (literal: string): void => {
    if (text.startsWith(literal, index)) index += literal.length
    else fail("invalid JSON: unexpected character")
  }
  const parseString = (): string => {
    const start = index
    index++ // opening quote
    let out = ""
    let chunkStart = index
    while (true) {
      if (index >= text.length) fail("invalid JSON: unterminated string", start)
      const code = text.charCodeAt(index)
      if (code === 0x22) {
        out += text.slice(chunkStart, index)
        index++
        return out
      }
      if (code < 0x20) fail("invalid JSON: control character inside a string")
      if (code !== 0x5c) {
        index++
        continue
      }
      out += text.slice(chunkStart, index)
      const escape = text[index + 1]
      switch (escape) {
        case "\"":
        case "\\":
        case "/":
          out += escape
          index += 2
          break
        case "b":
          out += "\b"
          index += 2
          break
        case "f":
          out += "\f"
          index += 2
          break
        case "n":
          out += "\n"
          index += 2
          break
        case "r":
          out += "\r"
          index += 2
          break
        case "t":
          out += "\t"
          index += 2
          break
        case "u": {
          const hex = text.slice(index + 2, index + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid JSON: bad \\u escape")
          out += String.fromCharCode(parseInt(hex, 16))
          index += 6
          break
        }
        default:
          fail("invalid JSON: bad escape")
      }
      chunkStart = index
    }
  }
  const parseValue = (depth: number): Json => {
    skipWhitespace()
    if (index >= text.length) fail("invalid JSON: a value was expected")
    const char = text[index]
    switch (char) {
      case "{": {
        if (depth >= MAX_DEPTH) fail("invalid JSON: nested too deeply")
        index++
        const entries: Array<readonly [string, Json]> = []
        skipWhitespace()
        if (text[index] === "}") {
          index++
          return { _tag: "JsonObject", entries }
        }
        while (true) {
          skipWhitespace()
          if (text[index] !== "\"") fail("invalid JSON: an object key was expected")
          const key = parseString()
          skipWhitespace()
          if (text[index] !== ":") fail("invalid JSON: ':' was expected")
          index++
          entries.push([key, parseValue(depth + 1)])
          skipWhitespace()
          if (text[index] === ",") {
            index++
            continue
          }
          if (text[index] === "}") {
            index++
            return { _tag: "JsonObject", entries }
          }
          fail("invalid JSON: ',' or '}' was expected")
        }
      }
      case "[": {
        if (depth >= MAX_DEPTH) fail("invalid JSON: nested too deeply")
        index++
        const items: Array<Json> = []
        skipWhitespace()
        if (text[index] === "]") {
          index++
          return { _tag: "JsonArray", items }
        }
        while (true) {
          items.push(parseValue(depth + 1))
          skipWhitespace()
          if (text[index] === ",") {
            index++
            continue
          }
          if (text[index] === "]") {
            index++
            return { _tag: "JsonArray", items }
          }
          fail("invalid JSON: ',' or ']' was expected")
        }
      }
      case "\"":
        return parseString()
      case "t":
        expectLiteral("true")
        return true
      case "f":
        expectLiteral("false")
        return false
      case "n":
        expectLiteral("null")
        return null
      default: {
        NUMBER.lastIndex = index
        const match = NUMBER.exec(text)
        if (match === null || match[0].length === 0) return fail("invalid JSON: unexpected character")
        index += match[0].length
        return { _tag: "JsonNumber", text: match[0] }
      }
    }
  }

  try {
    skipWhitespace()
    if (index >= text.length) return { ok: false, error: "the file is empty" }
    const value = parseValue(0)
    skipWhitespace()
    if (index < text.length) fail("invalid JSON: unexpected text after the document")
    return { ok: true, value }
  } catch (error) {
    if (error instanceof SyntaxProblem) return { ok: false, error: error.reason }
    throw error
  }
}

const isObject = (value: Json): value is JsonObject =>
  typeof value === "object" && value !== null && value._tag === "JsonObject"

// JSON.stringify's string escaping is serde_json's: `"` `\` and control characters (short forms for \b \f \n \r \t,
// lower-case \u00XX otherwise), everything else verbatim — so the bytes match what Codex writes.
const writeString = (value: string): string => JSON.stringify(value)

/** Writes like serde_json: `to_string_pretty` (two-space indent, `": "`) or `to_string` (compact). */
export const stringify = (value: Json, pretty: boolean): string => {
  const write = (node: Json, indent: string): string => {
    if (node === null) return "null"
    if (typeof node === "boolean") return node ? "true" : "false"
    if (typeof node === "string") return writeString(node)
    if (node._tag === "JsonNumber") return node.text
    const inner = indent + "  "
    if (isObject(node)) {
      if (node.entries.length === 0) return "{}"
      const members = node.entries.map(([key, item]) =>
        pretty ? `${inner}${writeString(key)}: ${write(item, inner)}` : `${writeString(key)}:${write(item, inner)}`
      )
      return pretty ? `{\n${members.join(",\n")}\n${indent}}` : `{${members.join(",")}}`
    }
    if (node.items.length === 0) return "[]"
    const items = node.items.map((item) => pretty ? `${inner}${write(item, inner)}` : write(item, inner))
    return pretty ? `[\n${items.join(",\n")}\n${indent}]` : `[${items.join(",")}]`
  }
  return write(value, "")
}
