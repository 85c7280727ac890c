import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { split } from "../support/sequencer.js"

describe("the shards npm test runs", () => {
  it("every file lands in exactly one shard, and the heaviest files spread out", () => {
    const weights: Record<string, number> = { a: 150, b: 130, c: 120, d: 90, e: 5, f: 5, g: 1, h: 1 }
    const shards = split(Object.keys(weights), 2, (file) => weights[file]!)
    assert.deepStrictEqual([...shards.flat()].sort(), Object.keys(weights).sort())
    const loads = shards.map((files) => files.reduce((sum, file) => sum + weights[file]!, 0))
    assert.deepStrictEqual(loads, [251, 251])
    assert.deepStrictEqual(split(["x", "y"], 3, () => 1).map((files) => files.length), [1, 1, 0])
  })

  it("test/weights.json names only files that exist, and weighs them in whole seconds", () => {
    const weights: Record<string, number> = JSON.parse(Fs.readFileSync("test/weights.json", "utf8"))
    assert.isAbove(Object.keys(weights).length, 50)
    for (const [file, seconds] of Object.entries(weights)) {
      assert.isTrue(
        Fs.existsSync(Path.resolve(file)),
        `${file} is in test/weights.json but not in the repository: run node scripts/weights.mjs (it drops removed files)`
      )
      assert.isTrue(Number.isInteger(seconds) && seconds >= 1, file)
    }
  })
})
