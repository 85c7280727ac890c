// A small JSON reader and writer for auth.json that keeps what `JSON.parse` would lose: the order and duplicates of
// object keys, and the exact text of numbers (an unknown field holding 12345678901234567890 survives a rewrite).
// Its error reasons give a position only: the parser's own messages would quote the file, and the file holds tokens.
// Plain TypeScript (no `effect`): the startup fast paths parse auth.json with this code too.
import type { Json, JsonObject } from "../AuthJson.ts"

class SyntaxProblem {
  constructor(readonly reason: string) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

export const parse = (
  text: string
): { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly error: string } => {
  // A byte order mark is refused, as Codex (serde_json) refuses it: "expected value at line 1 column 1".
  if (text.charCodeAt(0) === 0xfeff) {
    return {
      ok: false,
      error: "the file starts with a byte order mark (BOM), which Codex refuses; save it as UTF-8 without a BOM"
    }
  }
  let index = 0

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
  // A scalar at `index` (the caller has skipped whitespace and checked that a value starts here).
  const parseScalar = (): Json => {
    switch (text[index]) {
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
  interface OpenObject {
    readonly entries: Array<readonly [string, Json]>
    key: string
  }
  interface OpenArray {
    readonly items: Array<Json>
  }
  // Iterative, with an explicit stack: Codex accepts any depth (100,000 nested arrays in an unknown field), and a
  // recursive reader would overflow the call stack long before the 1 MiB size bound.
  const readKey = (): string => {
    skipWhitespace()
    if (text[index] !== "\"") fail("invalid JSON: an object key was expected")
    const key = parseString()
    skipWhitespace()
    if (text[index] !== ":") fail("invalid JSON: ':' was expected")
    index++
    return key
  }
  const parseValue = (): Json => {
    const stack: Array<OpenObject | OpenArray> = []
    while (true) {
      // Read one value: a scalar, an empty container, or the opening of a container (pushed, then its first member).
      skipWhitespace()
      if (index >= text.length) fail("invalid JSON: a value was expected")
      let value: Json | undefined
      const char = text[index]
      if (char === "{") {
        index++
        skipWhitespace()
        if (text[index] === "}") {
          index++
          value = { _tag: "JsonObject", entries: [] }
        } else {
          stack.push({ entries: [], key: readKey() })
          continue
        }
      } else if (char === "[") {
        index++
        skipWhitespace()
        if (text[index] === "]") {
          index++
          value = { _tag: "JsonArray", items: [] }
        } else {
          stack.push({ items: [] })
          continue
        }
      } else {
        value = parseScalar()
      }
      // Hand the value to the enclosing containers, closing each one that ends here.
      while (true) {
        const top = stack[stack.length - 1]
        if (top === undefined) return value
        skipWhitespace()
        if ("entries" in top) {
          top.entries.push([top.key, value])
          if (text[index] === ",") {
            index++
            top.key = readKey()
            break
          }
          if (text[index] !== "}") fail("invalid JSON: ',' or '}' was expected")
          index++
          stack.pop()
          value = { _tag: "JsonObject", entries: top.entries }
        } else {
          top.items.push(value)
          if (text[index] === ",") {
            index++
            break
          }
          if (text[index] !== "]") fail("invalid JSON: ',' or ']' was expected")
          index++
          stack.pop()
          value = { _tag: "JsonArray", items: top.items }
        }
      }
    }
  }

  try {
    skipWhitespace()
    if (index >= text.length) return { ok: false, error: "the file is empty" }
    const value = parseValue()
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

// Deeper than this, members are written compactly: the indentation of a pretty document grows with the square of its
// depth (100,000 nested arrays would be gigabytes), and Codex never writes anything nearly this deep.
const PRETTY_DEPTH = 64

/**
 * Writes like serde_json: `to_string_pretty` (two-space indent, `": "`) or `to_string` (compact). Iterative, like the
 * reader, so any document the reader accepted can be written back.
 */
export const stringify = (value: Json, pretty: boolean): string => {
  const out: Array<string> = []
  // Work items, last first: text to emit as is, or a value to write at a depth.
  const work: Array<string | { readonly node: Json; readonly depth: number }> = [{ node: value, depth: 0 }]
  while (work.length > 0) {
    const item = work.pop()!
    if (typeof item === "string") {
      out.push(item)
      continue
    }
    const { depth, node } = item
    if (node === null) out.push("null")
    else if (typeof node === "boolean") out.push(node ? "true" : "false")
    else if (typeof node === "string") out.push(writeString(node))
    else if (node._tag === "JsonNumber") out.push(node.text)
    else {
      const object = isObject(node)
      const count = object ? node.entries.length : node.items.length
      if (count === 0) {
        out.push(object ? "{}" : "[]")
        continue
      }
      const indented = pretty && depth < PRETTY_DEPTH
      const indent = indented ? "  ".repeat(depth) : ""
      const inner = indented ? indent + "  " : ""
      const separator = indented ? ",\n" : ","
      const colon = pretty ? ": " : ":"
      out.push(object ? "{" : "[")
      if (indented) out.push("\n")
      // Pushed in reverse, so they pop in order.
      work.push(indented ? `\n${indent}${object ? "}" : "]"}` : object ? "}" : "]")
      for (let i = count - 1; i >= 0; i--) {
        if (object) {
          const [key, member] = node.entries[i]!
          work.push({ node: member, depth: depth + 1 })
          work.push(`${i > 0 ? separator : ""}${inner}${writeString(key)}${colon}`)
        } else {
          work.push({ node: node.items[i]!, depth: depth + 1 })
          work.push(`${i > 0 ? separator : ""}${inner}`)
        }
      }
    }
  }
  return out.join("")
}
