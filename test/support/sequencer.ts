// Splits the test files into shards of about equal length for `npm test`, which runs each shard in a network
// namespace of its own (scripts/test.sh), so tests that need a fixed port (the loopback callback's 1455) never meet.
// vitest's own split takes equal numbers of files by hash: on this suite that gave shards of 1,004 s and 508 s.
// Each file weighs its seconds in test/weights.json (`node scripts/weights.mjs <vitest JSON reports>` refreshes it);
// a file not listed yet weighs the median. The heaviest go first, each to the lightest shard so far.
import { readFileSync } from "node:fs"
import { relative, resolve } from "node:path"
import type { TestSpecification } from "vitest/node"
import { BaseSequencer } from "vitest/node"

const weights: Record<string, number> = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "../weights.json"), "utf8")
)

export const split = (
  files: ReadonlyArray<string>,
  count: number,
  weight: (file: string) => number
): ReadonlyArray<ReadonlyArray<string>> => {
  const shards = Array.from({ length: count }, () => ({ files: [] as Array<string>, load: 0 }))
  const order = [...files].sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : a > b ? 1 : 0))
  for (const file of order) {
    const lightest = shards.reduce((min, shard) => (shard.load < min.load ? shard : min))
    lightest.files.push(file)
    lightest.load += weight(file)
  }
  return shards.map((shard) => shard.files)
}

export default class WeightedSequencer extends BaseSequencer {
  override async shard(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const { count, index } = this.ctx.config.shard!
    const root = this.ctx.config.root
    const name = (spec: TestSpecification) => relative(root, spec.moduleId)
    const known = Object.values(weights).sort((a, b) => a - b)
    const median = known[Math.floor(known.length / 2)] ?? 1
    const chosen = new Set(split(files.map(name), count, (file) => weights[file] ?? median)[index - 1])
    return files.filter((spec) => chosen.has(name(spec)))
  }
}
