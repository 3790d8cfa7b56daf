#!/usr/bin/env bash
# The decision log: one record per decision, chained by SHA-256. `caveat log verify` names the
# record that was changed by one byte, removed, swapped with its neighbour, replaced (re-hashed),
# or torn, and an anchor catches records cut from the end; `caveat log replay` with a changed pack
# lists exactly the decisions the change altered (computed independently with `caveat check`);
# rotation continues the chain across files; a restart continues it; every sync mode writes the
# same records, and `always` syncs once per request.
source "$(dirname "$0")/lib.sh"
cp -r "$root/packs/default" "$tmp/old"
rm -rf "$tmp/old/tests"
/usr/bin/python3 - "$tmp/q.ndjson" <<'PY'
import json, random, sys
random.seed(11)
with open(sys.argv[1], "w") as f:
    for i in range(1500):
        q = {"id": "q%d" % i, "date": "2024-%02d-%02d" % (random.choice([5, 6]), random.randint(1, 28)),
             "weapon": random.choice(["gmlrs", "HIMARS", "m777", "atacms"]),
             "target": {"lat": round(random.uniform(49.8, 51.2), 3), "lon": round(random.uniform(35.5, 38.5), 3),
                        "kind": random.choice(["forces", "artillery", "ammunition-depot"])}}
        if random.random() < 0.7: q["purpose"] = random.choice(["counterfire", "strike"])
        f.write(json.dumps(q) + "\n")
        if i % 300 == 7: f.write("not a query\n")   # error lines are answered, not logged
PY
split -l 301 "$tmp/q.ndjson" "$tmp/part."

start_server log --policy "$tmp/old" --log "$tmp/decisions.log" --log-sync always
for p in "$tmp"/part.*; do curl -s -X POST --data-binary @"$p" "$URL/v1/decisions" >> "$tmp/answers"; done
for d in 2024-05-29 2024-06-01 2024-06-10; do
  curl -s "$URL/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&role=attacking&date=$d&purpose=counterfire&id=get-$d" >> "$tmp/answers"
  echo >> "$tmp/answers"
done
curl -s "$URL/v1/decisions?weapon=atacms&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&explain=1" >> "$tmp/answers"
echo >> "$tmp/answers"
head=$(curl -s "$URL/healthz" | jq -r '"\(.log.seq):\(.log.head)"')
fsyncs=$(curl -s "$URL/metrics" | awk '/^caveat_log_fsyncs_total/ {print $2}')
stop_server "$PID"
decided=$(grep -c '"decision": ' "$tmp/answers")
expect_eq "$(wc -l < "$tmp/decisions.log")" "$decided" "one record per decision, none for error lines"
expect_eq "$((fsyncs >= 8))" 1 "always: a sync per request ($fsyncs)"
expect_eq "${head%%:*}" "$decided" "healthz gives the head"
out=$("$caveat" log verify "$tmp/decisions.log"); rc=$?
expect_eq "$rc" 0 "verify an intact log"
expect_match "$out" "^ok: $decided records intact, 1 to $decided; head ${head#*:}" "verify's report"
expect_eq "$("$caveat" log verify --anchor "$head" "$tmp/decisions.log" >/dev/null; echo $?)" 0 "anchor"
# each record holds the query as asked and the decision as answered
expect_eq "$(sed -n 1p "$tmp/decisions.log" | jq -c .query.id)" '"q0"' "the query"
expect_eq "$(sed -n 1p "$tmp/decisions.log" | jq -c .decision)" "$(head -1 "$tmp/answers" | jq -c .)" "the decision as answered"
expect_match "$(tail -1 "$tmp/decisions.log" | jq -r .params)" '^weapon=atacms&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&explain=1$' "a GET's parameters"
expect_eq "$(tail -1 "$tmp/decisions.log" | jq -r .explain)" true "explained"

tamper() { # NAME SCRIPT: a copy of the log edited by a python snippet on its lines
  /usr/bin/python3 - "$tmp/decisions.log" "$tmp/$1" "$2" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
exec(sys.argv[3])
open(sys.argv[2], "wb").write(b"".join(l + b"\n" for l in lines))
PY
  "$caveat" log verify "$tmp/$1" > "$tmp/$1.out"
  echo $? >> "$tmp/$1.out"
}
tamper byte 'l = bytearray(lines[49]); i = l.index(b"\"date\": \"2024-") + 10; l[i] = ord("9") if l[i] != ord("9") else ord("8"); lines[49] = bytes(l)'
expect_match "$(cat "$tmp/byte.out")" "broken: record 50 \(.* line 50\) was altered" "one byte changed"
expect_eq "$(tail -1 "$tmp/byte.out")" 1 "verify's status"
tamper removed 'del lines[99]'
expect_match "$(cat "$tmp/removed.out")" "broken: record 100 missing: removed before record 101" "one record removed"
tamper swapped 'lines[199], lines[200] = lines[200], lines[199]'
expect_match "$(cat "$tmp/swapped.out")" "broken: records reordered: record 201 .*line 200. comes before record 200 .*line 201" "two records swapped"
tamper rehashed '
import hashlib, re
l = lines[299].replace(b"\"decision\": \"", b"\"decision\": \"x", 1)
cut = l.rindex(b",\"hash\":\"")
lines[299] = l[:cut] + b",\"hash\":\"" + hashlib.sha256(l[:cut]).hexdigest().encode() + b"\"}"'
expect_match "$(cat "$tmp/rehashed.out")" "broken: record 301 .* does not follow record 300: .*record 300 was replaced" "a record replaced and re-hashed"
tamper torn 'lines[-1] = lines[-1][:57]'
truncate -s -1 "$tmp/torn"
expect_match "$(cat "$tmp/torn.out")" "" "(torn written)"
"$caveat" log verify "$tmp/torn" > "$tmp/torn.out"; rc=$?
expect_match "$(cat "$tmp/torn.out")" "^torn: .* line $decided: an incomplete last record \(57 bytes" "a torn last record"
expect_match "$(cat "$tmp/torn.out")" "intact up to the torn record: $((decided - 1)) records" "intact up to it"
expect_eq "$rc" 1 "torn: status"
tamper cut 'del lines[-10:]'
expect_eq "$(tail -1 "$tmp/cut.out")" 0 "records cut from the end: the chain alone cannot tell"
"$caveat" log verify --anchor "$head" "$tmp/cut" > "$tmp/cut.out"; rc=$?
expect_match "$(cat "$tmp/cut.out")" "before the anchored record $decided: records were removed from its end" "an anchor tells"
expect_eq "$rc" 1 "anchor: status"

# replay: the same pack changes nothing; a changed rule changes exactly what check says it does
"$caveat" log replay --policy "$tmp/old" "$tmp/decisions.log" > "$tmp/replay.out" 2> "$tmp/replay.err"
expect_eq "$?:$(wc -l < "$tmp/replay.out")" "0:0" "replay with the same pack"
expect_match "$(cat "$tmp/replay.err")" "$decided records decided again .*: 0 differ" "replay's summary"
cp -r "$tmp/old" "$tmp/new"
sed -i '/^permit us-kharkiv-counterfire/,/^$/ s/from 2024-05-30/from 2024-06-05/' "$tmp/new/us.cav"
grep -q 'from 2024-06-05' "$tmp/new/us.cav" && ok || bad "the pack was not changed"
"$caveat" log replay --policy "$tmp/new" --format json "$tmp/decisions.log" > "$tmp/replay.out" 2>/dev/null
expect_eq "$?" 1 "replay status with differences"
jq -r .now.id "$tmp/replay.out" | sort > "$tmp/replayed.ids"
# what check says: the logged queries (POSTed ones) decided with both packs, pack ids aside
jq -c 'select(.query) | .query' "$tmp/decisions.log" > "$tmp/logged.ndjson"
"$caveat" check --policy "$tmp/old" "$tmp/logged.ndjson" | sed 's/"pack": "[^"]*"/"pack": ""/' > "$tmp/a"
"$caveat" check --policy "$tmp/new" "$tmp/logged.ndjson" | sed 's/"pack": "[^"]*"/"pack": ""/' > "$tmp/b"
paste -d'\n' "$tmp/a" "$tmp/b" | paste - - | awk -F'\t' '$1 != $2 {print $2}' | jq -r .id > "$tmp/expected.ids"
for d in 2024-05-29 2024-06-01 2024-06-10; do # the GET queries, asked with flags
  a=$("$caveat" check --policy "$tmp/old" --weapon gmlrs --lat 50.6 --lon 36.59 --kind forces --role attacking --date $d --purpose counterfire --id get-$d | sed 's/"pack": "[^"]*"/"pack": ""/')
  b=$("$caveat" check --policy "$tmp/new" --weapon gmlrs --lat 50.6 --lon 36.59 --kind forces --role attacking --date $d --purpose counterfire --id get-$d | sed 's/"pack": "[^"]*"/"pack": ""/')
  [ "$a" != "$b" ] && echo "get-$d" >> "$tmp/expected.ids"
done
sort -o "$tmp/expected.ids" "$tmp/expected.ids"
[ -s "$tmp/expected.ids" ] && ok || bad "the change should alter some decisions"
cmp -s "$tmp/expected.ids" "$tmp/replayed.ids" && ok || bad "replay lists exactly the changed decisions: $(diff "$tmp/expected.ids" "$tmp/replayed.ids" | head)"
"$caveat" log replay --policy "$tmp/new" "$tmp/decisions.log" > "$tmp/replay.txt" 2>/dev/null
expect_match "$(cat "$tmp/replay.txt")" "^record [0-9]+ \(request .*\): permitted -> prohibited" "replay's text report"

# a restart continues the chain; rotation starts each file from the last hash of the one before
start_server log2 --policy "$tmp/old" --log "$tmp/decisions.log" --log-sync batch --log-max-size 40k
for p in "$tmp"/part.*; do curl -s -X POST --data-binary @"$p" "$URL/v1/decisions" > /dev/null; done
stop_server "$PID"
files=$(ls "$tmp"/decisions.log.* | grep -E '\.[0-9]{12}$' | sort)
n=$(echo "$files" | wc -l)
[ "$n" -ge 2 ] && ok || bad "rotation: $n rotated files"
all=$(cat $files "$tmp/decisions.log" | wc -l)
expect_eq "$all" "$((2 * decided - 4))" "records across the files (the second run has no GET requests)"
out=$("$caveat" log verify $(echo "$files" "$tmp/decisions.log" | tr ' ' '\n' | sort -r))
expect_match "$out" "^ok: $all records intact, 1 to $all" "verify across rotated files, given in any order"
second=$(echo "$files" | sed -n 2p)
expect_match "$("$caveat" log verify "$second")" "note: the chain starts at record" "a file alone: its first link is named unchecked"
first_prev=$(head -1 "$second" | jq -r .prev)
prev_last=$(tail -1 "$(echo "$files" | sed -n 1p)" | jq -r .hash)
expect_eq "$first_prev" "$prev_last" "a rotated file starts from the last hash of the one before"
expect_match "$(cat "$tmp/log2.err")" "decision log closed at record $all" "closing message"

# sync none: no fsync at all, same records
start_server none --log "$tmp/none.log" --log-sync none
curl -s -X POST --data-binary @"$tmp/part.aa" "$URL/v1/decisions" > /dev/null
expect_eq "$(curl -s "$URL/metrics" | awk '/^caveat_log_fsyncs_total/ {print $2}')" 0 "none: no fsync"
stop_server "$PID"
expect_eq "$("$caveat" log verify "$tmp/none.log" | cut -d: -f1)" ok "none: a valid chain"
finish
