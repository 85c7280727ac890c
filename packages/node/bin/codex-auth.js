#!/usr/bin/env node
// The `codex-auth` command. A committed stub, so npm links the bin at install time (before `prepare` builds dist/).
import "../dist/bin/codex-auth.js"
