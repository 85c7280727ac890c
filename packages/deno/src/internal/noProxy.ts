/**
 * `NO_PROXY` matching as curl and undici do it: comma- or space-separated entries; `*` matches every host; an entry
 * matches the host itself and its subdomains (a leading `.` or `*.` is ignored); an entry with a port matches only
 * that port.
 */
export const bypassesProxy = (noProxy: string, url: URL): boolean => {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "")
  const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80"
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase()
    if (entry === "") continue
    if (entry === "*") return true
    const match = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\](?=:|$)/g, ""))
    const name = (match?.[1] ?? entry).replace(/^\*?\./, "")
    const entryPort = match?.[2]
    if (entryPort !== undefined && entryPort !== port) continue
    if (host === name || host.endsWith(`.${name}`)) return true
  }
  return false
}
