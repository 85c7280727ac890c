// The Codex User-Agent facts of this machine, in plain TypeScript (no `effect`): `NodeSession.userAgent` and the
// startup fast paths use this one implementation.
import * as ReadModel from "@codex-auth/core/ReadModel"

import * as StoredAuth from "@codex-auth/core/StoredAuth"
import * as Os from "node:os"

export const osName = (): string => {
  switch (process.platform) {
    case "darwin":
      return "Mac OS"
    case "win32":
      return "Windows"
    case "linux":
      return "Linux"
    default:
      return process.platform
  }
}

export const archName = (): string =>
  process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "arm64" : process.arch

/** `{originator}/{version} ({os} {os_version}; {arch}) {terminal}` for this machine. */
export const userAgent = (
  originator: string,
  version: string,
  env: Readonly<Record<string, string | undefined>> = process.env
): string =>
  StoredAuth.userAgent({
    originator,
    version,
    os: osName(),
    osVersion: Os.release(),
    arch: archName(),
    terminal: ReadModel.environment(env).terminal
  })
