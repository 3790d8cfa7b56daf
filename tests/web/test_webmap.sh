#!/usr/bin/env bash
# test_webmap.sh — starts the web map's server on a free loopback port and runs the browser test
# (tests/web/test_webmap.mjs, headless Chromium via puppeteer-core) against it. With
# SERVE=1 the server is `caveat serve` on the embedded pack; otherwise tests/web/harness.py,
# which answers the same API through the command line.
# Usage: test_webmap.sh CAVEAT_BINARY   (run from the repository root; `make setup` installs
# puppeteer-core with npm ci in tests/web)
set -u
CAVEAT=$(realpath "${1:?usage: test_webmap.sh CAVEAT_BINARY}")
cd "$(dirname "$0")"
if [ ! -d node_modules/puppeteer-core ]; then
  echo "FAIL: puppeteer-core is not installed in tests/web (make setup runs npm ci there)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
tmp=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
python3 harness.py "$CAVEAT" "$tmp/port" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "FAIL: the server did not start"; exit 1; }
# the first-view budget (1 s) is the service's; the harness runs a command per request
BASE_URL="http://127.0.0.1:$(cat "$tmp/port")" FIRST_VIEW_MS=${FIRST_VIEW_MS:-10000} \
  timeout 600 node test_webmap.mjs
