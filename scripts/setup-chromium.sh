#!/usr/bin/env bash
# Debian's chromium for the end-to-end browser tests (playwright-core drives /usr/bin/chromium).
# Playwright's own browser download is unreachable here, so the system package is the browser.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing and this is not root: install Debian's 'chromium' package" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
