#!/usr/bin/env bash
# Hostile inputs on the real binary ($1): each gets a clear error and the right exit status,
# never a crash, and memory stays bounded (a hard address-space limit makes an unbounded read
# fail the test). See docs/robustness.md for the limits these check.
set -u
caveat=$1
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', expected '$2'"; }
# Sanitizer builds (ASan, TSan) reserve terabytes of address space: only limit memory in plain
# builds.
limit_mem() { if readelf -s "$caveat" | grep -qE '__(asan|tsan)_init'; then "$@"; else (ulimit -v 1048576; "$@"); fi; }
good='{"date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}}'

# a 1 GiB line between two good lines: one error line for it, the run goes on, memory bounded
{ echo "$good"; head -c 1073741824 /dev/zero | tr '\0' 'x'; echo; echo "$good"; } |
  limit_mem "$caveat" check > "$tmp/out" 2> "$tmp/err"
expect_eq "$?" 1 "1 GiB line: exit status"
expect_eq "$(wc -l < "$tmp/out")" 3 "1 GiB line: one output line per input line"
expect_eq "$(sed -n 2p "$tmp/out")" '{"id": null, "error": {"field": null, "line": 2, "message": "the query is longer than 1 MiB"}}' "1 GiB line: error"
expect_eq "$(sed -n 3p "$tmp/out" | grep -c '"decision": "indeterminate"')" 1 "1 GiB line: the next line is evaluated"

# NaN, infinite and huge coordinates, invalid UTF-8, a NUL byte, deep JSON
printf '%s\n' '{"date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": NaN, "lon": 36, "kind": "forces"}}' \
  '{"date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": 1e999, "lon": 36, "kind": "forces"}}' \
  '{"date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": -Infinity, "lon": 36, "kind": "forces"}}' \
  > "$tmp/nan.ndjson"
printf '{"date": "2024-06-10", "weapon": "gml\xff\xfe", "target": {"lat": 50, "lon": 36, "kind": "forces"}}\n' >> "$tmp/nan.ndjson"
printf '{"date": "2024-06-10", "weapon": "gmlrs\x00", "target": {"lat": 50, "lon": 36, "kind": "forces"}}\n' >> "$tmp/nan.ndjson"
python3 -c 'print("[" * 100000 + "]" * 100000)' >> "$tmp/nan.ndjson"
"$caveat" check "$tmp/nan.ndjson" > "$tmp/out" 2>&1
expect_eq "$?" 1 "bad numbers: exit status"
expect_eq "$(wc -l < "$tmp/out")" 6 "bad numbers: one line each"
expect_eq "$(grep -c '"error"' "$tmp/out")" 6 "bad numbers: all errors"
grep -q 'not valid UTF-8' "$tmp/out" && ok || bad "invalid UTF-8 named"

# a policy nested 10,000 levels deep (conditions and zones), and invalid UTF-8 in a policy
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
head = 'party US\nclass c\nkind k\nweapon w class c consent US\nsource s outlet "o" date 2024-01-01\n'
open(d + '/deep.cav', 'w').write(head + 'permit r party US from 2024-01-01 source s\n  when ' +
                                 '(' * 10000 + 'weapon = w' + ')' * 10000 + '\n')
open(d + '/deepzone.cav', 'w').write(head + 'zone z = ' + '(' * 10000 + 'UA' + ')' * 10000 + '\n')
open(d + '/utf8.cav', 'wb').write(head.encode() + b'note n "caf\xc3\x28" party US source s\n')
PY
"$caveat" lint "$tmp/deep.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "deep condition: rejected"
grep -q "nested too deeply (at most 64 levels)" "$tmp/out" && ok || bad "deep condition: message"
"$caveat" lint "$tmp/deepzone.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "deep zone: rejected"
grep -q "nested too deeply" "$tmp/out" && ok || bad "deep zone: message"
"$caveat" lint "$tmp/utf8.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "invalid UTF-8 policy: rejected"
grep -q "utf8.cav:6:.*invalid UTF-8" "$tmp/out" && ok || bad "invalid UTF-8 policy: place"

# a zone with 10 million vertices (a 16 MiB+ policy, then a geojson beyond the vertex limit)
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
head = 'party US\nclass c\nkind k\nweapon w class c consent US\nsource s outlet "o" date 2024-01-01\n'
with open(d + '/huge.cav', 'w') as f:
    f.write(head + 'zone z = polygon(')
    f.write(', '.join('%.5f %.5f' % (50 + (i % 1000) * 1e-4, 30 + (i // 1000) * 1e-4) for i in range(1200000)))
    f.write(')\n')
with open(d + '/many.geojson', 'w') as f:
    n = 1100000
    f.write('{"type": "Polygon", "coordinates": [[')
    import math
    ring = ['[%.7f, %.7f]' % (30 + math.cos(2 * math.pi * i / n), 50 + 0.5 * math.sin(2 * math.pi * i / n)) for i in range(n)]
    f.write(', '.join(ring + [ring[0]]))
    f.write(']]}')
open(d + '/geo.cav', 'w').write(head + 'zone z = geojson("many.geojson")\n')
PY
limit_mem "$caveat" lint "$tmp/huge.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "huge policy: rejected"
grep -q "larger than 16 MiB" "$tmp/out" && ok || bad "huge policy: message"
limit_mem "$caveat" lint "$tmp/geo.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "many vertices: rejected"
grep -q "vertices; the limit is 1000000" "$tmp/out" && ok || bad "many vertices: message"
# 10 million vertices (270 MB of GeoJSON): refused by size before anything is read
{ printf '{"type": "Polygon", "coordinates": [['
  yes '[30.1234567, 50.1234567],' | head -n 10000000 | tr -d '\n'
  printf '[30.1234567, 50.1234567]]]}'; } > "$tmp/ten-million.geojson"
printf 'party US\nclass c\nkind k\nweapon w class c consent US\nzone z = geojson("ten-million.geojson")\n' > "$tmp/ten.cav"
limit_mem "$caveat" lint "$tmp/ten.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "10 million vertices: rejected"
grep -q "larger than the limit of 64 MiB" "$tmp/out" && ok || bad "10 million vertices: message"
rm -f "$tmp/ten-million.geojson"

# long edges close together (review finding): a star of 250 spikes loads quickly and answers; a
# comb of 20,000 teeth 7 degrees long is refused at its zone, in bounded memory, not after
# minutes and gigabytes
python3 - "$tmp" <<'PY'
import json, math, sys
d = sys.argv[1]
head = ('party US\nclass c\nkind k\nweapon w class c consent US\nsource s outlet "o" date 2024-01-01\n'
        'permit r\n  party US\n  from 2024-01-01\n  source s\n  says "x"\n  when target in z\n')
star = [[32 + (0.5 if i % 2 else 10) * math.cos(math.pi * i / 250),
         49 + 0.7 * (0.5 if i % 2 else 10) * math.sin(math.pi * i / 250)] for i in range(500)]
json.dump({"type": "Polygon", "coordinates": [star + [star[0]]]}, open(d + '/star.geojson', 'w'))
open(d + '/star.cav', 'w').write(head + 'zone z = geojson("star.geojson")\n')
n, w = 20000, 18 / 20000
comb = [[22, 45]]
for i in range(n):
    a = 22 + i * w
    comb += [[a + w / 4, 45.1], [a + w / 4, 52], [a + 3 * w / 4, 52], [a + 3 * w / 4, 45.1]]
comb += [[40, 45], [22, 45]]
json.dump({"type": "Polygon", "coordinates": [comb]}, open(d + '/comb.geojson', 'w'))
open(d + '/comb.cav', 'w').write(head + 'zone small = box(48, 31, 49, 32)\nzone z = geojson("comb.geojson")\n')
PY
star_q() { echo "{\"date\": \"2024-06-10\", \"weapon\": \"w\", \"target\": {\"lat\": $1, \"lon\": $2, \"kind\": \"k\", \"state\": \"ground\", \"role\": \"attacking\"}}"; }
{ star_q 49 41.9; star_q 49.044 37; } |
  limit_mem timeout 60 "$caveat" check --policy "$tmp/star.cav" > "$tmp/out" 2> "$tmp/err"
expect_eq "$?" 0 "spiky star: loads and answers"
expect_eq "$(grep -o '^{"id": null, "decision": "[a-z]*"' "$tmp/out" | cut -d'"' -f6 | tr '\n' ' ')" \
  'permitted prohibited ' "spiky star: a spike's tip in, a gap out"
limit_mem timeout 60 "$caveat" lint "$tmp/comb.cav" > "$tmp/out" 2>&1
expect_eq "$?" 2 "comb of long teeth: rejected"
grep -q "comb.cav:13:1: error: zone 'z' is too intricate to index" "$tmp/out" && ok ||
  bad "comb of long teeth: the zone and its place"

# empty files, a directory, an unreadable file
: > "$tmp/empty.ndjson"
"$caveat" check "$tmp/empty.ndjson" > "$tmp/out"; expect_eq "$?" 0 "empty input: exit 0"
expect_eq "$(wc -c < "$tmp/out")" 0 "empty input: no output"
: > "$tmp/empty.cav"
"$caveat" check --policy "$tmp/empty.cav" "$tmp/in1" < /dev/null > /dev/null 2>&1
"$caveat" check --policy "$tmp/empty.cav" - <<< "$good" > "$tmp/out" 2>&1
expect_eq "$?" 1 "empty policy: queries name unknown weapons"
grep -q '"field": "weapon"' "$tmp/out" && ok || bad "empty policy: error names the weapon"
mkdir -p "$tmp/dir"
"$caveat" check "$tmp/dir" > /dev/null 2> "$tmp/err"; expect_eq "$?" 2 "input is a directory"
grep -qi "directory" "$tmp/err" && ok || bad "directory named"
"$caveat" lint "$tmp/dir" > "$tmp/out" 2>&1; expect_eq "$?" 2 "policy dir without .cav files"
echo "$good" > "$tmp/secret.ndjson"; chmod 000 "$tmp/secret.ndjson"
if [ "$(id -u)" = 0 ]; then run_unprivileged() { chmod 755 "$tmp"; setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else run_unprivileged() { "$@"; }; fi
run_unprivileged "$caveat" check "$tmp/secret.ndjson" > /dev/null 2> "$tmp/err"
expect_eq "$?" 2 "unreadable input"
grep -q "Permission denied" "$tmp/err" && ok || bad "unreadable input: reason"

# a full disk: the write error is reported and the exit status is 2
"$caveat" check - <<< "$good" > /dev/full 2> "$tmp/err"; expect_eq "$?" 2 "full disk"
grep -q "No space left" "$tmp/err" && ok || bad "full disk: reason"
"$caveat" timeline > /dev/full 2> "$tmp/err"; expect_eq "$?" 2 "full disk: timeline"
"$caveat" sample --rows 100000 > /dev/full 2> "$tmp/err"; expect_eq "$?" 2 "full disk: sample"
grep -q "write error: No space left" "$tmp/err" && ok || bad "full disk: sample's reason"
# standard output opened for reading only (1< FILE): the write fails and the file is untouched,
# past the 8 MiB that core/stream.c writes through a second, O_DIRECT descriptor (review finding:
# that descriptor was opened for writing whatever the caller's mode)
"$caveat" sample --rows 120000 --seed 4 > "$tmp/ro.csv"
before=$(md5sum < "$tmp/ro.csv")
"$caveat" sample --rows 120000 --seed 5 1< "$tmp/ro.csv" 2> "$tmp/err"; expect_eq "$?" 2 "read-only stdout: sample"
grep -q "write error: Bad file descriptor" "$tmp/err" && ok || bad "read-only stdout: sample's reason"
"$caveat" audit -q "$tmp/ro.csv" 1< "$tmp/ro.csv" 2> "$tmp/err"; expect_eq "$?" 2 "read-only stdout: audit"
expect_eq "$(md5sum < "$tmp/ro.csv")" "$before" "read-only stdout: the file is untouched"
rm -f "$tmp/ro.csv"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
