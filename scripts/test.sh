#!/usr/bin/env bash
# `npm test`: everything CI runs, in order. Fails on the first failing stage.
# Installs what the suites need and the repo cannot vendor (the real Codex CLI into a cache folder,
# Debian's chromium for the browser tests) so that a clean clone on a fresh machine passes.
set -euo pipefail
cd "$(dirname "$0")/.."
export FORCE_COLOR=0 NO_COLOR=1

stage() { printf '\n=== %s ===\n' "$*"; }

mkdir -p .cache
# The CLI's refresh engine keeps V8's code cache in the user's cache directory by default; the suites' own runs of it
# keep theirs in the clone, so a test run leaves nothing in ~/.cache (tests of the setting give their own directory).
export CODEX_AUTH_CODE_CACHE="$PWD/.cache/code-cache"
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

# The suites run in network namespaces with only loopback: no test can reach past 127.0.0.1. vitest's files are split
# into two shards of about equal length (test/support/sequencer.ts, weighed by test/weights.json), each run by its own
# vitest in a namespace of its own, so that tests which need a fixed port (the loopback callback's 1455) never meet; the
# Deno suite runs beside them in a third. On a 2-core machine (2026-12-07) vitest took 28.5 min as one process, and
# 19.4 and 19.9 min as two shards side by side; the whole CI run went from 31.4 to 22.9 min. On 2026-12-08 the same
# machine ran faster: shards of 11.4 and 10.9 min, 13.9 min in all (weights re-measured then). Refresh the weights after
# adding long suites: node scripts/weights.mjs .cache/vitest-*.json. The first shard prints as it goes; the second's
# and Deno's output follow when all are done. Set CODEX_AUTH_TEST_SHARDS=1 to run vitest as one process.
shards="${CODEX_AUTH_TEST_SHARDS:-2}"
stage "vitest (Node) in $shards shard(s), and deno test beside it"
rm -f .cache/vitest-*.json .cache/vitest-*.log
bash scripts/netns.sh bash scripts/deno-test.sh >.cache/deno.log 2>&1 &
deno=$!
vitest_shard() {
  local args=(run --reporter=default --reporter=json --outputFile.json=".cache/vitest-$1.json")
  if [ "$shards" -gt 1 ]; then args+=("--shard=$1/$shards"); fi
  bash scripts/netns.sh node_modules/.bin/vitest "${args[@]}"
}
others=()
for ((i = 2; i <= shards; i++)); do
  vitest_shard "$i" >".cache/vitest-$i.log" 2>&1 &
  others+=("$!")
done
vitest_status=0
vitest_shard 1 || vitest_status=$?
for ((i = 2; i <= shards; i++)); do
  wait "${others[$((i - 2))]}" || vitest_status=$?
  stage "vitest shard $i of $shards (ran beside the first)"
  cat ".cache/vitest-$i.log"
done
deno_status=0
wait "$deno" || deno_status=$?

stage "deno test (ran beside vitest)"
cat .cache/deno.log
# The summary runs on failure too: its FAILED lines are what a reader of the log's end needs.
summary_status=0
node scripts/summary.mjs .cache/deno.log .cache/vitest-*.json || summary_status=$?
if [ "$vitest_status" -ne 0 ] || [ "$deno_status" -ne 0 ]; then
  echo "vitest exited $vitest_status, deno test $deno_status" >&2
  exit 1
fi
exit "$summary_status"
