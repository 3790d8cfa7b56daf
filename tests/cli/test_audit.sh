#!/usr/bin/env bash
# End-to-end tests of `caveat audit` and `caveat sample` on the real binary ($1): rows in = rows
# out in input order, decisions equal to `caveat check` on the same queries, every problem of a
# bad row, logs as they are (delimiters, usual column names, --map, DMS and MGRS, CR-only line
# ends, a byte-order mark), the four verdicts in the summary, NDJSON and GeoJSON output, --columns,
# output files that never replace an input, and a regression test for each hardening finding
# (tests/fuzz/findings/, issue 15 "Hardening, round two", by its numbers: 2, 4, 5, 16, 18, 19, 22).
set -u
caveat=$1
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', expected '$2'"; }
# the CSV rows of a file (quoted newlines included), header excluded, as Python's reader sees them
rows() { "$PY" -c 'import csv,sys; csv.field_size_limit(1 << 30); print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"; }
# one column of a CSV output, one value per line
column() { "$PY" -c '
import csv, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
csv.field_size_limit(1 << 30)
for row in csv.DictReader(open(sys.argv[1], newline="")): print(row[sys.argv[2]].replace("\n", "\\n"))' "$1" "$2"; }

# ---- sample: deterministic, its header, bad rows on request, DMS and MGRS forms
"$caveat" sample --rows 1000 --seed 5 --bad-rate 0.05 > "$tmp/in.csv"
expect_eq "$?" 0 "sample exit"
"$caveat" sample --rows 1000 --seed 5 --bad-rate 0.05 | cmp -s - "$tmp/in.csv" && ok || bad "sample is deterministic"
"$caveat" sample --rows 1000 --seed 6 --bad-rate 0.05 | cmp -s - "$tmp/in.csv" && bad "seeds differ" || ok
expect_eq "$(head -1 "$tmp/in.csv")" \
  "id,date,weapon,supplier,target.lat,target.lon,target.kind,target.state,target.role,purpose,launch.lat,launch.lon,unit,source,note" \
  "sample header"
expect_eq "$(rows "$tmp/in.csv")" 1000 "sample rows"
"$caveat" sample --rows 10 --bad-rate 2 > /dev/null 2>&1; expect_eq "$?" 2 "sample: bad rate out of range"
# a file gets whole 8 MiB blocks through O_DIRECT (core/stream.c), a pipe ordinary writes: the
# bytes are the same; after a line already in the file, the sample starts at the file's offset
"$caveat" sample --rows 120000 --seed 5 > "$tmp/big-file.csv"
"$caveat" sample --rows 120000 --seed 5 | cat > "$tmp/big-pipe.csv"
[ "$(wc -c < "$tmp/big-file.csv")" -gt 9000000 ] && ok || bad "sample: more than one 8 MiB block"
cmp -s "$tmp/big-file.csv" "$tmp/big-pipe.csv" && ok || bad "sample: a file and a pipe get the same bytes"
{ echo "# a line before"; "$caveat" sample --rows 120000 --seed 5; } > "$tmp/big-after.csv"
tail -n +2 "$tmp/big-after.csv" | cmp -s - "$tmp/big-pipe.csv" && ok || bad "sample: starts at the file's offset"
rm -f "$tmp/big-file.csv" "$tmp/big-pipe.csv" "$tmp/big-after.csv"

# ---- rows in = rows out, in order, passthrough columns unchanged, the summary
"$caveat" audit "$tmp/in.csv" -o "$tmp/out.csv" --summary "$tmp/summary.json" 2> "$tmp/err"
expect_eq "$?" 1 "exit 1 when some rows are errors"
expect_eq "$(rows "$tmp/out.csv")" 1000 "rows out"
expect_eq "$(head -1 "$tmp/out.csv")" \
  "$(head -1 "$tmp/in.csv"),decision,parties,rule,valid_from,valid_until,explanation,error" "output header"
for col in id note unit target.lat launch.lon; do
  expect_eq "$(column "$tmp/out.csv" "$col" | md5sum)" "$(column "$tmp/in.csv" "$col" | md5sum)" \
    "column $col passes through in order"
done
grep -q "1000 rows in, 1000 rows out" "$tmp/err" && ok || bad "text summary on stderr"
"$PY" - "$tmp/summary.json" "$tmp/out.csv" <<'EOF' && ok || bad "JSON summary"
import csv, json, sys
s = json.load(open(sys.argv[1]))
d = s["decisions"]
assert s["rows_in"] == s["rows_out"] == 1000, s
assert set(d) == {"permitted", "prohibited", "indeterminate", "unknown", "error"}, d
assert sum(d.values()) == 1000, d
out = list(csv.DictReader(open(sys.argv[2], newline="")))
for v in ("permitted", "prohibited", "indeterminate", "unknown"):
    assert d[v] == sum(1 for r in out if r["decision"] == v), v
assert d["indeterminate"] > 0 and d["unknown"] > 0, d
assert d["error"] == s["errors"]["rows"] == sum(1 for r in out if r["error"]) > 0
assert all(e["line"] >= 2 and e["message"] for e in s["errors"]["first"])
assert sum(sum(m.values()) for m in s["months"].values()) == 1000 - d["error"]
assert {c["column"]: c["how"] for c in s["columns"]}["note"] == "kept out of the query"
assert s["delimiter"] == {"value": ",", "how": "detected"}
EOF
# thread counts give the same bytes
"$caveat" audit -q -j 1 "$tmp/in.csv" > "$tmp/out1.csv"
"$caveat" audit -q -j 3 "$tmp/in.csv" > "$tmp/out3.csv"
cmp -s "$tmp/out1.csv" "$tmp/out3.csv" && ok || bad "1 and 3 threads differ"
cmp -s "$tmp/out1.csv" "$tmp/out.csv" && ok || bad "stdout and -o differ"

# ---- every row gets exactly the decision `caveat check` gives the same query
"$caveat" audit -q -f ndjson "$tmp/in.csv" > "$tmp/out.ndjson"
"$PY" - "$tmp/out.ndjson" > "$tmp/queries.ndjson" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "error" not in r["decision"]:
        print(json.dumps(r["query"]))
EOF
"$caveat" check "$tmp/queries.ndjson" > "$tmp/check.ndjson"
"$PY" - "$tmp/out.ndjson" "$tmp/check.ndjson" <<'EOF' && ok || bad "audit's decisions equal check's"
import json, sys
audit = [json.loads(l)["decision"] for l in open(sys.argv[1])]
audit = [d for d in audit if "error" not in d]
check = [json.loads(l) for l in open(sys.argv[2])]
assert len(audit) == len(check) > 900, (len(audit), len(check))
assert audit == check
EOF

# ---- NDJSON output: the decision nested as check writes it; input keys never shadow it
"$PY" - "$tmp/out.ndjson" <<'EOF' && ok || bad "NDJSON rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1000
assert [r["line"] for r in rows] == sorted(r["line"] for r in rows)
r = rows[0]
assert list(r) == ["line", "query", "input", "decision"], list(r)
assert isinstance(r["query"]["target"]["lat"], float), r["query"]
assert set(r["input"]) == {"unit", "source", "note"}
assert r["decision"]["decision"] in ("permitted", "prohibited", "indeterminate", "unknown")
EOF
"$caveat" audit -q -f ndjson tests/fuzz/findings/query/spoof.ndjson > "$tmp/spoof.out" 2>/dev/null
"$PY" - "$tmp/spoof.out" <<'EOF' && ok || bad "finding 18: an input key 'decision' does not shadow the decision"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert list(r)[:3] == ["line", "query", "input"], list(r)
    assert r["input"]["decision"] == "permitted"  # the input's own, kept apart
    assert r["decision"]["decision"] == "prohibited"  # ATACMS into Russia
EOF
grep -c '"decision": "prohibited"' "$tmp/spoof.out" | grep -q '^[1-9]' && ok || bad "spoof: real decision present"

# ---- NDJSON input: detected without a flag; duplicate keys are errors, as in check
printf '%s\n' '{"id":"a","date":"2024-06-10","weapon":"gmlrs","target":{"lat":50.6,"lon":36.59,"kind":"forces","role":"attacking"},"purpose":"counterfire","unit":"3"}' \
  '{"id":"b","date":"2024-06-10","weapon":"gmlrs","weapon":"atacms","target":{"lat":50.6,"lon":36.59,"kind":"forces"}}' \
  '{"id":"c","date":"2024-06-10","weapon":"gmlrs","target":{"lat":50.6,"lon":36.59,"kind":"forces"},"note":"x","note":"y"}' \
  '{"id": "d", oops}' '' > "$tmp/q.log"
"$caveat" audit -q -f ndjson "$tmp/q.log" > "$tmp/q.out"
expect_eq "$?" 1 "NDJSON input with bad rows: exit 1"
expect_eq "$(wc -l < "$tmp/q.out")" 5 "NDJSON: rows in = rows out"
"$PY" - "$tmp/q.out" <<'EOF' && ok || bad "NDJSON input rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
assert rows[0]["decision"]["decision"] == "permitted" and rows[0]["input"] == {"unit": "3"}
assert rows[1]["decision"]["error"]["field"] == "weapon", rows[1]
assert "twice" in rows[1]["decision"]["error"]["message"]
assert rows[2]["decision"]["error"]["field"] == "note", rows[2]
assert "not valid JSON" in rows[3]["decision"]["error"]["message"]
assert "empty line" in rows[4]["decision"]["error"]["message"]
EOF

# ---- every problem of a row at once; rows numbered by file line
printf 'id,date,weapon,target.lat,target.lon,target.kind,note\n1,2024-06-10,gmlrss,95,36,forcess,"two\nlines"\n2,2024-02-30,gmlrs,50,36,forces,ok\n' > "$tmp/bad.csv"
"$caveat" audit -q "$tmp/bad.csv" --summary "$tmp/bad.json" > "$tmp/bad.out"
"$PY" - "$tmp/bad.out" "$tmp/bad.json" <<'EOF' && ok || bad "every problem of a row; file lines"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
e = rows[0]["error"]
assert "weapon: unknown weapon 'gmlrss'" in e and "target.lat: 95 is out of range" in e and "target.kind" in e, e
assert rows[0]["note"] == "two\nlines"
assert rows[1]["error"].startswith("date:"), rows[1]
s = json.load(open(sys.argv[2]))
assert [x["line"] for x in s["errors"]["first"]] == [2, 4], s["errors"]["first"]
EOF

# ---- logs as they are: ';', usual names, timestamps, names with spaces, DMS, MGRS, CR-only
printf 'timestamp;system;lat;lon;type;role;purpose;unit\r2024-06-10T14:30:00Z;Storm Shadow;50.6;36.59;forces;attacking;strike;a\r2024-06-10T23:30:00+03:00;HIMARS;50\xc2\xb036'"'"'00"N;36\xc2\xb035'"'"'24"E;forces;attacking;counterfire;b\r' > "$tmp/real.csv"
"$caveat" audit -q -f ndjson "$tmp/real.csv" --summary "$tmp/real.json" > "$tmp/real.out"
expect_eq "$?" 0 "real log: every row decided"
"$PY" - "$tmp/real.out" "$tmp/real.json" <<'EOF' && ok || bad "usual names, ';', CR-only, DMS"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["line"] for r in rows] == [2, 3], rows
assert rows[1]["decision"]["decision"] == "permitted", rows[1]
assert rows[1]["decision"]["date"] == "2024-06-10"
s = json.load(open(sys.argv[2]))
how = {c["column"]: (c["field"], c["how"]) for c in s["columns"]}
assert how["timestamp"] == ("date", "usual name") and how["lat"] == ("target.lat", "usual name"), how
assert how["system"] == ("weapon", "usual name") and how["unit"] == (None, "kept out of the query")
assert s["delimiter"]["value"] == ";"
EOF
printf 'when,what,grid,kind\n2024-06-10,gmlrs,37U DB 12345 67890,forces\n2024-06-10,gmlrs,37UDB1234567890,forces\n2024-06-10,gmlrs,99ZZZ1,forces\n' > "$tmp/mgrs.csv"
"$caveat" audit -q --map when=date,what=weapon "$tmp/mgrs.csv" -f ndjson > "$tmp/mgrs.out"
"$PY" - "$tmp/mgrs.out" <<'EOF' && ok || bad "MGRS column and --map"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0]["decision"] == dict(rows[1]["decision"]), "spaces in MGRS do not matter"
assert "decision" in rows[0]["decision"] and "error" not in rows[0]["decision"], rows[0]
assert rows[2]["decision"]["error"]["field"] == "target.mgrs", rows[2]
EOF
# a missing required column: every one reported at once, nothing written
printf 'day,lat,note\n2024-06-10,50,x\n' > "$tmp/missing.csv"
"$caveat" audit -q "$tmp/missing.csv" -o "$tmp/missing.out" 2> "$tmp/missing.err"
expect_eq "$?" 2 "missing columns: usage error"
expect_eq "$(grep -c 'no column gives' "$tmp/missing.err")" 3 "weapon, target.lon, target.kind reported at once"
[ -e "$tmp/missing.out" ] && bad "nothing written on a refused header" || ok
"$caveat" audit -q --map wepon=weapon "$tmp/in.csv" > /dev/null 2> "$tmp/map.err"
grep -q "did you mean weapon" "$tmp/map.err" && ok || bad "--map with a misspelt column"
# --columns and the short explanation; an input column named like an output column
printf 'id,date,weapon,target.lat,target.lon,target.kind,decision\nq,2024-06-10,gmlrs,50.6,36.59,forces,forged\n' > "$tmp/clash.csv"
expect_eq "$("$caveat" audit -q -c line,id,decision,why,input.decision "$tmp/clash.csv" 2>&1 | head -1)" \
  "caveat audit: --columns: no column 'input.decision' (output columns: input, line, date, decision, parties, rule, valid_from, valid_until, explanation, why, error, or an input column)" "--columns names"
"$caveat" audit -q "$tmp/clash.csv" > "$tmp/clash.out"
expect_eq "$(head -1 "$tmp/clash.out" | cut -d, -f7-8)" "input.decision,decision" "input column renamed, not shadowing"
expect_eq "$("$caveat" audit -q -c line,id,decision,why "$tmp/clash.csv" | tail -1)" \
  "2,q,indeterminate,US indeterminate as it might forbid: us-no-strikes-into-russia (not given: target.role)" "short form"
# numbers are written back as they came in
printf 'id,date,weapon,target.lat,target.lon,target.kind\nq,2024-06-10,gmlrs,50.600000,036.59,forces\n' > "$tmp/num.csv"
"$caveat" audit -q "$tmp/num.csv" | tail -1 | grep -q '^q,2024-06-10,gmlrs,50.600000,036.59,forces,' && ok || bad "numbers as they came in"
# GeoJSON for QGIS: a point per row, null geometry for a row without a position
"$caveat" audit -q "$tmp/bad.csv" -f geojson > "$tmp/bad.geojson"
"$PY" - "$tmp/bad.geojson" <<'EOF' && ok || bad "GeoJSON output"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["type"] == "FeatureCollection" and len(g["features"]) == 2
f = g["features"][1]
assert f["geometry"] == {"type": "Point", "coordinates": [36.0, 50.0]}, f
assert f["properties"]["line"] == 4 and f["properties"]["error"].startswith("date:")
EOF

# ---- findings 2 and 16: many parties x rules, and packs over 65,536 rules: exact keys
for f in key5 key; do
  "$caveat" audit -q -p tests/fuzz/findings/policy/$f.cav tests/fuzz/findings/csv/$f.csv > "$tmp/$f.out" 2> "$tmp/$f.err"
  expect_eq "$?" 0 "finding 2: $f audited (no false out of memory)"
  expect_eq "$(rows "$tmp/$f.out")" "$(rows tests/fuzz/findings/csv/$f.csv)" "finding 2: $f rows"
done
grep -q 'ihl-0;ihl-1;ihl-2;ihl-3;ihl-4;ihl-5' "$tmp/key5.out" && ok || bad "finding 2: every deciding rule named"
"$PY" - "$tmp/big.cav" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write('party US\nclass c\nkind forces\nkind civilian-object\nsource s1 outlet "o" date 2024-01-01\n'
            'weapon w class c consent [US]\n')
    for i in range(65540):
        f.write(f'forbid r{i} party US from 2024-01-01 source s1 when target.kind = civilian-object\n')
    f.write('permit last party US from 2024-01-01 source s1\n')
EOF
printf 'date,weapon,target.lat,target.lon,target.kind\n2024-06-10,w,50,36,forces\n2024-06-11,w,50,36,forces\n' > "$tmp/big.csv"
"$caveat" audit -q -p "$tmp/big.cav" -c decision,rule "$tmp/big.csv" > "$tmp/big.out" 2> "$tmp/big.err"
expect_eq "$(tail -1 "$tmp/big.out")" "permitted,last" "finding 16: rule 65,541 named right"

# ---- finding 4: a stray quote never swallows rows
"$caveat" audit -q tests/fuzz/findings/csv/unbal.csv > "$tmp/unbal.out"
expect_eq "$(column "$tmp/unbal.out" id | tr '\n' ' ')" "r1 r2 r3 r4 " "finding 4: rows after an unbalanced quote"
expect_eq "$(column "$tmp/unbal.out" decision | tr '\n' ' ')" "indeterminate  indeterminate indeterminate " "finding 4: only the bad row is an error"
{ echo 'id,date,weapon,target.lat,target.lon,target.kind,purpose,note'
  for i in $(seq 1 10000); do
    note=ok; [ "$i" = 3 ] && note='He said "hi'
    echo "r$i,2024-06-10,gmlrs,50.6,36.59,forces,counterfire,$note"
  done; } > "$tmp/stray.csv"
"$caveat" audit -q "$tmp/stray.csv" > "$tmp/stray.out"
expect_eq "$?" 0 "finding 4: a quote inside a field is a character"
expect_eq "$(rows "$tmp/stray.out")" 10000 "finding 4: 10,000 rows in, 10,000 out"
expect_eq "$(column "$tmp/stray.out" note | sed -n 3p)" 'He said "hi' "finding 4: the note as written"

# ---- finding 5: CR-only line ends
"$caveat" audit -q tests/fuzz/findings/csv/mac.csv > "$tmp/mac.out"
expect_eq "$(rows "$tmp/mac.out")" 2 "finding 5: CR-only rows"
expect_eq "$(column "$tmp/mac.out" decision | tr '\n' ' ')" "indeterminate indeterminate " "finding 5: decided"

# ---- finding 19: a column named twice is an error
"$caveat" audit -q tests/fuzz/findings/csv/duphdr.csv > /dev/null 2> "$tmp/dup.err"
expect_eq "$?" 2 "finding 19: duplicate header refused"
grep -q "names column 'weapon' twice" "$tmp/dup.err" && ok || bad "finding 19: message"

# ---- finding 22: invalid UTF-8 never reaches the output
printf 'id,date,weapon,target.lat,target.lon,target.kind,note\nx\xff\xfe,2024-06-10,gmlrs\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9,50,36,forces,\xc3\n' > "$tmp/utf.csv"
for f in csv ndjson geojson; do
  "$caveat" audit -q -f $f "$tmp/utf.csv" > "$tmp/utf-out.$f"
  iconv -f UTF-8 -t UTF-8 "$tmp/utf-out.$f" > /dev/null 2>&1 && ok || bad "finding 22: $f output is valid UTF-8"
  grep -q "$(printf '\xef\xbf\xbd')" "$tmp/utf-out.$f" && ok || bad "finding 22: $f bad bytes shown as U+FFFD"
done
printf 'id,date,weapon,target.lat,target.lon,target.kind,caf\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n' > "$tmp/long.csv"
"$caveat" audit -q --map 'caf=weapon' "$tmp/long.csv" 2> "$tmp/long.err"
iconv -f UTF-8 -t UTF-8 "$tmp/long.err" > /dev/null 2>&1 && ok || bad "finding 22: messages cut on character boundaries"

# ---- finding 6: output files: never an input, never each other; atomic
cp "$tmp/in.csv" "$tmp/keep.csv"
"$caveat" audit -q "$tmp/keep.csv" -o "$tmp/keep.csv" 2> /dev/null
expect_eq "$?" 2 "-o naming an input is refused"
"$caveat" audit -q "$tmp/keep.csv" -o "$tmp/o.csv" --summary "$tmp/keep.csv" 2> /dev/null
expect_eq "$?" 2 "--summary naming an input is refused"
"$caveat" audit -q "$tmp/keep.csv" -o "$tmp/same" --summary "$tmp/same" 2> /dev/null
expect_eq "$?" 2 "-o and --summary naming one file is refused"
cmp -s "$tmp/keep.csv" "$tmp/in.csv" && ok || bad "the input is left as it was"
echo old > "$tmp/prev.csv"
printf 'day,lat\n' > "$tmp/h.csv"
"$caveat" audit -q "$tmp/h.csv" -o "$tmp/prev.csv" 2> /dev/null
expect_eq "$(cat "$tmp/prev.csv")" old "a failed run leaves -o as it was"
ls -a "$tmp" | grep -q caveat-audit && bad "no temporary file left" || ok

# ---- an output of several O_DIRECT blocks (8 MiB; core/stream.h): the same bytes through -o, a
# pipe, standard output redirected to a file after bytes already there, and >> (appending)
"$caveat" sample --rows 40000 --seed 9 --bad-rate 0.02 > "$tmp/big.csv"
"$caveat" audit -q "$tmp/big.csv" | cat > "$tmp/big-pipe.csv"
"$caveat" audit -q "$tmp/big.csv" -o "$tmp/big-o.csv"
expect_eq "$?" 1 "large output: exit 1 (some rows are errors)"
[ "$(stat -c %s "$tmp/big-pipe.csv")" -gt $((17 << 20)) ] && ok || bad "large output: over two blocks"
cmp -s "$tmp/big-pipe.csv" "$tmp/big-o.csv" && ok || bad "large output: -o and a pipe differ"
{ printf 'abc'; "$caveat" audit -q "$tmp/big.csv"; } > "$tmp/big-after.csv"
{ printf 'abc'; cat "$tmp/big-pipe.csv"; } | cmp -s - "$tmp/big-after.csv" && ok ||
  bad "large output: standard output after 3 bytes differs"
printf 'old\n' > "$tmp/big-app.csv"
"$caveat" audit -q "$tmp/big.csv" >> "$tmp/big-app.csv"
{ printf 'old\n'; cat "$tmp/big-pipe.csv"; } | cmp -s - "$tmp/big-app.csv" && ok ||
  bad "large output: >> differs"
"$caveat" audit -q -f geojson "$tmp/big.csv" | cat > "$tmp/big-pipe.geojson"
"$caveat" audit -q -f geojson "$tmp/big.csv" -o "$tmp/big-o.geojson"
cmp -s "$tmp/big-pipe.geojson" "$tmp/big-o.geojson" && ok || bad "large output: GeoJSON -o and a pipe differ"
"$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$tmp/big-o.geojson" |
  grep -qx 40000 && ok || bad "large output: GeoJSON is whole"

# ---- rows wider than the header, each after a row of the header's width: a worker reads the
# next row ahead into a second span array while the current row is written, so a wider row is
# read again with room for every field, both arrays grown (AddressSanitizer's run of this test
# catches one not grown); the rows around it are untouched
{
  echo 'id,date,weapon,supplier,target.lat,target.lon,target.kind'
  for i in 1 2 3; do
    echo "a$i,2024-06-10,HIMARS,US,50.2,36.5,artillery"
    echo "w$i,2024-06-10,HIMARS,US,50.2,36.5,artillery$(printf ',x%d' $(seq 1 $((i * 9))))"
  done
  # wider and wider rows in a row: each read ahead into the array the one before grew
  for i in 4 5 6; do
    echo "w$i,2024-06-10,HIMARS,US,50.2,36.5,artillery$(printf ',x%d' $(seq 1 $((i * 9))))"
  done
  echo "z,2024-06-10,HIMARS,US,50.2,36.5,artillery"
} > "$tmp/wide.csv"
"$caveat" audit -q -j1 -c id,decision,error "$tmp/wide.csv" -o "$tmp/wide.out" 2> /dev/null
expect_eq "$?" 1 "rows wider than the header: exit 1"
expect_eq "$(column "$tmp/wide.out" decision | tr '\n' ' ')" \
  "permitted  permitted  permitted     permitted " "rows wider than the header: the rows around them decided"
expect_eq "$(column "$tmp/wide.out" error | sed -n 6p)" \
  "the row has 34 fields, the header 7; the fields past the header: $(seq -s, -f 'x%g' 1 27)" \
  "rows wider than the header: every field past the header named"
expect_eq "$(column "$tmp/wide.out" error | sed -n 9p)" \
  "the row has 61 fields, the header 7; the fields past the header: $(seq -s, -f 'x%g' 1 54)" \
  "rows wider than the header, one after another: every field past the header named"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
