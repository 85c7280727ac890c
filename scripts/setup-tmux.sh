#!/usr/bin/env bash
# Debian's tmux for the CLI test that drives an interactive login as a person sees it (test/cli/tmux.test.ts reads
# the screen with capture-pane).
set -euo pipefail
if command -v tmux >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "tmux is missing and this is not root: install Debian's 'tmux' package" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends tmux >&2
