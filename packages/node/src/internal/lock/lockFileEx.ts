// The Windows form of the lock the Codex CLI takes on CODEX_HOME\auth.lock: `LockFileEx` (exclusive, fail
// immediately) over the whole file, on a handle from `CreateFileW`, through koffi's win32 prebuilt. Rust's
// `File::try_lock` (what Codex uses) locks the same range with the same call, so the two exclude each other. Node's
// descriptors live in its statically linked C runtime, out of koffi's reach, so the lock opens its own handle.
import { createRequire } from "node:module"

const GENERIC_READ = 0x8000_0000
const GENERIC_WRITE = 0x4000_0000
// Read, write and delete sharing, as Rust's OpenOptions opens files: Codex can open the file while we hold it.
const FILE_SHARE_ALL = 0x1 | 0x2 | 0x4
const OPEN_ALWAYS = 4
const FILE_ATTRIBUTE_NORMAL = 0x80
const FILE_FLAG_OPEN_REPARSE_POINT = 0x0020_0000 // never follow a planted link
const LOCKFILE_FAIL_IMMEDIATELY = 0x1
const LOCKFILE_EXCLUSIVE_LOCK = 0x2
const ERROR_LOCK_VIOLATION = 33
const ERROR_IO_PENDING = 997
const INVALID_HANDLE_VALUE = -1
const OVERLAPPED_SIZE = 32 // x64

interface Kernel32 {
  readonly CreateFileW: (
    name: string,
    access: number,
    share: number,
    security: null,
    disposition: number,
    flags: number,
    template: number
  ) => number
  readonly LockFileEx: (
    handle: number,
    flags: number,
    reserved: number,
    low: number,
    high: number,
    overlapped: Uint8Array
  ) => number
  readonly UnlockFileEx: (handle: number, reserved: number, low: number, high: number, overlapped: Uint8Array) => number
  readonly CloseHandle: (handle: number) => number
  readonly GetLastError: () => number
}

let kernel32: Kernel32 | undefined

const load = (): Kernel32 => {
  if (kernel32 !== undefined) return kernel32
  const koffi = createRequire(import.meta.url)("koffi") as {
    load: (path: string) => { func: (signature: string) => (...args: Array<any>) => any }
  }
  const library = koffi.load("kernel32.dll")
  kernel32 = {
    CreateFileW: library.func(
      "intptr_t __stdcall CreateFileW(str16 name, uint32_t access, uint32_t share, void *security, uint32_t disposition, uint32_t flags, intptr_t template)"
    ),
    LockFileEx: library.func(
      "int __stdcall LockFileEx(intptr_t handle, uint32_t flags, uint32_t reserved, uint32_t low, uint32_t high, void *overlapped)"
    ),
    UnlockFileEx: library.func(
      "int __stdcall UnlockFileEx(intptr_t handle, uint32_t reserved, uint32_t low, uint32_t high, void *overlapped)"
    ),
    CloseHandle: library.func("int __stdcall CloseHandle(intptr_t handle)"),
    GetLastError: library.func("uint32_t __stdcall GetLastError()")
  }
  return kernel32
}

/** A handle on the lock file, created when absent. Throws with the Windows error code when it cannot be opened. */
export const open = (path: string): number => {
  const { CreateFileW, GetLastError } = load()
  const handle = CreateFileW(
    path,
    GENERIC_READ | GENERIC_WRITE,
    FILE_SHARE_ALL,
    null,
    OPEN_ALWAYS,
    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
    0
  )
  if (handle === INVALID_HANDLE_VALUE || handle === 0) {
    throw new Error(`CreateFileW failed (Windows error ${GetLastError()})`)
  }
  return handle
}

export type TryLockResult = "locked" | "busy" | { readonly errno: number }

/** One non-blocking attempt over the whole file (offset 0, length 2^64 - 1, as Rust's `try_lock`). */
export const tryLockExclusive = (handle: number): TryLockResult => {
  const { GetLastError, LockFileEx } = load()
  const overlapped = new Uint8Array(OVERLAPPED_SIZE)
  if (
    LockFileEx(handle, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 0xffff_ffff, 0xffff_ffff, overlapped)
  ) {
    return "locked"
  }
  const code = GetLastError()
  return code === ERROR_LOCK_VIOLATION || code === ERROR_IO_PENDING ? "busy" : { errno: code }
}

export const unlock = (handle: number): void => {
  load().UnlockFileEx(handle, 0, 0xffff_ffff, 0xffff_ffff, new Uint8Array(OVERLAPPED_SIZE))
}

export const close = (handle: number): void => {
  load().CloseHandle(handle)
}
