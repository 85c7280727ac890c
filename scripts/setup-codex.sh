#!/usr/bin/env bash
# Installs the real Codex CLI (for interop tests) into a cache folder outside the workspace.
# Its binary is ~300 MB, so it is never a workspace dependency. Idempotent; prints the binary's path.
set -euo pipefail
version="${CODEX_CLI_VERSION:-0.169.0}"
cache="${CODEX_AUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-auth}"
dir="$cache/codex-$version"
bin="$dir/node_modules/.bin/codex"
if [ ! -x "$bin" ] || ! "$bin" --version >/dev/null 2>&1; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"codex-cli-cache","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "@openai/codex@$version" >&2)
fi
"$bin" --version >&2
echo "$bin"
