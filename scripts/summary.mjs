// Prints one closing line for the whole run ("N passed, N failed") from vitest's JSON report and deno's output.
import { readFileSync } from "node:fs"

const [vitestJson, denoLog] = process.argv.slice(2)
const vitest = JSON.parse(readFileSync(vitestJson, "utf8"))
// eslint-disable-next-line no-control-regex
const deno = readFileSync(denoLog, "utf8").replace(/\x1b\[[0-9;]*m/g, "")
const match = /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps\))? \| (\d+) failed/.exec(deno)
const denoPassed = match ? Number(match[1]) : 0
const denoFailed = match ? Number(match[3]) : 1
console.log(
  `vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed, ${vitest.numPendingTests} skipped`
)
console.log(`deno: ${denoPassed} passed, ${denoFailed} failed`)
const passed = vitest.numPassedTests + denoPassed
const failed = vitest.numFailedTests + denoFailed
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
