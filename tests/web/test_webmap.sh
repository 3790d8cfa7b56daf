#!/usr/bin/env bash
# test_webmap.sh — starts `caveat serve` (embedded pack, no token file: loopback only) on a free
# port and runs the browser test (tests/web/test_webmap.mjs: Debian's headless Chromium through
# puppeteer-core) against it. With HARNESS=1 the server is tests/web/harness.py instead, which
# answers the same API through the command line (how the page was tested before the service
# landed; its first view is slower, a command per request).
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
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
if [ "${HARNESS:-0}" = 1 ]; then
  python3 harness.py "$CAVEAT" "$tmp/port" &
  server=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  port=$(cat "$tmp/port" 2>/dev/null)
  export FIRST_VIEW_MS=${FIRST_VIEW_MS:-10000}
else
  "$CAVEAT" serve --listen 127.0.0.1:0 2>"$tmp/serve.err" &
  server=$!
  port=
  for _ in $(seq 400); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/serve.err" 2>/dev/null | sed 's/.*://')
    [ -n "$port" ] && break
    sleep 0.05
  done
fi
if [ -z "$port" ]; then
  echo "FAIL: the server did not start: $(cat "$tmp/serve.err" 2>/dev/null)"
  echo "0 passed, 1 failed"
  exit 1
fi
BASE_URL="http://127.0.0.1:$port" timeout 600 node test_webmap.mjs
