#!/usr/bin/env bash
# Hostile clients (tests/serve/hostile.py): malformed HTTP, oversized headers, URLs, bodies and
# lines, many large bodies at once, 400 slow connections, a flood of bad queries; after each, good
# requests are still answered, and the server's memory stays bounded (the limits are those of
# docs/robustness.md, set small here). wrk runs alongside the whole time, and must see no error.
source "$(dirname "$0")/lib.sh"
bound=400000
if readelf -s "$caveat" | grep -q __asan_init; then
  # AddressSanitizer keeps freed memory in quarantine (256 MB by default) and maps shadow memory:
  # a small quarantine keeps "memory flat" meaningful, and the bound allows for the shadow
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8:thread_local_quarantine_size_kb=64"
  bound=800000
fi
start_server hostile --max-body 4M --max-buffered 16M --timeout 3 --max-connections 600 --log "$tmp/d.log"
wrk -t1 -c4 -d600s "$URL/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&purpose=counterfire" > "$tmp/wrk.out" 2>&1 &
wk=$!
timeout 240 /usr/bin/python3 "$here/hostile.py" "$PORT" "$PID" > "$tmp/hostile.out" 2>&1
rc=$?
kill -INT "$wk"; wait "$wk" 2>/dev/null
expect_eq "$rc" 0 "hostile.py ran to its end"
while read -r word rest; do
  case $word in
    PASS) ok ;;
    FAIL) bad "$rest" ;;
  esac
done < "$tmp/hostile.out"
peak=$(awk '/^PEAK_RSS_KB/ {print $2}' "$tmp/hostile.out")
[ -n "$peak" ] && [ "$peak" -lt "$bound" ] && ok || bad "peak memory $peak kB (bound: $bound kB)"
echo "peak resident memory under hostile clients: $peak kB"
expect_match "$(cat "$tmp/wrk.out")" '[0-9]+ requests in' "wrk ran"
expect_no_match "$(cat "$tmp/wrk.out")" 'Non-2xx' "wrk: every GET answered 200 while the hostile clients ran"
kill -0 "$PID" && ok || bad "the server is alive"
stop_server "$PID"
expect_eq "$STOPPED" 0 "clean exit"
expect_match "$("$caveat" log verify "$tmp/d.log")" '^ok: ' "the log is whole"
finish
