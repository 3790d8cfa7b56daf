#!/usr/bin/env bash
# kill -9 under load, then restart: with --log-sync always no acknowledged decision is missing from
# the log; `log verify` passes up to the last complete record and reports a torn tail; the
# restarted server moves the torn record aside and continues the chain, which verifies whole.
# Also SIGTERM under load: requests in flight finish, the log is synced and closed, exit 0; and
# (tests/serve/drain.py) a decision sent after SIGTERM on a connection kept alive from before it
# is refused at once, while a request in flight is answered.
source "$(dirname "$0")/lib.sh"
client=$here/client.py

for round in 1 2; do
  start_server crash$round --log "$tmp/d.log" --log-sync always
  /usr/bin/python3 "$client" "$PORT" 6 4 "$tmp/acked" &
  cl=$!
  sleep $((2 + round))
  kill -9 "$PID"
  wait "$PID" 2>/dev/null
  wait "$cl"
  expect_match "$(cat "$tmp/acked.codes")" '^200 [0-9]+' "round $round: decisions were acknowledged"
  # every acknowledged decision is in the log
  jq -r .query.id "$tmp/d.log" 2>/dev/null | sort -u > "$tmp/logged"
  sort -u "$tmp/acked" > "$tmp/acked.sorted"
  missing=$(comm -23 "$tmp/acked.sorted" "$tmp/logged" | wc -l)
  expect_eq "$missing" 0 "round $round: acknowledged decisions missing from the log ($(wc -l < "$tmp/acked.sorted") acknowledged)"
  # kill -9 lands between records or in the middle of a write: the kernel may cut a write short
  # when the signal arrives, leaving a torn last record that was never acknowledged.  Either way
  # every complete record verifies; when the kill left none torn, make one from a real record.
  out=$("$caveat" log verify "$tmp/d.log"); rc=$?
  n=$(wc -l < "$tmp/d.log")
  if [[ $out == ok:* ]]; then
    expect_match "$out" "^ok: $n records intact" "round $round: the chain after kill -9"
    expect_eq "$rc" 0 "round $round: verify's status after kill -9"
    tail -1 "$tmp/d.log" | head -c 200 | sed 's/"seq":[0-9]*/"seq":'$((n + 1))'/' | tr -d '\n' >> "$tmp/d.log"
    out=$("$caveat" log verify "$tmp/d.log"); rc=$?
  else
    echo "round $round: kill -9 tore the last record itself"
  fi
  expect_match "$out" "^torn: .* line $((n + 1)): an incomplete last record" "round $round: the torn tail is reported"
  expect_match "$out" "intact up to the torn record: $n records" "round $round: intact up to it"
  expect_eq "$rc" 1 "round $round: verify's status with a torn tail"
done

# the restart moves the torn record aside and goes on from the last complete one
n=$(wc -l < "$tmp/d.log")
start_server after --log "$tmp/d.log" --log-sync always
expect_match "$(cat "$tmp/after.err")" "a torn record .* was moved to .*torn-$((n + 1))-.*; the chain continues from record $n" "the restart reports the torn record"
ls "$tmp"/d.log.torn-* > /dev/null 2>&1 && ok || bad "the torn bytes are kept aside"
expect_eq "$(curl -s "$URL/healthz" | jq -r .log.seq)" "$n" "the chain's head after the restart"
/usr/bin/python3 "$client" "$PORT" 2 2 "$tmp/acked2" &
cl=$!
sleep 1
# SIGTERM under load: drains, syncs, exits 0
stop_server "$PID"
expect_eq "$STOPPED" 0 "SIGTERM under load: exit 0"
wait "$cl"
expect_match "$(cat "$tmp/after.err")" "decision log closed at record [0-9]+" "the log is closed at the end"
out=$("$caveat" log verify "$tmp/d.log")
expect_match "$out" '^ok: [0-9]+ records intact, 1 to [0-9]+' "the chain continues after the restart"
total=$(wc -l < "$tmp/d.log")
expect_eq "$(tail -1 "$tmp/d.log" | jq .seq)" "$total" "numbers run on without a gap"
jq -r .query.id "$tmp/d.log" | sort -u > "$tmp/logged"
cat "$tmp/acked" "$tmp/acked2" | sort -u > "$tmp/acked.sorted"
expect_eq "$(comm -23 "$tmp/acked.sorted" "$tmp/logged" | wc -l)" 0 "no acknowledged decision missing overall"

# a decision after SIGTERM on a kept-alive connection, with a request in flight
start_server drain --log "$tmp/drain.log" --log-sync always
timeout 60 /usr/bin/python3 "$here/drain.py" "$PORT" "$PID" "$tmp/drain.err" > "$tmp/drain.out" 2>&1
expect_eq "$?" 0 "drain.py ran to its end: $(tail -3 "$tmp/drain.out")"
while read -r word rest; do
  case $word in
    PASS) ok ;;
    FAIL) bad "drain: $rest" ;;
  esac
done < "$tmp/drain.out"
stop_server "$PID"
expect_eq "$STOPPED" 0 "SIGTERM with a request in flight: exit 0"
expect_match "$("$caveat" log verify "$tmp/drain.log")" '^ok: ' "the drained log verifies"
ids=$(jq -r .query.id "$tmp/drain.log" | sort | tr '\n' ' ')
expect_eq "$ids" "before in-flight " "logged: the decisions answered, not the one refused"
finish
