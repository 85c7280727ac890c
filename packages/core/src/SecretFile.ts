/**
 * Port: the few file operations credentials need — read, atomic write with a mode, remove, ensure a directory, and
 * an exclusive cross-process lock compatible with the Codex CLI's `flock(CODEX_HOME/auth.lock, LOCK_EX)`.
 * The runtime packages implement it (Node: its fs module + libc `flock`; Deno: its FsFile lock); `layerMemory` is an
 * in-process implementation for tests.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as hints from "./internal/store/fileErrorHints.ts"
import * as internal from "./internal/store/memorySecretFile.ts"

/**
 * The operation that failed.
 *
 * @since 0.1.0
 * @category models
 */
export const Operation: Schema.Literal<["read", "write", "remove", "stat", "mkdir", "lock", "realpath"]> = Schema
  .Literal("read", "write", "remove", "stat", "mkdir", "lock", "realpath")

/**
 * @since 0.1.0
 * @category models
 */
export type Operation = typeof Operation.Type

/**
 * The reason `read` fails with for a file that is not UTF-8 text.
 *
 * @since 0.1.0
 * @category models
 */
export const notUtf8Reason: string = hints.notUtf8

/**
 * The reason `read` and `lock` fail with when a pipe, device or socket is at the path.
 *
 * @since 0.1.0
 * @category models
 */
export const notRegularFileReason: string = hints.notRegularFile

/**
 * The reason `read` fails with for a file larger than its bound.
 *
 * @since 0.1.0
 * @category models
 */
export const tooLargeReason = (maxBytes: number): string => `${hints.tooLargePrefix} ${maxBytes} bytes`

/**
 * The size bound of `read` when none is given: 1 MiB, far above any `auth.json`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxReadBytes: number = 1024 * 1024

/**
 * What to do next after a file operation failed with `reason` (a system error code such as `ENOSPC`, or one of this
 * module's reasons): the hint every file error message ends with.
 *
 * @since 0.1.0
 * @category models
 */
export const hintFor: (operation: string, reason: string) => string = hints.hintFor

/**
 * A file operation failed. `reason` is the system's error code or a short description — never file contents.
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretFileError extends Schema.TaggedError<SecretFileError>("@codex-auth/core/SecretFileError")(
  "SecretFileError",
  { operation: Operation, path: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `Could not ${this.operation} ${this.path}: ${this.reason}. ${hints.hintFor(this.operation, this.reason)}`
  }
}

/**
 * What `stat` reports.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileInfo {
  readonly type: "file" | "directory" | "other"
  /** Permission bits (e.g. `0o600`). */
  readonly mode: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LockOptions {
  /** Give up waiting after this many milliseconds. Default 30 000. */
  readonly timeoutMillis?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace SecretFile {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /**
     * The file's text; none when it does not exist. Follows a symbolic link. Bounded: a file larger than `maxBytes`
     * (default {@link defaultMaxReadBytes}) fails at once ({@link tooLargeReason}), as do a pipe, device or socket
     * ({@link notRegularFileReason}, never blocking on a FIFO) and bytes that are not UTF-8 ({@link notUtf8Reason}).
     */
    readonly read: (
      path: string,
      options?: { readonly maxBytes?: number | undefined }
    ) => Effect.Effect<Option.Option<string>, SecretFileError>
    /**
     * Replaces the file atomically: a temporary file created exclusively (`O_EXCL`) with `mode` in the same
     * directory, written, flushed to disk, then renamed over `path`. A crash leaves the old or the new file. When
     * `path` is a symbolic link, the file it points to is replaced (in that file's directory), as Codex does, and the
     * link stays a link.
     */
    readonly writeAtomic: (
      path: string,
      text: string,
      options: { readonly mode: number }
    ) => Effect.Effect<void, SecretFileError>
    /** The file's bytes, for binary files (Codex's encrypted `secrets/*.age`); none when it does not exist. */
    readonly readBytes: (path: string) => Effect.Effect<Option.Option<Uint8Array>, SecretFileError>
    /** `writeAtomic` for bytes: the same temporary, flush and rename. */
    readonly writeAtomicBytes: (
      path: string,
      bytes: Uint8Array,
      options: { readonly mode: number }
    ) => Effect.Effect<void, SecretFileError>
    /**
     * Removes what interrupted `writeAtomic(path, …)` calls left in `path`'s directory: files named as this port
     * names its temporaries (`isTemporaryOf`), nothing else (never the Codex CLI's `.auth-XXXXXX`). Returns how many
     * were removed. Call it only while holding the lock every writer of `path` takes, so none is mid-write.
     */
    readonly removeTemporaries: (path: string) => Effect.Effect<number, SecretFileError>
    /**
     * Rewrites an existing regular file in place (no new file, no rename: the blocks it already holds are reused, so a
     * file reserved ahead can be written on a full disk), truncated to `text` and flushed to disk. Never follows a
     * final symlink; fails when `path` does not exist.
     */
    readonly overwrite: (path: string, text: string) => Effect.Effect<void, SecretFileError>
    /** Removes the file; `false` when there was none. */
    readonly remove: (path: string) => Effect.Effect<boolean, SecretFileError>
    /** None when nothing exists at `path`. */
    readonly stat: (path: string) => Effect.Effect<Option.Option<FileInfo>, SecretFileError>
    /** Creates the directory (and its parents) with `mode` when missing. */
    readonly ensureDirectory: (path: string, options: { readonly mode: number }) => Effect.Effect<void, SecretFileError>
    /** The canonical absolute path (symlinks resolved). */
    readonly realPath: (path: string) => Effect.Effect<string, SecretFileError>
    /** Joins path segments with the platform's separator. */
    readonly join: (...segments: ReadonlyArray<string>) => string
    /**
     * Holds an exclusive lock on `path` (created when missing) until the scope closes. Across processes it is a
     * `flock(LOCK_EX)`, the lock the Codex CLI takes; it never blocks the event loop (polled with back-off). A
     * symbolic link at `path` is refused (`ELOOP`), never followed, and so is anything but a regular file (a FIFO
     * there never blocks the open).
     */
    readonly lock: (path: string, options?: LockOptions) => Effect.Effect<void, SecretFileError, Scope.Scope>
  }
}

/**
 * The name `writeAtomic` gives the temporary file it writes `fileName` through: `.{fileName}.{6 hex digits}`
 * (`.auth.json.3fa09c`, 17 characters), so a `CODEX_HOME` whose path leaves room for `auth.json` and 8 more
 * characters never fails with `ENAMETOOLONG` on the temporary. `randomHex` is 6 lower-case hex digits.
 *
 * @since 0.1.0
 * @category models
 */
export const temporaryName = (fileName: string, randomHex: string): string => `.${fileName}.${randomHex}`

/**
 * A fresh {@link temporaryName} for `fileName`, its 6 hex digits drawn from `crypto.getRandomValues`: what every
 * runtime's `writeAtomic` creates exclusively beside the target (drawing again on the rare collision).
 *
 * @since 0.1.0
 * @category models
 */
export const randomTemporaryName = (fileName: string): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(3))
  return temporaryName(fileName, Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(""))
}

/**
 * Whether `candidate` (a name in the same directory) is a temporary `writeAtomic` made for `fileName`: the current
 * `.{fileName}.{6 hex}` or the `.{fileName}.{12 hex}.tmp` of earlier releases (a killed writer's leftover).
 *
 * @since 0.1.0
 * @category models
 */
export const isTemporaryOf = (fileName: string, candidate: string): boolean => {
  const prefix = `.${fileName}.`
  if (!candidate.startsWith(prefix)) return false
  const rest = candidate.slice(prefix.length)
  return /^[0-9a-f]{6}$/.test(rest) || /^[0-9a-f]{12}\.tmp$/.test(rest)
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SecretFile extends Context.Tag("@codex-auth/core/SecretFile")<SecretFile, SecretFile.Service>() {}

/**
 * Runs `effect` while holding the exclusive lock on `path`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: {
  (
    service: SecretFile.Service,
    path: string,
    options?: LockOptions
  ): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | SecretFileError, Exclude<R, Scope.Scope>>
} = (service, path, options) => (effect) => Effect.scoped(Effect.zipRight(service.lock(path, options), effect))

/**
 * An in-memory file system (for tests): files, directories, modes and locks live in this process only.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemorySecretFile extends SecretFile.Service {
  /** Every path currently present, with its text and mode (files) — for assertions. */
  readonly snapshot: Effect.Effect<ReadonlyMap<string, { readonly text: Option.Option<string>; readonly mode: number }>>
  /** Number of completed `writeAtomic` calls. */
  readonly writes: Effect.Effect<number>
  /** Number of `read` calls (to check that the warm path touches no file). */
  readonly reads: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory: (
  options?: { readonly directories?: ReadonlyArray<string> | undefined }
) => Effect.Effect<MemorySecretFile> = internal.make

/**
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (
  options?: { readonly directories?: ReadonlyArray<string> | undefined }
): Layer.Layer<SecretFile> => Layer.effect(SecretFile, makeMemory(options))

/**
 * Convenience: read a file as an `Option` through the service in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const read = (path: string): Effect.Effect<Option.Option<string>, SecretFileError, SecretFile> =>
  Effect.flatMap(SecretFile, (service) => service.read(path))

/**
 * How a runtime's implementation reads the errors its file-system calls reject with.
 *
 * @since 0.1.0
 * @category models
 */
export interface NativeErrors {
  /** The reason a `SecretFileError` carries: the native error's code or a short description, never file contents. */
  readonly reasonOf: (cause: unknown) => string
  /** Whether `operation` (a read, remove or stat) failed because nothing is at the path: none or `false`, no error. */
  readonly isMissing: (cause: unknown, operation: "read" | "remove" | "stat") => boolean
}

/**
 * Runs one file-system call of a runtime's implementation: a rejection is a `SecretFileError` for `operation` on
 * `path`, its reason what `native.reasonOf` makes of the native error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const attempt = <A>(
  operation: Operation,
  path: string,
  run: () => Promise<A>,
  native: NativeErrors
): Effect.Effect<A, SecretFileError> =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => new SecretFileError({ operation, path, reason: native.reasonOf(cause) })
  })

/** Like `attempt`, but a rejection `native.isMissing` recognises (nothing at `path`) is `onMissing()`. */
const attemptOrMissing = <A, B>(
  operation: "read" | "remove" | "stat",
  path: string,
  run: () => Promise<A>,
  onMissing: () => B,
  native: NativeErrors
): Effect.Effect<A | B, SecretFileError> =>
  Effect.tryPromise({ try: run, catch: (cause) => cause }).pipe(
    Effect.catchAll((cause) =>
      native.isMissing(cause, operation)
        ? Effect.sync(onMissing)
        : Effect.fail(new SecretFileError({ operation, path, reason: native.reasonOf(cause) }))
    )
  )

/**
 * A runtime's file system as {@link makeNative} needs it: calls that reject with the runtime's own errors (read by
 * {@link NativeErrors}), and the runtime's lock.
 *
 * @since 0.1.0
 * @category models
 */
export interface NativeFiles extends NativeErrors {
  /** The file's text, bounded as {@link SecretFile.Service.read} says. */
  readonly readText: (path: string, maxBytes: number) => Promise<string>
  readonly readBytes: (path: string) => Promise<Uint8Array>
  readonly writeAtomic: (path: string, data: string | Uint8Array, mode: number) => Promise<void>
  readonly overwrite: (path: string, text: string) => Promise<void>
  readonly removeTemporaries: (path: string) => Promise<number>
  readonly remove: (path: string) => Promise<void>
  /** What is at `path` (following links); `mode` holds at least the permission bits, `null` where there are none. */
  readonly stat: (
    path: string
  ) => Promise<{ readonly isFile: boolean; readonly isDirectory: boolean; readonly mode: number | null }>
  readonly ensureDirectory: (path: string, mode: number) => Promise<unknown>
  readonly realPath: (path: string) => Promise<string>
  readonly join: (...segments: ReadonlyArray<string>) => string
  readonly lock: SecretFile.Service["lock"]
}

/**
 * The port over a runtime's file system: each call's rejection a `SecretFileError` (a missing file none or
 * `false` where the port says so), the same on every runtime.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNative = (native: NativeFiles): SecretFile.Service => ({
  read: (path, options) =>
    attemptOrMissing(
      "read",
      path,
      () => native.readText(path, options?.maxBytes ?? defaultMaxReadBytes).then(Option.some),
      Option.none,
      native
    ),
  writeAtomic: (path, text, { mode }) => attempt("write", path, () => native.writeAtomic(path, text, mode), native),
  overwrite: (path, text) => attempt("write", path, () => native.overwrite(path, text), native),
  readBytes: (path) =>
    attemptOrMissing("read", path, () => native.readBytes(path).then(Option.some), Option.none, native),
  writeAtomicBytes: (path, bytes, { mode }) =>
    attempt("write", path, () => native.writeAtomic(path, bytes, mode), native),
  removeTemporaries: (path) => attempt("remove", path, () => native.removeTemporaries(path), native),
  remove: (path) => attemptOrMissing("remove", path, () => native.remove(path).then(() => true), () => false, native),
  stat: (path) =>
    attemptOrMissing(
      "stat",
      path,
      () =>
        native.stat(path).then((info) =>
          Option.some<FileInfo>({
            type: info.isFile ? "file" : info.isDirectory ? "directory" : "other",
            mode: (info.mode ?? 0) & 0o777
          })
        ),
      Option.none,
      native
    ),
  ensureDirectory: (path, { mode }) =>
    Effect.asVoid(attempt("mkdir", path, () => native.ensureDirectory(path, mode), native)),
  realPath: (path) => attempt("realpath", path, () => native.realPath(path), native),
  join: native.join,
  lock: native.lock
})

const liveClock = Clock.make()

// 2 ms doubling, capped at 50 ms (`either` keeps the shorter delay), jittered so waiters do not poll in lockstep.
const lockPollSchedule = Schedule.exponential(Duration.millis(2), 2).pipe(
  Schedule.either(Schedule.spaced(Duration.millis(50))),
  Schedule.jittered
)

/**
 * Polls a non-blocking lock attempt (`true` = acquired, `false` = held elsewhere) until it succeeds or
 * `timeoutMillis` pass: what every runtime's {@link SecretFile.Service.lock} does around its own `flock`, so a
 * waiting process never blocks its event loop. The holder is another process on the wall clock, so it polls on the
 * real clock even under a `TestClock`.
 *
 * @since 0.1.0
 * @category lock
 */
export const pollLock = (
  path: string,
  tryOnce: Effect.Effect<boolean, SecretFileError>,
  timeoutMillis: number
): Effect.Effect<void, SecretFileError> =>
  Effect.flatMap(tryOnce, (locked) => locked ? Effect.void : Effect.fail("busy" as const)).pipe(
    Effect.retry({ schedule: lockPollSchedule, while: (error) => error === "busy" }),
    Effect.timeoutFail({
      duration: Duration.millis(timeoutMillis),
      onTimeout: () =>
        new SecretFileError({
          operation: "lock",
          path,
          reason: `still held by another process after ${timeoutMillis} ms`
        })
    }),
    Effect.catchIf(
      (error): error is "busy" => error === "busy",
      () => Effect.fail(new SecretFileError({ operation: "lock", path, reason: "held by another process" }))
    ),
    Effect.withClock(liveClock)
  )
