/**
 * The facade over the Effect runtime (`@codex-auth/facade/Facade`) with Node's ports. `CodexAuth.open` loads this
 * module only when the fast path cannot serve (see internal/fast/facade.ts), so an embedder that only reads a fresh
 * token never loads Effect.
 */
import * as Facade from "@codex-auth/facade/Facade"
import type { CodexAuth, OpenOptions } from "../../CodexAuth.ts"
import { platform } from "../../NodePlatform.ts"

export const open = (options: OpenOptions = {}): Promise<CodexAuth> => Facade.open(platform, options)
