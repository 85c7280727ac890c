#!/usr/bin/env bash
# Debian's PostgreSQL server for the PostgreSQL store's tests (@codex-auth/postgres, test/fleet): the tests start
# their own cluster with initdb in a temporary directory on a free port and stop it; nothing runs as a service.
# Prints the directory of initdb / pg_ctl / postgres.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin="$(find_bin || true)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL is missing and this is not root: install Debian's 'postgresql' package" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  bin="$(find_bin)"
fi
# The cluster refuses to run as root: the tests run it as the postgres user, which the package creates.
id postgres >/dev/null 2>&1 || { echo "the postgres user is missing (reinstall the 'postgresql' package)" >&2; exit 1; }
echo "$bin"
