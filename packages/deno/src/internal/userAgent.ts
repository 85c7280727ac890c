// The Codex `User-Agent` for this machine on Deno (the same string the Node runtime builds), in plain TypeScript (no
// `effect`: the CLI's startup path builds it too).
import * as ReadModel from "@codex-auth/core/ReadModel"
import * as StoredAuth from "@codex-auth/core/StoredAuth"

const osName = (): string => {
  switch (Deno.build.os) {
    case "darwin":
      return "Mac OS"
    case "windows":
      return "Windows"
    case "linux":
      return "Linux"
    default:
      return Deno.build.os
  }
}

const archName = (): string => (Deno.build.arch === "aarch64" ? "arm64" : Deno.build.arch)

export const userAgent = (originator: string, version: string): string =>
  StoredAuth.userAgent({
    originator,
    version,
    os: osName(),
    osVersion: Deno.osRelease(),
    arch: archName(),
    // Only the two variables (Deno's env permission may be granted per name).
    terminal: ReadModel.terminal((name) => Deno.env.get(name))
  })
