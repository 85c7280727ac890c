// Which certificates a connection to the issuer trusts on Node (§12), as plain promises: Node's default store and the
// text of a CA bundle. NodeHttpClient builds undici's dispatcher from these; the CLI's startup refresh
// (internal/fast/refresh.ts) gives the same list to node:https, so both trust exactly what the user configured.
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as Tls from "node:tls"
import * as BoundedRead from "./boundedRead.ts"

// PEM is ASCII; stray bytes in a comment are left to the PEM parser rather than refused here.
const lenientUtf8 = new TextDecoder("utf-8")

/** A CA bundle's text: bounded and non-blocking (a FIFO, /dev/zero or a huge file named by mistake fails at once). */
export const readBundleText = (path: string): Promise<string> =>
  BoundedRead.readBytes(path, ReadModel.maxCaBundleBytes).then((bytes) => lenientUtf8.decode(bytes))

/**
 * The certificates Node trusts by default: its bundled roots plus those of `NODE_EXTRA_CA_CERTS`. An explicit `ca`
 * replaces Node's default store, so a client that adds a bundle must start from all of these, or a private CA given
 * only through `NODE_EXTRA_CA_CERTS` stops being trusted. `tls.getCACertificates("default")` (Node ≥ 22.15) is that
 * list; on older Node the extra file is read as Node read it at start (the process's own variable, which Node alone
 * interprets — not a setting of ours); a file Node could not read was already reported by Node and is skipped.
 */
export const defaultCertificates = async (): Promise<ReadonlyArray<string>> => {
  const getCACertificates = (Tls as { getCACertificates?: (type: "default") => ReadonlyArray<string> })
    .getCACertificates
  if (typeof getCACertificates === "function") return getCACertificates("default")
  const path = process.env["NODE_EXTRA_CA_CERTS"]
  if (path === undefined || path === "") return Tls.rootCertificates
  const extra = await readBundleText(path).then((text) => {
    const parsed = ReadModel.parsePemBundle(text)
    return parsed.ok ? parsed.value : []
  }, () => [])
  return [...Tls.rootCertificates, ...extra]
}
