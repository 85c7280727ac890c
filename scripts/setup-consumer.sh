#!/usr/bin/env bash
# Fills npm's cache with everything the consumer suite (test/consumer) installs, so that its installs run offline
# inside the loopback-only namespace. Needs the built packages (`npm run build`) and, the first time, the registry.
# Idempotent: with a warm cache it installs offline and touches no network.
set -euo pipefail
cd "$(dirname "$0")/.."
node test/consumer/projects.mjs --warm
