#!/usr/bin/env bash
# Browser tests drive Debian's Chromium. Install it when it is missing and we may (root);
# never let a tool download a browser build of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "chromium is not installed and we cannot install it (not root): browser tests will be skipped." >&2
echo "Install it with: sudo apt-get install chromium" >&2
