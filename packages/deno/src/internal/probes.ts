/** Probes of the machine a Deno process runs on (files under /proc and /), each false when unreadable. */

const readText = (path: string): string | undefined => {
  try {
    return Deno.readTextFileSync(path)
  } catch {
    return undefined
  }
}

const exists = (path: string): boolean => {
  try {
    Deno.statSync(path)
    return true
  } catch {
    return false
  }
}

/** WSL: `WSL_DISTRO_NAME`, or a Microsoft kernel in /proc/version outside a container (as `is-wsl` decides). */
export const isWsl = (env: Readonly<Record<string, string | undefined>>): boolean => {
  if (Deno.build.os !== "linux") return false
  if ((env["WSL_DISTRO_NAME"] ?? "") !== "") return true
  const version = readText("/proc/version")?.toLowerCase() ?? ""
  // Docker Desktop's VM also runs a Microsoft kernel: inside a container it is not WSL (as `is-wsl` decides).
  return version.includes("microsoft") && !isContainer()
}

/** A container: Docker's /.dockerenv or cgroup, Podman's /run/.containerenv (as `is-inside-container` decides). */
export const isContainer = (): boolean => {
  if (exists("/.dockerenv") || exists("/run/.containerenv")) return true
  const cgroup = readText("/proc/self/cgroup") ?? ""
  return cgroup.includes("docker")
}
