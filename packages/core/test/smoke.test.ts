import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

it.effect("smoke", () => Effect.sync(() => assert.strictEqual(1 + 1, 2)))
