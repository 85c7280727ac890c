#!/usr/bin/env bash
# Runs the Deno suites (packages/deno/test) with the Deno binary that ships in the `deno` npm package.
set -euo pipefail
cd "$(dirname "$0")/.."
# `--conditions=source` loads the workspace packages from their TypeScript sources, as vitest does.
exec node_modules/.bin/deno test --allow-all --no-prompt --conditions=source packages/deno/test "$@"
