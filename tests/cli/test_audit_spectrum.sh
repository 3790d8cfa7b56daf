#!/usr/bin/env bash
# The csv-spectrum suite (npm csv-spectrum 1.0.0, pinned in tests/csv-spectrum/package-lock.json;
# `npm ci` there installs it) through `caveat audit` on the real binary ($1): every field of every
# file comes out exactly as the suite's JSON says it is. Each file gets the five required query
# columns appended to its header and to each row (row ends found by quote parity, exact for these
# well-formed RFC 4180 files), so the suite's own bytes are read as they are. Nothing is skipped:
# a missing suite is a failure.
set -u
caveat=$1
dir=$(cd "$(dirname "$0")/../csv-spectrum" && pwd)/node_modules/csv-spectrum
if [ ! -d "$dir/csvs" ] || [ "$(ls "$dir/csvs" | wc -l)" -lt 11 ]; then
  echo "FAIL: csv-spectrum is not installed: run 'npm ci' in tests/csv-spectrum" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
exec /usr/bin/python3 - "$caveat" "$dir" <<'EOF2'
import csv, io, json, os, subprocess, sys
caveat, d = sys.argv[1], sys.argv[2]
passed = failed = 0
QUERY = b"2024-06-10,gmlrs,50.6,36.59,forces"
for name in sorted(os.listdir(os.path.join(d, "csvs"))):
    raw = open(os.path.join(d, "csvs", name), "rb").read()
    want = json.load(open(os.path.join(d, "json", name[:-4] + ".json")))
    # append the query columns before each row's line end
    out, quotes, i = bytearray(), 0, 0
    first = True
    while i <= len(raw):
        c = raw[i:i + 1]
        if c == b'"':
            quotes += 1
        if (c in (b"\n", b"\r") and quotes % 2 == 0) or i == len(raw):
            if i > 0 and raw[i - 1:i] not in (b"\n",):
                out += b",date,weapon,target.lat,target.lon,target.kind" if first else b"," + QUERY
                first = False
            if c == b"\r" and raw[i + 1:i + 2] == b"\n":
                out += b"\r\n"
                i += 2
                continue
        out += c
        i += 1
    r = subprocess.run([caveat, "audit", "-q", "-c", "input,error", "-"], input=bytes(out),
                       capture_output=True)
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode("utf-8"), newline="")))
    got = [{k: v for k, v in row.items() if k in want[0]} for row in rows]
    errors = [row["error"] for row in rows if row["error"]]
    if r.returncode == 0 and got == want and not errors:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {got!r} != {want!r} {errors} {r.stderr.decode()}", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF2
