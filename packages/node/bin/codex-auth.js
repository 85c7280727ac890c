#!/usr/bin/env node
// The `codex-auth` command. A committed stub, so npm links the bin at install time (before `prepare` builds dist/).
// It runs the bundle (scripts/bundle.mjs) when there is one, else tsc's output.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const bundle = "../dist/bundle/cli.js"
await import(existsSync(fileURLToPath(import.meta.resolve(bundle))) ? bundle : "../dist/bin/codex-auth.js")
