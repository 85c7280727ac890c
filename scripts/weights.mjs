// Updates test/weights.json (each test file's seconds in a vitest JSON report) from one or more reports, so that
// `npm test` can split the files into shards of about equal length (test/support/sequencer.ts).
// Usage: node scripts/weights.mjs .cache/vitest-1.json .cache/vitest-2.json
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { relative, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const target = resolve(root, "test/weights.json")
// Files the reports do not cover (one shard's report, a partial run) keep their weights; removed files drop out.
const weights = Object.fromEntries(
  Object.entries(existsSync(target) ? JSON.parse(readFileSync(target, "utf8")) : {}).filter(([file]) =>
    existsSync(resolve(root, file))
  )
)
for (const report of process.argv.slice(2)) {
  for (const file of JSON.parse(readFileSync(report, "utf8")).testResults) {
    // A report from another clone names its files under that clone's root: keep the shortest tail that is a file here.
    const parts = file.name.split("/")
    const tails = parts.map((_, i) => parts.slice(i).join("/")).reverse()
    const name = tails.find((tail) => existsSync(resolve(root, tail))) ?? relative(root, file.name)
    weights[name] = Math.max(1, Math.round((file.endTime - file.startTime) / 1000))
  }
}
const sorted = Object.fromEntries(Object.entries(weights).sort(([a], [b]) => (a < b ? -1 : 1)))
writeFileSync(target, JSON.stringify(sorted, null, 2) + "\n")
console.log(
  `test/weights.json: ${Object.keys(sorted).length} files, ${Object.values(sorted).reduce((a, b) => a + b, 0)} s`
)
