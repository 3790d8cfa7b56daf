#!/usr/bin/env bash
# The disk filling up under the decision log: decisions that cannot be logged are refused with
# 503 (never answered unlogged), nothing half-written stays in the log, /healthz says so, and
# when space returns the service recovers by itself and the chain goes on. A long streamed body
# that hits the full disk midway ends with an error, and every decision it did carry is in the
# log. The disk is a 2 MiB tmpfs mounted by the test (as root, or in a user namespace).
source "$(dirname "$0")/lib.sh"
if [ "${CAV_IN_NS:-}" != 1 ] && [ "$(id -u)" != 0 ]; then
  # not root: the same test in a user and mount namespace where we may mount a tmpfs
  exec unshare --user --map-root-user --mount env CAV_IN_NS=1 bash "$0" "$1"
fi
mkdir -p "$tmp/disk"
if ! mount -t tmpfs -o size=2m tmpfs "$tmp/disk"; then
  bad "cannot mount a tmpfs here (neither root nor a user namespace): the disk-full test cannot run"
  finish
fi
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; umount "$tmp/disk"; rm -rf "$tmp"' EXIT
log=$tmp/disk/d.log
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
t = sys.argv[1]
def q(i): return json.dumps({"id": "q%d" % i, "date": "2024-06-10", "weapon": "gmlrs", "purpose": "counterfire",
                            "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}})
open(t + "/small.ndjson", "w").write("".join(q(i) + "\n" for i in range(20)))
open(t + "/big.ndjson", "w").write("".join(q(i) + "\n" for i in range(20000)))
PY
for mode in always batch; do
  rm -f "$log" "$tmp/disk/filler"
  start_server full-$mode --log "$log" --log-sync $mode
  post() { curl -s -o "$tmp/resp" -w '%{http_code}' -X POST --data-binary @"$1" "$URL/v1/decisions"; }
  expect_eq "$(post "$tmp/small.ndjson")" 200 "$mode: space: answered"
  # fill the disk, leaving a few records' room
  free=$(df -B1 --output=avail "$tmp/disk" | tail -1)
  dd if=/dev/zero of="$tmp/disk/filler" bs=4096 count=$(( (free - 40000) / 4096 )) status=none 2>/dev/null
  codes=""
  for i in $(seq 1 40); do codes="$codes $(post "$tmp/small.ndjson")"; done
  expect_match "$codes" ' 200' "$mode: some answered while space lasted"
  expect_match "$codes" ' 503' "$mode: refused with 503 when the log cannot be written"
  expect_no_match "$(echo "$codes" | sed 's/.* 503//')" '200' "$mode: once full, nothing more answered"
  code=$(post "$tmp/small.ndjson")
  expect_eq "$code" 503 "$mode: full: refused"
  expect_match "$(cat "$tmp/resp")" '"message":"the decisions could not be written to the decision log' "$mode: the 503's reason"
  expect_eq "$(grep -c '"decision"' "$tmp/resp")" 0 "$mode: no decision in a refusal"
  expect_eq "$(curl -s "$URL/healthz" | jq -r .status)" log-failing "$mode: healthz tells"
  expect_eq "$(status "$URL/healthz")" 503 "$mode: healthz status"
  expect_match "$(curl -s "$URL/metrics")" 'caveat_refused_unlogged_total [1-9]' "$mode: refusals counted"
  # nothing half-written: the log ends with a whole record and its chain verifies
  expect_eq "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" '\n' "$mode: the log ends with a newline"
  expect_match "$("$caveat" log verify "$log")" '^ok: [0-9]+ records intact' "$mode: the chain is whole while full"
  # a long body streamed into the full disk: its response breaks off, carrying only logged decisions
  rm -f "$tmp/disk/filler"
  free=$(df -B1 --output=avail "$tmp/disk" | tail -1)
  dd if=/dev/zero of="$tmp/disk/filler" bs=4096 count=$(( (free - 1200000) / 4096 )) status=none 2>/dev/null
  curl -s -X POST --data-binary @"$tmp/big.ndjson" "$URL/v1/decisions" > "$tmp/big.out"; rc=$?
  [ "$rc" -ne 0 ] && ok || bad "a stream that hits the full disk must not end cleanly (curl $rc)"
  got=$(grep -c '"decision"' "$tmp/big.out")
  [ "$got" -gt 0 ] && [ "$got" -lt 20000 ] && ok || bad "part of the stream was answered ($got)"
  jq -r .decision.id "$log" | sort > "$tmp/logged"
  grep '"decision"' "$tmp/big.out" | jq -r .id | sort > "$tmp/answered"
  expect_eq "$(comm -23 "$tmp/answered" "$tmp/logged" | wc -l)" 0 "$mode: every streamed decision was logged first"
  expect_match "$("$caveat" log verify "$log")" '^ok: ' "$mode: still whole"
  # space returns: the next requests are answered and the chain goes on
  rm -f "$tmp/disk/filler"
  expect_eq "$(post "$tmp/small.ndjson")" 200 "$mode: recovered when space returned"
  expect_eq "$(curl -s "$URL/healthz" | jq -r .status)" ok "$mode: healthz recovers"
  stop_server "$PID"
  expect_eq "$STOPPED" 0 "$mode: clean exit"
  n=$(wc -l < "$log")
  expect_match "$("$caveat" log verify "$log")" "^ok: $n records intact, 1 to $n" "$mode: one chain through the full disk"
done
finish
