// node test/windows/forwarder-dll.mjs <out.dll> <dllName> <export>=<dll.function>...: writes a PE32+ (x64) DLL
// holding only export forwarders (no code, no imports, no relocations); the loader resolves each export in the DLL it
// names. scripts/setup-wine.sh uses it to give Wine 8 the bcryptprimitives.dll (ProcessPrng) that @napi-rs/keyring needs.
import { Buffer } from "node:buffer"
import * as Fs from "node:fs"
const [out, dllName, ...pairs] = process.argv.slice(2)
const exportsList = pairs.map((pair) => pair.split("=")).sort(([a], [b]) => (a < b ? -1 : 1))
const rva = 0x1000, fileAlign = 0x200, sectAlign = 0x1000
// .edata: directory, address table, name pointers, ordinals, then strings.
const n = exportsList.length
let off = 40
const eat = off
off += 4 * n
const names = off
off += 4 * n
const ords = off
off += 2 * n
const strings = []
const addString = (s) => {
  const at = off
  strings.push([at, s])
  off += Buffer.byteLength(s) + 1
  return at
}
const dllNameAt = addString(dllName)
const entries = exportsList.map(([name, target]) => ({ nameAt: addString(name), targetAt: addString(target) }))
const edataSize = off
const raw = Buffer.alloc(Math.ceil(edataSize / fileAlign) * fileAlign)
raw.writeUInt32LE(rva + dllNameAt, 12) // Name
raw.writeUInt32LE(1, 16) // Base
raw.writeUInt32LE(n, 20) // NumberOfFunctions
raw.writeUInt32LE(n, 24) // NumberOfNames
raw.writeUInt32LE(rva + eat, 28)
raw.writeUInt32LE(rva + names, 32)
raw.writeUInt32LE(rva + ords, 36)
entries.forEach(({ nameAt, targetAt }, i) => {
  raw.writeUInt32LE(rva + targetAt, eat + 4 * i) // inside the export directory: a forwarder
  raw.writeUInt32LE(rva + nameAt, names + 4 * i)
  raw.writeUInt16LE(i, ords + 2 * i)
})
for (const [at, s] of strings) raw.write(s + "\0", at, "latin1")

const headers = Buffer.alloc(fileAlign)
headers.write("MZ", 0, "latin1")
headers.writeUInt32LE(0x40, 0x3c)
headers.write("PE\0\0", 0x40, "latin1")
let p = 0x44
headers.writeUInt16LE(0x8664, p) // Machine: x64
headers.writeUInt16LE(1, p + 2) // NumberOfSections
headers.writeUInt16LE(240, p + 16) // SizeOfOptionalHeader
headers.writeUInt16LE(0x2022, p + 18) // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL
p += 20
const opt = p
headers.writeUInt16LE(0x20b, opt) // PE32+
headers.writeUInt8(14, opt + 2)
headers.writeUInt32LE(raw.length, opt + 8) // SizeOfInitializedData
headers.writeUInt32LE(0, opt + 16) // AddressOfEntryPoint: none
headers.writeUInt32LE(rva, opt + 20) // BaseOfCode
headers.writeBigUInt64LE(0x180000000n, opt + 24) // ImageBase
headers.writeUInt32LE(sectAlign, opt + 32)
headers.writeUInt32LE(fileAlign, opt + 36)
headers.writeUInt16LE(6, opt + 40) // MajorOperatingSystemVersion
headers.writeUInt16LE(6, opt + 48) // MajorSubsystemVersion
headers.writeUInt32LE(rva + Math.ceil(edataSize / sectAlign) * sectAlign, opt + 56) // SizeOfImage
headers.writeUInt32LE(fileAlign, opt + 60) // SizeOfHeaders
headers.writeUInt16LE(3, opt + 68) // Subsystem: console
headers.writeUInt16LE(0x100, opt + 70) // NX_COMPAT
headers.writeBigUInt64LE(0x100000n, opt + 72)
headers.writeBigUInt64LE(0x1000n, opt + 80)
headers.writeBigUInt64LE(0x100000n, opt + 88)
headers.writeBigUInt64LE(0x1000n, opt + 96)
headers.writeUInt32LE(16, opt + 108) // NumberOfRvaAndSizes
headers.writeUInt32LE(rva, opt + 112) // export directory
headers.writeUInt32LE(edataSize, opt + 116)
const sect = opt + 240
headers.write(".edata", sect, "latin1")
headers.writeUInt32LE(edataSize, sect + 8) // VirtualSize
headers.writeUInt32LE(rva, sect + 12)
headers.writeUInt32LE(raw.length, sect + 16) // SizeOfRawData
headers.writeUInt32LE(fileAlign, sect + 20) // PointerToRawData
headers.writeUInt32LE(0x40000040, sect + 36) // INITIALIZED_DATA | MEM_READ
Fs.writeFileSync(out, Buffer.concat([headers, raw]))
