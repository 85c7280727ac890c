#!/usr/bin/env bash
# Runs a command in a fresh network namespace that has only loopback, so nothing a test starts (the real
# Codex CLI above all, which would otherwise try chatgpt.com) can reach beyond 127.0.0.1.
# Falls back to running the command as it is where namespaces are unavailable (not root, no unshare).
set -euo pipefail
if [ "${CODEX_AUTH_NETNS:-}" = "1" ]; then exec "$@"; fi
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  exec unshare -n bash -c 'ip link set lo up 2>/dev/null || true; export CODEX_AUTH_NETNS=1; exec "$@"' netns "$@"
fi
echo "netns: network namespaces unavailable; running without isolation" >&2
exec "$@"
