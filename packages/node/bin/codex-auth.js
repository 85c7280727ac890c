#!/usr/bin/env node
// The `codex-auth` command. A committed stub, so npm links the bin at install time (before `prepare` builds dist/).
// It runs the bundle (scripts/bundle.mjs) when there is one, else tsc's output.
import { existsSync } from "node:fs"

const bundle = new URL("../dist/bundle/cli.js", import.meta.url)
await import(existsSync(bundle) ? bundle.href : "../dist/bin/codex-auth.js")
