#!/usr/bin/env bash
# Reloading under load: 100 reloads by SIGHUP, alternating two good packs and a broken one, while
# a POST client and wrk keep asking. No request fails, no response mixes two packs, a broken pack
# never replaces a good one (its errors are at /v1/pack and in the server's log), and every good
# reload is served. Then --watch: an edited file is reloaded by itself, a broken edit is not.
source "$(dirname "$0")/lib.sh"
mkdir -p "$tmp/pack"
mini() { # FROM-DATE: a small pack (reloads in milliseconds) whose id depends on the date
  cat <<CAV
party US "United States"
class rocket-artillery "Rocket artillery"
class tube-artillery "Tube artillery"
kind forces "Armed forces"
purpose counterfire "Counterfire"
source s1 "A source"
  outlet "Test"
  date 2024-01-01
weapon gmlrs "GMLRS"
  class rocket-artillery
  consent US
weapon m777 "M777"
  class tube-artillery
  consent US
permit us-counterfire "Counterfire"
  party US
  from $1
  source s1
  says "counterfire"
  when purpose = counterfire
CAV
}
mini 2024-01-01 > "$tmp/a.cav"
mini 2024-02-01 > "$tmp/b.cav"
{ mini 2024-03-01; printf 'permit broken "no party, an unknown name"\n  when purpose = nonsense\n'; } > "$tmp/broken.cav"
cp "$tmp/a.cav" "$tmp/pack/pack.cav"
id_a=$("$caveat" check --policy "$tmp/a.cav" --weapon gmlrs --lat 50 --lon 36 --kind forces --date 2024-06-10 | jq -r .pack)
id_b=$("$caveat" check --policy "$tmp/b.cav" --weapon gmlrs --lat 50 --lon 36 --kind forces --date 2024-06-10 | jq -r .pack)
[ "$id_a" != "$id_b" ] && ok || bad "the two packs must differ"

start_server reload --policy "$tmp/pack"
reloads() { curl -s "$URL/metrics" | awk '/^caveat_pack_reloads_total/ {s += $2} END {print s + 0}'; }
/usr/bin/python3 "$here/client.py" "$PORT" 600 3 "$tmp/acked" &
cl=$!
wrk -t1 -c8 -d600s "$URL/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&purpose=counterfire" > "$tmp/wrk.out" 2>&1 &
wk=$!
sleep 0.5
good=0 broken=0
for i in $(seq 1 100); do
  case $((i % 3)) in
    0) cp "$tmp/broken.cav" "$tmp/pack/pack.cav"; broken=$((broken + 1)) ;;
    1) cp "$tmp/b.cav" "$tmp/pack/pack.cav"; good=$((good + 1)) ;;
    2) cp "$tmp/a.cav" "$tmp/pack/pack.cav"; good=$((good + 1)) ;;
  esac
  kill -HUP "$PID"
  for _ in $(seq 1 400); do [ "$(reloads)" -ge "$i" ] && break; sleep 0.01; done
  if [ $((i % 3)) = 0 ]; then
    # a broken pack leaves the last good one in use, and says why
    [ "$(curl -s "$URL/v1/pack" | jq -r .id)" = "$id_a" ] || bad "reload $i: the broken pack replaced a good one"
  fi
done
kill -INT "$cl" "$wk" 2>/dev/null
wait "$wk" 2>/dev/null
wait "$cl" 2>/dev/null
expect_eq "$(reloads)" 100 "100 reloads done"
m=$(curl -s "$URL/metrics")
expect_match "$m" "caveat_pack_reloads_total\{result=\"ok\"\} $good" "good reloads"
expect_match "$m" "caveat_pack_reloads_total\{result=\"failed\"\} $broken" "failed reloads"
curl -s "$URL/v1/pack" > "$tmp/pack.json"
expect_eq "$(jq -r .id "$tmp/pack.json")" "$id_b" "the last good pack is in use"
expect_match "$(jq -r '.last_failed_reload.errors[0] | "\(.file):\(.line): \(.message)"' "$tmp/pack.json")" \
  'pack.cav:[0-9]+: ' "the errors of the last failed reload, with their place"
expect_match "$(cat "$tmp/reload.err")" 'the pack has errors' "the errors are in the server's log"
expect_match "$(cat "$tmp/reload.err")" "reload failed; still serving" "the server's log says it kept the pack"
# no failed request, no mixed response
[ -s "$tmp/acked" ] && ok || bad "the POST client was answered"
expect_eq "$(cat "$tmp/acked.codes" | grep -v '^200 ' | wc -l)" 0 "POST: every request answered 200 ($(cat "$tmp/acked.codes" | tr '\n' ' '))"
expect_eq "$(wc -l < "$tmp/acked.mixed")" 0 "no response mixes two packs"
expect_no_match "$(cat "$tmp/wrk.out")" 'Non-2xx|Socket errors' "wrk: every GET answered 200"
expect_match "$(cat "$tmp/wrk.out")" '[0-9]+ requests in' "wrk ran"
stop_server "$PID"
expect_eq "$STOPPED" 0 "clean exit"

# --watch: an edit is picked up by itself; a broken edit is not taken
cp "$tmp/a.cav" "$tmp/pack/pack.cav"
start_server watch --policy "$tmp/pack" --watch
expect_eq "$(curl -s "$URL/v1/pack" | jq -r .id)" "$id_a" "watch: start"
cp "$tmp/b.cav" "$tmp/pack/pack.cav.new" && mv "$tmp/pack/pack.cav.new" "$tmp/pack/pack.cav"
for _ in $(seq 1 100); do [ "$(curl -s "$URL/v1/pack" | jq -r .id)" = "$id_b" ] && break; sleep 0.05; done
expect_eq "$(curl -s "$URL/v1/pack" | jq -r .id)" "$id_b" "watch: an edit (by rename) reloads"
cp "$tmp/broken.cav" "$tmp/pack/pack.cav"
for _ in $(seq 1 100); do [ "$(curl -s "$URL/v1/pack" | jq -r .last_failed_reload)" != null ] && break; sleep 0.05; done
expect_eq "$(curl -s "$URL/v1/pack" | jq -r .id)" "$id_b" "watch: a broken edit is not taken"
expect_match "$(cat "$tmp/watch.err")" 'a policy file changed' "watch: said in the log"
stop_server "$PID"
finish
