import type { Strategy } from "../../AccountPoolConfig.ts"

/** What the selection needs to know of one account. */
export interface Candidate {
  readonly name: string
  readonly usable: boolean
  /** Epoch ms of the last reported limit, undefined when never limited. */
  readonly lastLimitedAt: number | undefined
}

/**
 * The usable accounts in the order to try them. `cursor` is the round-robin position: the index (in config order)
 * of the account to try first.
 */
export const order = (
  strategy: Strategy,
  candidates: ReadonlyArray<Candidate>,
  cursor: number
): ReadonlyArray<string> => {
  const indexed = candidates.map((candidate, index) => ({ candidate, index })).filter((c) => c.candidate.usable)
  switch (strategy) {
    case "fill-first":
      return indexed.map((c) => c.candidate.name)
    case "round-robin": {
      const n = candidates.length
      const start = n === 0 ? 0 : ((cursor % n) + n) % n
      return [...indexed].sort((a, b) => ((a.index - start + n) % n) - ((b.index - start + n) % n)).map((c) =>
        c.candidate.name
      )
    }
    case "least-recently-limited":
      return [...indexed].sort((a, b) => {
        const la = a.candidate.lastLimitedAt ?? Number.NEGATIVE_INFINITY
        const lb = b.candidate.lastLimitedAt ?? Number.NEGATIVE_INFINITY
        return la === lb ? a.index - b.index : la - lb
      }).map((c) => c.candidate.name)
  }
}
