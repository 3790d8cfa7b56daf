#!/usr/bin/env bash
# End-to-end tests of `caveat audit` and `caveat sample` on the real binary ($1): rows in = rows
# out in input order, bad rows named by field, decisions equal to `caveat check` on the same
# queries, thread counts agree, NDJSON in and out, the summary, atomic output (a run killed with
# SIGKILL or SIGTERM leaves no file under the output's name).
set -u
caveat=$1
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', expected '$2'"; }

# CSV rows of a file (quoted newlines included), header excluded
rows() { "$PY" -c 'import csv,sys; csv.field_size_limit(1 << 30); print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"; }
# one column of a CSV file, one value per line (newlines in values shown as \n)
column() { "$PY" -c '
import csv, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
csv.field_size_limit(1 << 30)
r = csv.DictReader(open(sys.argv[1], newline=""))
for row in r: print(row[sys.argv[2]].replace("\n", "\\n"))' "$1" "$2"; }

# ---- sample: deterministic, the header, bad rows on request
"$caveat" sample --rows 1000 --seed 5 --bad-rate 0.05 -o "$tmp/in.csv"
expect_eq "$?" 0 "sample exit"
"$caveat" sample --rows 1000 --seed 5 --bad-rate 0.05 > "$tmp/again.csv"
cmp -s "$tmp/in.csv" "$tmp/again.csv" && ok || bad "sample is deterministic for a seed"
"$caveat" sample --rows 1000 --seed 6 --bad-rate 0.05 | cmp -s - "$tmp/in.csv" && bad "seeds differ" || ok
expect_eq "$(head -1 "$tmp/in.csv")" \
  "id,date,weapon,supplier,target.lat,target.lon,target.kind,target.state,purpose,launch.lat,launch.lon,unit,source,note" \
  "sample header"
expect_eq "$(rows "$tmp/in.csv")" 1000 "sample rows"

# ---- rows in = rows out, in order, passthrough columns unchanged
"$caveat" audit "$tmp/in.csv" -o "$tmp/out.csv" --summary "$tmp/summary.json" 2> "$tmp/err"
expect_eq "$?" 1 "exit 1 when some rows are errors"
expect_eq "$(rows "$tmp/out.csv")" 1000 "rows out"
expect_eq "$(head -1 "$tmp/out.csv")" \
  "$(head -1 "$tmp/in.csv"),decision,parties,rule,explanation,error" "output header"
for col in id note unit target.lat launch.lon; do
  expect_eq "$(column "$tmp/out.csv" "$col" | md5sum)" "$(column "$tmp/in.csv" "$col" | md5sum)" \
    "column $col passes through in order"
done
grep -q "1000 rows in, 1000 rows out" "$tmp/err" && ok || bad "text summary on stderr"
grep -q "top reasons for prohibited rows" "$tmp/err" && ok || bad "summary: top reasons"
"$PY" - "$tmp/summary.json" <<'EOF' && ok || bad "JSON summary"
import json, sys
s = json.load(open(sys.argv[1]))
d = s["decisions"]
assert s["rows_in"] == s["rows_out"] == 1000, s
assert d["permitted"] + d["prohibited"] + d["unknown"] + d["error"] == 1000, d
assert d["error"] == s["errors"]["rows"] > 0
assert sum(s["errors"]["by_field"].values()) == d["error"]
assert all(e["row"] >= 1 and e["message"] for e in s["errors"]["first"])
assert sum(sum(m.values()) for m in s["months"].values()) == 1000 - d["error"]
assert sum(r["rows"] for r in s["top_prohibited_reasons"]) <= d["prohibited"]
assert "US" in s["parties"] and s["rules"]
EOF

# ---- bad rows name their field
paste -d'|' <(column "$tmp/in.csv" target.lat) <(column "$tmp/out.csv" error) |
  grep '^95.0|' | grep -v '|target.lat: 95 is out of range (-90 to 90)$' | grep -q . &&
  bad "latitude 95 is reported on target.lat" || ok
expect_eq "$(column "$tmp/out.csv" error | grep -c "^weapon: unknown weapon 'gmlrss' (did you mean gmlrs?)$")" \
  "$(column "$tmp/in.csv" weapon | grep -c '^gmlrss$')" "misspelt weapons reported"
expect_eq "$(column "$tmp/out.csv" error | grep -c '^date: must be a date written YYYY-MM-DD$')" \
  "$(column "$tmp/in.csv" date | grep -c '^2024-02-30$')" "30 February reported"
column "$tmp/out.csv" error | grep -q '^target.lon: must be a number of degrees$' && ok ||
  bad "a decimal comma is reported on target.lon"

# ---- decisions equal `caveat check` on the same queries as NDJSON
"$PY" - "$tmp/in.csv" > "$tmp/in.ndjson" <<'EOF'
import csv, json, sys
def num(v):
    try:
        return float(v) if v.strip() else None
    except ValueError:
        return v
for row in csv.DictReader(open(sys.argv[1], newline="")):
    q = {"id": row["id"]}
    for k in ("date", "weapon", "supplier", "purpose"):
        if row[k].strip():
            q[k] = row[k].strip()
    t = {}
    for k in ("lat", "lon"):
        if num(row["target." + k]) is not None:
            t[k] = num(row["target." + k])
    for k in ("kind", "state"):
        if row["target." + k].strip():
            t[k] = row["target." + k].strip()
    q["target"] = t
    l = {k: num(row["launch." + k]) for k in ("lat", "lon") if num(row["launch." + k]) is not None}
    if l:
        q["launch"] = l
    print(json.dumps(q))
EOF
"$caveat" check "$tmp/in.ndjson" > "$tmp/check.ndjson"
"$PY" - "$tmp/out.csv" "$tmp/check.ndjson" <<'EOF' && ok || bad "audit decisions equal caveat check"
import csv, json, sys
audit = list(csv.DictReader(open(sys.argv[1], newline="")))
check = [json.loads(l) for l in open(sys.argv[2])]
assert len(audit) == len(check) == 1000
diff = 0
for a, c in zip(audit, check):
    assert a["id"] == c["id"]
    if "error" in c:
        want = (c["error"]["field"] + ": " if c["error"]["field"] else "") + c["error"]["message"]
        same = a["error"] == want and a["decision"] == ""
    else:
        parties = ";".join(p["party"] + ":" + p["decision"] for p in c["parties"])
        same = (a["decision"] == c["decision"] and a["parties"] == parties and
                a["explanation"] == c["explanation"] and a["error"] == "")
    if not same:
        diff += 1
        if diff <= 3:
            print("differs:", a, c, file=sys.stderr)
assert diff == 0, diff
EOF

# ---- any thread count gives the same bytes; stdin; NDJSON input and output
"$caveat" audit --threads 1 --quiet "$tmp/in.csv" > "$tmp/t1.csv"
"$caveat" audit --threads 3 --quiet - < "$tmp/in.csv" > "$tmp/t3.csv"
cmp -s "$tmp/t1.csv" "$tmp/out.csv" && ok || bad "--threads 1 output"
cmp -s "$tmp/t3.csv" "$tmp/out.csv" && ok || bad "--threads 3 from stdin"
"$caveat" audit --quiet "$tmp/in.ndjson" > "$tmp/nd.ndjson"
expect_eq "$(wc -l < "$tmp/nd.ndjson")" 1000 "NDJSON rows out"
"$PY" - "$tmp/nd.ndjson" "$tmp/check.ndjson" <<'EOF' && ok || bad "NDJSON audit equals check"
import json, sys
for a, c in zip(open(sys.argv[1]), open(sys.argv[2])):
    a, c = json.loads(a), json.loads(c)
    assert a["id"] == c["id"]
    if "error" in c:
        assert a["error"]["field"] == c["error"]["field"], (a, c)
    else:
        assert (a["decision"], a["parties"], a["explanation"]) == \
               (c["decision"], c["parties"], c["explanation"]), (a, c)
EOF
"$caveat" audit --quiet --format ndjson "$tmp/in.csv" | "$PY" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 1000 and all("decision" in r or "error" in r for r in rows)
assert rows[0]["id"].startswith("ev-")' && ok || bad "CSV in, NDJSON out"

# ---- several inputs one after the other; quoting; malformed rows keep their place
printf 'id,date,weapon,target.lat,target.lon,target.kind,purpose,memo\n' > "$tmp/a.csv"
printf 'x1,2024-06-10,gmlrs,50.60,36.59,forces,counterfire,"two\nlines, and ""quotes"""\r\n' >> "$tmp/a.csv"
printf 'x2,2024-06-10,gmlrs,50.60\n' >> "$tmp/a.csv"
printf '\n' >> "$tmp/a.csv"
printf 'x4, 2024-06-10 ,HIMARS,50.60,36.59,Forces,counterfire,last' >> "$tmp/a.csv"
cp "$tmp/a.csv" "$tmp/b.csv"
"$caveat" audit --quiet "$tmp/a.csv" "$tmp/b.csv" > "$tmp/ab.csv"
expect_eq "$?" 1 "malformed rows are errors"
expect_eq "$(rows "$tmp/ab.csv")" 8 "rows of two inputs"
expect_eq "$(column "$tmp/ab.csv" id | tr '\n' ' ')" "x1 x2  x4 x1 x2  x4 " "order across inputs"
expect_eq "$(column "$tmp/ab.csv" memo | sed -n 1p)" 'two\nlines, and "quotes"' "quoted field passes through"
expect_eq "$(column "$tmp/ab.csv" decision | tr '\n' ' ')" "permitted   permitted permitted   permitted " "decisions"
expect_eq "$(column "$tmp/ab.csv" error | sed -n 2,3p | tr '\n' '|')" \
  "the row has 4 fields, the header 8|empty row|" "row errors"
printf 'id,date,weapon\n1,2024-06-10,gmlrs\n' > "$tmp/c.csv"
"$caveat" audit --quiet "$tmp/a.csv" "$tmp/c.csv" > /dev/null 2> "$tmp/err"
expect_eq "$?" 2 "inputs with different headers"

# a row longer than 1 MiB is one error row and the rows after it are read; so is a quoted field
# still open after 1 MiB (cut at its first line end)
{
  printf 'id,date,weapon,target.lat,target.lon,target.kind,note\n'
  printf 'r1,2024-06-10,gmlrs,50.6,36.59,forces,ok\n'
  printf 'r2,2024-06-10,gmlrs,50.6,36.59,forces,'; head -c 2000000 /dev/zero | tr '\0' x; printf '\n'
  printf 'r3,2024-06-10,gmlrs,50.6,36.59,forces,"open\n'
  for i in $(seq 1 40000); do printf 'r%d,2024-06-10,gmlrs,50.6,36.59,forces,filler\n' $((i + 3)); done
} > "$tmp/long.csv"
"$caveat" audit --quiet "$tmp/long.csv" > "$tmp/long-out.csv"
expect_eq "$?" 1 "long rows are errors"
expect_eq "$(column "$tmp/long-out.csv" error | sed -n 2,3p | tr '\n' '|')" \
  "the row is longer than 1 MiB|a quoted field is not closed|" "long and open rows"
expect_eq "$(column "$tmp/long-out.csv" id | sed -n '1p;4p;$p' | tr '\n' ' ')" "r1 r4 r40003 " \
  "rows after the long ones"

# ---- usage errors exit 2 and write nothing
"$caveat" audit --frobnicate > /dev/null 2>&1; expect_eq "$?" 2 "unknown option"
"$caveat" audit --threads 0 "$tmp/in.csv" > /dev/null 2>&1; expect_eq "$?" 2 "--threads 0"
"$caveat" audit "$tmp/c.csv" -o "$tmp/none.csv" 2> "$tmp/err"; expect_eq "$?" 2 "missing required column"
grep -q "no 'target.lat' column" "$tmp/err" && ok || bad "missing column named"
[ ! -e "$tmp/none.csv" ] && ok || bad "no output after a usage error"
"$caveat" audit "$tmp/missing.csv" > /dev/null 2>&1; expect_eq "$?" 2 "missing input"
"$caveat" audit --quiet "$tmp/out.csv" > /dev/null 2> "$tmp/err"; expect_eq "$?" 2 "audited file"
"$caveat" audit --help | grep -q "usage: caveat audit" && ok || bad "audit --help"

# ---- atomic output: a run killed mid-way leaves nothing under the output's name
"$caveat" sample --rows 1500000 --seed 9 -o "$tmp/big.csv"
"$caveat" audit --quiet --threads 2 "$tmp/big.csv" -o "$tmp/big-out.csv" &
pid=$!
for _ in $(seq 100); do # until the temporary output exists
  ls -a "$tmp" | grep -q '^\.big-out\.csv\.part\.' && break
  sleep 0.05
done
sleep 0.1
if kill -0 "$pid" 2> /dev/null; then
  kill -9 "$pid"
  wait "$pid" 2> /dev/null
  [ ! -e "$tmp/big-out.csv" ] && ok || bad "kill -9 left an output file"
  ls -a "$tmp" | grep -q '^\.big-out\.csv\.part\.' && ok || bad "the partial file has a .part name"
  rm -f "$tmp"/.big-out.csv.part.*
else
  wait "$pid"
  echo "note: the large run ended before the kill; the pipe runs below still test it" >&2
fi
# the same, with the input arriving slowly, so the kill certainly lands mid-run
mkfifo "$tmp/fifo"
for sig in KILL TERM; do
  (head -c 20000000 "$tmp/big.csv"; exec sleep 30) > "$tmp/fifo" 2> /dev/null &
  producer=$!
  "$caveat" audit --quiet - -o "$tmp/slow.csv" < "$tmp/fifo" &
  pid=$!
  sleep 1
  kill -"$sig" "$pid"
  wait "$pid" 2> /dev/null
  [ ! -e "$tmp/slow.csv" ] && ok || bad "SIG$sig mid-run left an output file"
  if [ "$sig" = TERM ]; then
    ls -a "$tmp" | grep -q '\.part\.' && bad "SIGTERM left the temporary file" || ok
  fi
  rm -f "$tmp"/.slow.csv.part.*
  kill "$producer" 2> /dev/null
  wait "$producer" 2> /dev/null
done
# a device or a FIFO as -o is written in place, never replaced
"$caveat" audit --quiet "$tmp/in.csv" -o /dev/null --summary /dev/null
expect_eq "$?" 1 "-o /dev/null"
[ -c /dev/null ] && ok || bad "/dev/null is still a device"
mkfifo "$tmp/out.fifo"
cat "$tmp/out.fifo" > "$tmp/from-fifo.csv" &
"$caveat" audit --quiet "$tmp/in.csv" -o "$tmp/out.fifo"
wait
cmp -s "$tmp/from-fifo.csv" "$tmp/out.csv" && ok || bad "-o FIFO"
[ -p "$tmp/out.fifo" ] && ok || bad "the FIFO is still a FIFO"
"$caveat" audit --quiet "$tmp/in.csv" -o "$tmp" 2> /dev/null; expect_eq "$?" 2 "-o a directory"
# a complete run leaves exactly the output
"$caveat" audit --quiet "$tmp/in.csv" -o "$tmp/done.csv"
[ -s "$tmp/done.csv" ] && ! ls -a "$tmp" | grep -q '\.part\.' && ok || bad "complete run"

echo "audit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
