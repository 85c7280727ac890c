/** The short reason of a Deno error (its `code`, e.g. `ENOENT`), never file contents. */
export const reasonOf = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code
  }
  return cause instanceof Error ? cause.name === "Error" ? cause.message : cause.name : String(cause)
}

export const isNotFound = (cause: unknown): boolean =>
  cause instanceof Deno.errors.NotFound || cause instanceof Deno.errors.NotADirectory ||
  (typeof cause === "object" && cause !== null && "code" in cause &&
    (cause.code === "ENOENT" || cause.code === "ENOTDIR"))
