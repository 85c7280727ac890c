/**
 * The `codex-auth` command line on Deno: the commands every runtime shares (`@codex-auth/cli/Cli`: `login`,
 * `status`, `token`, `headers`, `refresh`, `logout`, with the Node CLI's flags, outputs and exit codes) over Deno's
 * ports and process. `cli.ts` runs {@link main}: `deno run -A packages/deno/cli.ts status`.
 *
 * @since 0.1.0
 */
import * as Cli from "@codex-auth/cli/Cli"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { platform } from "./DenoPlatform.ts"
import * as DenoTerminal from "./DenoTerminal.ts"

const writeAll = (stream: { writeSync(bytes: Uint8Array): number }, text: string): void => {
  const bytes = new TextEncoder().encode(text)
  let written = 0
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written))
}

const isTerminal = (stream: { isTerminal(): boolean }): boolean => {
  try {
    return stream.isTerminal()
  } catch {
    return false
  }
}

/** All of stdin as text; aborting the signal cancels the read. */
const readStdin = async (signal: AbortSignal): Promise<string> => {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader()
  const onAbort = () => void reader.cancel().catch(() => undefined)
  signal.addEventListener("abort", onAbort, { once: true })
  try {
    let text = ""
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return text
      text += value
    }
  } finally {
    signal.removeEventListener("abort", onAbort)
    reader.releaseLock()
  }
}

/**
 * The process port and Deno's ports for the shared CLI (no account pool on Deno yet: `--account` is refused).
 *
 * @since 0.1.0
 * @category runtime
 */
export const runtime: Cli.Runtime = {
  platform,
  process: {
    stdinIsTerminal: () => isTerminal(Deno.stdin),
    stdoutIsTerminal: () => isTerminal(Deno.stdout),
    stderrIsTerminal: () => isTerminal(Deno.stderr),
    readStdin,
    writeStdout: (text) => writeAll(Deno.stdout, text),
    writeStderr: (text) => writeAll(Deno.stderr, text)
  }
}

const notFound = (method: string, path: string) =>
  new PlatformError.SystemError({ module: "FileSystem", method, reason: "NotFound", pathOrDescriptor: path })

/**
 * The file system @effect/cli needs to check `--codex-home` and `--pool`: existence and type, through `Deno.stat`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileSystem: Layer.Layer<FileSystem.FileSystem> = FileSystem.layerNoop({
  exists: (path) => Effect.promise(() => Deno.stat(path).then(() => true, () => false)),
  stat: (path) =>
    Effect.tryPromise({ try: () => Deno.stat(path), catch: () => notFound("stat", path) }).pipe(
      Effect.map((info): FileSystem.File.Info => ({
        type: info.isFile ? "File" : info.isDirectory ? "Directory" : info.isSymlink ? "SymbolicLink" : "Unknown",
        mtime: Option.fromNullable(info.mtime),
        atime: Option.fromNullable(info.atime),
        birthtime: Option.fromNullable(info.birthtime),
        dev: info.dev,
        ino: Option.fromNullable(info.ino),
        mode: info.mode ?? 0,
        nlink: Option.fromNullable(info.nlink),
        uid: Option.fromNullable(info.uid),
        gid: Option.fromNullable(info.gid),
        rdev: Option.fromNullable(info.rdev),
        size: FileSystem.Size(info.size),
        blksize: Option.map(Option.fromNullable(info.blksize), FileSystem.Size),
        blocks: Option.fromNullable(info.blocks)
      }))
    )
})

/**
 * What @effect/cli needs besides the commands: the file system, paths and the stderr terminal.
 *
 * @since 0.1.0
 * @category layers
 */
export const environment: Layer.Layer<CliApp.CliApp.Environment> = Layer.mergeAll(
  layerFileSystem,
  Path.layer,
  DenoTerminal.layer
)

/**
 * The root command.
 *
 * @since 0.1.0
 * @category commands
 */
export const root: Command.Command<
  "codex-auth",
  Cli.CliRuntime,
  Cli.ExitWith,
  { readonly subcommand: Option.Option<Cli.CommonArgs | Cli.LogoutArgs | Cli.LoginArgs> }
> = Command.make("codex-auth").pipe(
  Command.withDescription(Cli.description),
  Command.withSubcommands(Cli.commands)
)

/**
 * Runs the CLI on these arguments (without the executable and script); resolves with the exit code. SIGINT and
 * SIGTERM interrupt the command (exit code 130).
 *
 * @since 0.1.0
 * @category running
 */
export const main = (args: ReadonlyArray<string>): Promise<number> =>
  new Promise((resolve) => {
    const fiber = Effect.runFork(Cli.run(root, { argv: ["deno", "codex-auth", ...args], runtime, environment }))
    const signals: ReadonlyArray<Deno.Signal> = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"]
    const onSignal = () => {
      for (const signal of signals) Deno.removeSignalListener(signal, onSignal)
      fiber.unsafeInterruptAsFork(fiber.id())
    }
    for (const signal of signals) Deno.addSignalListener(signal, onSignal)
    fiber.addObserver((exit) => {
      for (const signal of signals) {
        try {
          Deno.removeSignalListener(signal, onSignal)
        } catch {
          // Already removed by the signal itself.
        }
      }
      resolve(Cli.exitCode(exit, runtime))
    })
  })
