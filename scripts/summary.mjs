// Prints one closing line for the whole run ("N passed, N failed") from deno's output and vitest's JSON reports (one
// per shard).
import { readFileSync } from "node:fs"

const [denoLog, ...vitestJsons] = process.argv.slice(2)
const reports = vitestJsons.map((file) => JSON.parse(readFileSync(file, "utf8")))
const count = (key) => reports.reduce((sum, report) => sum + report[key], 0)
// The shards print one after another: name every failed test again here, at the end, where a reader looks first.
for (const file of reports.flatMap((report) => report.testResults)) {
  for (const test of file.assertionResults.filter((test) => test.status === "failed")) {
    const first = (test.failureMessages[0] ?? "").split("\n")[0]
    console.log(`FAILED ${file.name} > ${test.fullName}\n  ${first}`)
  }
}
const vitest = {
  numPassedTests: count("numPassedTests"),
  numFailedTests: count("numFailedTests"),
  numPendingTests: count("numPendingTests")
}
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
