import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { MemorySecretFile } from "../../SecretFile.ts"
import { isTemporaryOf, SecretFileError } from "../../SecretFile.ts"

type Node =
  | { readonly kind: "file"; readonly text: string; readonly mode: number }
  | { readonly kind: "directory"; readonly mode: number }

const normalize = (path: string): string => {
  const parts: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") parts.pop()
    else parts.push(part)
  }
  return "/" + parts.join("/")
}

const parentOf = (path: string): string => {
  const index = path.lastIndexOf("/")
  return index <= 0 ? "/" : path.slice(0, index)
}

export const make = (
  options?: { readonly directories?: ReadonlyArray<string> | undefined }
): Effect.Effect<MemorySecretFile> =>
  Effect.sync(() => {
    const nodes = new Map<string, Node>([["/", { kind: "directory", mode: 0o755 }]])
    const locks = new Map<string, Effect.Semaphore>()
    let writes = 0
    let reads = 0

    const mkdirp = (path: string, mode: number): void => {
      const normalized = normalize(path)
      if (nodes.has(normalized)) return
      mkdirp(parentOf(normalized), 0o755)
      nodes.set(normalized, { kind: "directory", mode })
    }
    for (const directory of options?.directories ?? []) mkdirp(directory, 0o700)

    const fail = (operation: SecretFileError["operation"], path: string, reason: string) =>
      new SecretFileError({ operation, path, reason })

    const semaphore = (path: string): Effect.Semaphore => {
      const existing = locks.get(path)
      if (existing !== undefined) return existing
      const created = Effect.unsafeMakeSemaphore(1)
      locks.set(path, created)
      return created
    }

    const service: MemorySecretFile = {
      read: (path) =>
        Effect.suspend(() => {
          reads++
          const node = nodes.get(normalize(path))
          if (node === undefined) return Effect.succeed(Option.none())
          if (node.kind === "directory") return Effect.fail(fail("read", path, "EISDIR"))
          return Effect.succeed(Option.some(node.text))
        }),
      readBytes: (path) =>
        Effect.map(service.read(path), Option.map((text) => Uint8Array.from(text, (char) => char.charCodeAt(0)))),
      writeAtomicBytes: (path, bytes, { mode }) =>
        // Bytes are kept as a latin-1 string (one char per byte): `read` of a binary file is not meaningful.
        service.writeAtomic(path, Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""), { mode }),
      writeAtomic: (path, text, { mode }) =>
        Effect.suspend(() => {
          const normalized = normalize(path)
          const parent = nodes.get(parentOf(normalized))
          if (parent === undefined || parent.kind !== "directory") {
            return Effect.fail(fail("write", path, "ENOENT"))
          }
          if (nodes.get(normalized)?.kind === "directory") return Effect.fail(fail("write", path, "EISDIR"))
          nodes.set(normalized, { kind: "file", text, mode })
          writes++
          return Effect.void
        }),
      overwrite: (path, text) =>
        Effect.suspend(() => {
          const normalized = normalize(path)
          const node = nodes.get(normalized)
          if (node === undefined) return Effect.fail(fail("write", path, "ENOENT"))
          if (node.kind !== "file") return Effect.fail(fail("write", path, "EISDIR"))
          nodes.set(normalized, { ...node, text })
          writes++
          return Effect.void
        }),
      removeTemporaries: (path) =>
        Effect.sync(() => {
          const normalized = normalize(path)
          const directory = parentOf(normalized)
          const fileName = normalized.slice(normalized.lastIndexOf("/") + 1)
          let removed = 0
          for (const [candidate, node] of nodes) {
            if (node.kind !== "file" || parentOf(candidate) !== directory) continue
            if (!isTemporaryOf(fileName, candidate.slice(candidate.lastIndexOf("/") + 1))) continue
            nodes.delete(candidate)
            removed++
          }
          return removed
        }),
      remove: (path) =>
        Effect.suspend(() => {
          const normalized = normalize(path)
          const node = nodes.get(normalized)
          if (node === undefined) return Effect.succeed(false)
          if (node.kind === "directory") return Effect.fail(fail("remove", path, "EISDIR"))
          nodes.delete(normalized)
          return Effect.succeed(true)
        }),
      stat: (path) =>
        Effect.sync(() =>
          Option.map(Option.fromNullable(nodes.get(normalize(path))), (node) => ({ type: node.kind, mode: node.mode }))
        ),
      ensureDirectory: (path, { mode }) =>
        Effect.suspend(() => {
          const existing = nodes.get(normalize(path))
          if (existing !== undefined && existing.kind !== "directory") {
            return Effect.fail(fail("mkdir", path, "EEXIST (not a directory)"))
          }
          mkdirp(path, mode)
          return Effect.void
        }),
      realPath: (path) =>
        Effect.suspend(() => {
          const normalized = normalize(path)
          return nodes.has(normalized) ? Effect.succeed(normalized) : Effect.fail(fail("realpath", path, "ENOENT"))
        }),
      join: (...segments) => normalize(segments.join("/")),
      lock: (path, lockOptions): Effect.Effect<void, SecretFileError, Scope.Scope> => {
        const normalized = normalize(path)
        const timeoutMillis = lockOptions?.timeoutMillis ?? 30_000
        return Effect.suspend(() => {
          const parent = nodes.get(parentOf(normalized))
          if (parent === undefined) return Effect.fail(fail("lock", path, "ENOENT"))
          if (!nodes.has(normalized)) nodes.set(normalized, { kind: "file", text: "", mode: 0o600 })
          const lock = semaphore(normalized)
          return Effect.acquireRelease(
            lock.take(1).pipe(
              Effect.timeoutFail({
                duration: timeoutMillis,
                onTimeout: () => fail("lock", path, `still held by someone else after ${timeoutMillis} ms`)
              })
            ),
            () => lock.release(1)
          ).pipe(Effect.asVoid)
        })
      },
      snapshot: Effect.sync(() => {
        const out = new Map<string, { readonly text: Option.Option<string>; readonly mode: number }>()
        for (const [path, node] of nodes) {
          out.set(path, { text: node.kind === "file" ? Option.some(node.text) : Option.none(), mode: node.mode })
        }
        return out
      }),
      writes: Effect.sync(() => writes),
      reads: Effect.sync(() => reads)
    }
    return service
  })
