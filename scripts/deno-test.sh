#!/usr/bin/env bash
# Runs the Deno suites (packages/deno/test) with the Deno binary that ships in the `deno` npm package.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/deno test --allow-all --no-prompt packages/deno/test "$@"
