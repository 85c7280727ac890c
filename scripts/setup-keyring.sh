#!/usr/bin/env bash
# Installs what the keyring tests need (Secret Service on Linux): gnome-keyring, dbus, libsecret-tools.
# Idempotent; as root (or with sudo). The tests start and stop their own dbus and gnome-keyring-daemon.
set -euo pipefail
need=()
command -v gnome-keyring-daemon >/dev/null 2>&1 || need+=(gnome-keyring)
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus)
command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus)
command -v secret-tool >/dev/null 2>&1 || need+=(libsecret-tools)
if [ "${#need[@]}" -eq 0 ]; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
