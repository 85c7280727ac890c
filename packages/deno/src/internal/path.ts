/** Path joining without `node:path`: the separator of the platform, `.` and `..` resolved, as `path.join` does. */

const normalizePosix = (path: string): string => {
  if (path === "") return "."
  const absolute = path.startsWith("/")
  const out: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop()
      else if (!absolute) out.push("..")
      continue
    }
    out.push(part)
  }
  const body = out.join("/")
  const trailing = path.endsWith("/") && body !== "" ? "/" : ""
  return absolute ? `/${body}${trailing}` : body === "" ? "." : `${body}${trailing}`
}

/** `path.posix.join`. */
export const joinPosix = (...segments: ReadonlyArray<string>): string => {
  const joined = segments.filter((segment) => segment !== "").join("/")
  return joined === "" ? "." : normalizePosix(joined)
}

/** `path.win32.join`, enough for `CODEX_HOME` paths (drive letters and UNC prefixes kept as they are). */
export const joinWindows = (...segments: ReadonlyArray<string>): string => {
  const joined = segments.filter((segment) => segment !== "").join("\\").replace(/\//g, "\\")
  if (joined === "") return "."
  const prefix = /^(?:[A-Za-z]:|\\\\[^\\]+\\[^\\]+)/.exec(joined)?.[0] ?? ""
  const rest = normalizePosix(joined.slice(prefix.length).replace(/\\/g, "/")).replace(/\//g, "\\")
  return `${prefix}${rest === "." && prefix !== "" ? "" : rest}`
}

/** The directory part of a path (`path.dirname`). */
export const dirname = (path: string, separator: "/" | "\\"): string => {
  const index = Math.max(path.lastIndexOf("/"), separator === "\\" ? path.lastIndexOf("\\") : -1)
  if (index < 0) return "."
  if (index === 0) return path.slice(0, 1)
  return path.slice(0, index)
}

/** The last part of a path (`path.basename`). */
export const basename = (path: string, separator: "/" | "\\"): string => {
  const index = Math.max(path.lastIndexOf("/"), separator === "\\" ? path.lastIndexOf("\\") : -1)
  return path.slice(index + 1)
}
