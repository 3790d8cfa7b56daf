# lib.sh — shared by the service's end-to-end tests (tests/serve/test_*.sh): starting and
# stopping `caveat serve` on a free loopback port, counting checks, and HTTP helpers over curl.
# Every test sources it with the binary as $1; each server it starts is stopped on exit, by its
# own process id.
set -u
caveat=$(readlink -f "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
pass=0 fail=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', expected '$2'"; }
expect_match() { printf '%s' "$1" | grep -qE -- "$2" && ok || bad "$3: '$(printf '%s' "$1" | head -c 400)' does not match /$2/"; }
expect_no_match() { printf '%s' "$1" | grep -qE -- "$2" && bad "$3: matches /$2/" || ok; }
finish() {
  # a sanitizer report in any server's stderr fails the test (ASan/UBSan build)
  if grep -l 'Sanitizer\|runtime error:' "$tmp"/*.err > /dev/null 2>&1; then
    bad "sanitizer report: $(grep -h -A5 'Sanitizer\|runtime error:' "$tmp"/*.err | head -20)"
  fi
  echo "$(basename "$0"): $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}

# start_server NAME [serve options...]: starts `caveat serve` on a free port; sets PORT, PID and
# URL, with stderr in $tmp/NAME.err. Fails the test if it does not come up in 20 s.
start_server() {
  local name=$1
  shift
  "$caveat" serve --listen 127.0.0.1:0 "$@" 2> "$tmp/$name.err" &
  PID=$!
  pids+=("$PID")
  PORT=
  for _ in $(seq 1 400); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/$name.err" 2>/dev/null | sed 's/.*://')
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$PORT" ]; then
    bad "server $name did not start: $(cat "$tmp/$name.err")"
    finish
  fi
  URL="http://127.0.0.1:$PORT"
}

# stop_server PID: SIGTERM, then wait (at most 30 s) for it to exit; sets STOPPED to its exit
# status (124 when it did not exit in time).
stop_server() {
  kill -TERM "$1" 2>/dev/null
  STOPPED=124
  for _ in $(seq 1 600); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$1" 2>/dev/null && return
  wait "$1" 2>/dev/null
  STOPPED=$?
}

# status URL [curl options]: the HTTP status code only
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# rss PID: resident memory in kB
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
