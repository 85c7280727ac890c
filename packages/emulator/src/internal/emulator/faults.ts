// Fault injection: the next matching fault for a request is taken (and counted down) here; `reply.ts` renders it.
import * as Ref from "effect/Ref"
import { type Shared } from "./state.ts"

export type Faults = ReturnType<typeof make>

export const make = (shared: Shared) => {
  const { state } = shared
  const takeFault = (path: string, grantType: string | undefined) =>
    Ref.modify(state, (s) => {
      const index = s.faults.findIndex((f) =>
        f.fault.path === path && (f.fault.grantType === undefined || f.fault.grantType === grantType)
      )
      if (index < 0) return [undefined, s] as const
      const active = s.faults[index]!
      const faults = [...s.faults]
      if (active.remaining <= 1) faults.splice(index, 1)
      else faults[index] = { ...active, remaining: active.remaining - 1 }
      return [active.fault, { ...s, faults }] as const
    })
  return { takeFault }
}
