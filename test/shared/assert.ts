// Assertions for the runtime-neutral suites (no node:assert, no Deno std): each throws an Error, which fails the
// test under both vitest and `deno test`.

const show = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

const fail = (message: string, what: string | undefined): never => {
  throw new Error(what === undefined ? message : `${what}: ${message}`)
}

const deepEqualValues = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.length !== keysB.length) return false
  return keysA.every((key) =>
    Object.prototype.hasOwnProperty.call(b, key) &&
    deepEqualValues((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
  )
}

export const equal = <A>(actual: A, expected: A, what?: string): void => {
  if (!Object.is(actual, expected)) fail(`expected ${show(expected)}, got ${show(actual)}`, what)
}

export const notEqual = <A>(actual: A, unexpected: A, what?: string): void => {
  if (Object.is(actual, unexpected)) fail(`expected anything but ${show(unexpected)}`, what)
}

export const deepEqual = <A>(actual: A, expected: A, what?: string): void => {
  if (!deepEqualValues(actual, expected)) fail(`expected ${show(expected)}, got ${show(actual)}`, what)
}

export const isTrue = (value: boolean, what?: string): void => {
  if (value !== true) fail("expected true", what)
}

export const isFalse = (value: boolean, what?: string): void => {
  if (value !== false) fail("expected false", what)
}

export const include = (text: string, part: string, what?: string): void => {
  if (!text.includes(part)) fail(`expected ${show(text.slice(0, 400))} to include ${show(part)}`, what)
}

export const notInclude = (text: string, part: string, what?: string): void => {
  if (text.includes(part)) fail(`expected the text not to include ${show(part)}`, what)
}

export const match = (text: string, pattern: RegExp, what?: string): void => {
  if (!pattern.test(text)) fail(`expected ${show(text.slice(0, 400))} to match ${pattern}`, what)
}
