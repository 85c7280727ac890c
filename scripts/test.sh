#!/usr/bin/env bash
# `npm test`: everything CI runs, in order. Fails on the first failing stage.
# Installs what the suites need and the repo cannot vendor (the real Codex CLI into a cache folder,
# Debian's chromium for the browser tests) so that a clean clone on a fresh machine passes.
set -euo pipefail
cd "$(dirname "$0")/.."
export FORCE_COLOR=0 NO_COLOR=1

stage() { printf '\n=== %s ===\n' "$*"; }

mkdir -p .cache
stage "prerequisites"
CODEX_BIN="$(bash scripts/setup-codex.sh)"
export CODEX_BIN
bash scripts/setup-chromium.sh
bash scripts/setup-tmux.sh
bash scripts/setup-keyring.sh
# The PostgreSQL store's suites start their own cluster from Debian's server binaries.
CODEX_AUTH_PG_BIN="$(bash scripts/setup-postgres.sh)"
export CODEX_AUTH_PG_BIN
# The Windows lane (test/windows): wine64, node.exe and koffi's win32 build; empty when Wine cannot be had here.
CODEX_AUTH_WIN_NODE="$(bash scripts/setup-wine.sh)"
export CODEX_AUTH_WIN_NODE
# The real Codex CLI for Windows (codex.exe, ~190 MB from npm) for the lane's interop cases, fetched here because the
# suites run without a network; empty (the cases skip, saying why) when it cannot be had.
CODEX_AUTH_WIN_CODEX=""
if [ -n "$CODEX_AUTH_WIN_NODE" ]; then CODEX_AUTH_WIN_CODEX="$(bash scripts/setup-wine.sh codex)"; fi
export CODEX_AUTH_WIN_CODEX

stage "lint (eslint + dprint, Effect house style)"
npx eslint .

stage "typecheck (tsc -b, tests)"
npm run --silent build
npx tsc -p tsconfig.test.json
# The consumer suite installs the packed packages offline; fill npm's cache for it (outside the namespace).
bash scripts/setup-consumer.sh

# The suites run in a network namespace with only loopback: no test can reach past 127.0.0.1. The Deno suite runs
# beside vitest, in a namespace of its own (so neither sees the other's ports); its output is printed when vitest is
# done. Two whole runs of `npm test` at once on one 2-core machine passed (issue 13), a heavier load than this.
stage "vitest (Node), and deno test beside it"
bash scripts/netns.sh bash scripts/deno-test.sh >.cache/deno.log 2>&1 &
deno=$!
vitest_status=0
bash scripts/netns.sh node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json ||
  vitest_status=$?
deno_status=0
wait "$deno" || deno_status=$?

stage "deno test (ran beside vitest)"
cat .cache/deno.log
if [ "$vitest_status" -ne 0 ] || [ "$deno_status" -ne 0 ]; then
  echo "vitest exited $vitest_status, deno test $deno_status" >&2
  exit 1
fi

node scripts/summary.mjs .cache/vitest.json .cache/deno.log
