#!/usr/bin/env node
// `npm run demo`: the offline journey (see ../internal/cli/demo.ts).
import { main } from "../internal/cli/demo.ts"

main().then((code) => process.exit(code))
