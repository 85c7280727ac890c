// The path facts of this machine on Deno in plain TypeScript (no `effect`): the layers (`DenoSecretFile.join`,
// `DenoCodexHome.homeDirectory`) and the CLI's startup path (`fast/cli.ts`) use this one implementation.
import * as Path from "../path.ts"

export const windows: boolean = Deno.build.os === "windows"

/** Joins path segments with this platform's separator (`path.join`). */
export const join = (...segments: ReadonlyArray<string>): string =>
  windows ? Path.joinWindows(...segments) : Path.joinPosix(...segments)

/** The user's home directory (`HOME`, or `USERPROFILE` on Windows). */
export const homeDirectory = (): string => (windows ? Deno.env.get("USERPROFILE") : Deno.env.get("HOME")) ?? Deno.cwd()
