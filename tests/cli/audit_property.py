#!/usr/bin/env python3
"""audit_property.py — property test: `caveat audit` gives every row of a log exactly the decision
and the errors `caveat check` gives the same query, on random logs with typos, bad values, missing
columns, quoted fields (delimiters, quotes and line breaks inside), CR-only and mixed line ends,
',' ';' and tab delimiters, duplicate headers, NUL bytes and invalid UTF-8 in passthrough columns.

The generator knows every cell it writes, so the oracle never parses the log: each row's query
goes to `caveat check` as JSON (one run for all rows whose numbers are JSON numbers) or as flags
(rows with numbers such as "+5" or "36,6" that JSON cannot carry), both binding through the same
setters. Rows in = rows out; each row's file line, decision object and (field, message) problems
must match. Usage: audit_property.py CAVEAT [SEEDS]. Prints "N passed, N failed".
"""
import json
import random
import subprocess
import sys
import tempfile

CAVEAT = sys.argv[1]
SEEDS = int(sys.argv[2]) if len(sys.argv) > 2 else 12

FIELDS = ["date", "weapon", "supplier", "target.lat", "target.lon", "target.kind", "target.state",
          "target.role", "purpose", "launch.lat", "launch.lon", "target.uncertainty_m"]
NUMERIC = {"target.lat", "target.lon", "launch.lat", "launch.lon", "target.uncertainty_m"}
FLAG = {"date": "date", "weapon": "weapon", "supplier": "supplier", "target.lat": "lat",
        "target.lon": "lon", "target.kind": "kind", "target.state": "state", "target.role": "role",
        "purpose": "purpose", "launch.lat": "launch-lat", "launch.lon": "launch-lon",
        "target.uncertainty_m": "uncertainty"}
GOOD = {
    "date": ["2024-06-10", "2024-05-29", "2022-03-01", "2024-06-10T23:30:00+03:00", "2025-01-20"],
    "weapon": ["gmlrs", "HIMARS", "atacms", "Storm Shadow", "patriot", "m777", "scalp"],
    "supplier": ["US", "UK", "FR", "DE"],
    "target.kind": ["forces", "artillery", "aircraft", "civilian-object", "command-post"],
    "target.state": ["ground", "airborne"],
    "target.role": ["attacking", "supporting", "none"],
    "purpose": ["counterfire", "strike", "air-defense", "self-defense"],
}
BAD = {
    "date": ["2024-02-30", "yesterday", "2024-6-1"],
    "weapon": ["gmlrss", "himars ", "storm_shadow", "xyz"],
    "supplier": ["USA", "ZZ"],
    "target.kind": ["forcess", "tank"],
    "target.state": ["flying"],
    "target.role": ["attack"],
    "purpose": ["revenge"],
}


def number(rng, field, good):
    lo, hi = {"target.lat": (46, 56), "target.lon": (23, 45), "launch.lat": (46, 56),
              "launch.lon": (23, 45), "target.uncertainty_m": (0, 30000)}[field]
    if good:
        v = rng.uniform(lo, hi)
        return rng.choice([f"{v:.5f}", f"{v:.2f}", str(round(v)), f"{v:.3e}"])
    return rng.choice(["95", "-181", "abc", "36,6", "+50.5", "1e999", "NaN", "--5", "05.5", ".5"])


def make_log(rng):
    """Returns (text bytes, header problem expected, rows) where rows are dicts field->cell."""
    delim = rng.choice([",", ";", "\t"])
    cols = [f for f in FIELDS if f in ("date", "weapon", "target.lat", "target.lon", "target.kind")
            or rng.random() < 0.6]
    missing_required = rng.random() < 0.08
    if missing_required:
        cols.remove(rng.choice(["weapon", "target.kind", "date"]))
    cols += ["id", "note", "unit"]
    rng.shuffle(cols)
    dup = rng.random() < 0.06
    header = cols + (["note"] if dup else [])
    rows = []
    for i in range(rng.randint(20, 60)):
        row = {"id": f"r{i}", "unit": rng.choice(["a", "3 brigade", ""]),
               "note": rng.choice(["ok", "x, y", 'He said "hi', 'q "quoted"', "two\nlines",
                                   "cr\rinside", "nul\0byte", "bad \xff utf8", "", "  spaced  "])}
        for f in cols:
            if f in row:
                continue
            r = rng.random()
            if r < 0.12 and f not in ("date", "weapon", "target.lat", "target.lon", "target.kind"):
                row[f] = ""
            elif f in NUMERIC:
                row[f] = number(rng, f, rng.random() < 0.9)
            else:
                pool = BAD[f] if rng.random() < 0.08 else GOOD[f]
                row[f] = rng.choice(pool)
                if rng.random() < 0.05:
                    row[f] = " " + row[f] + "\t"
            if f in NUMERIC and rng.random() < 0.03:
                row[f] = ""
        rows.append(row)
    # writing: quote when needed (or at random), line ends mixed or CR-only
    ends = rng.choice([["\n"], ["\r\n"], ["\r"], ["\n", "\r\n", "\r"]])

    def cell(v):
        need = delim in v or '"' in v[:1] or "\n" in v or "\r" in v
        if need or rng.random() < 0.1:
            return '"' + v.replace('"', '""') + '"'
        return v

    out, line, lines = [], 1, []
    out.append(delim.join(header) + rng.choice(ends))
    line += 1
    for row in rows:
        values = [row.get(c, "") for c in header]
        text = delim.join(cell(v) for v in values)
        lines.append(line)
        out.append(text + rng.choice(ends))
        # quoted line breaks are lines of the file too
        for v in values:
            line += v.count("\n") + v.replace("\r\n", "\n").count("\r")
        line += 1
    data = "".join(out).encode("utf-8", "surrogateescape")
    data = data.replace("\\xff".encode(), b"\xff")
    return data, delim, header, cols, missing_required or dup, rows, lines


def query_json(row, cols):
    q, target, launch = {"id": row["id"]}, {}, {}
    for f in cols:
        if f not in FIELDS:
            continue
        v = row[f].strip(" \t")
        if v == "":
            continue
        if f in NUMERIC:
            try:
                json.loads(v)
                float(v)
            except ValueError:
                return None
            if v.lower() in ("nan", "infinity") or v.startswith(("+", ".")) or \
                    (v.lstrip("-").startswith("0") and v.lstrip("-")[1:2].isdigit()):
                return None
            val = RawNumber(v)
        else:
            val = v
        if f.startswith("target."):
            target[f[7:]] = val
        elif f.startswith("launch."):
            launch[f[7:]] = val
        else:
            q[f] = val
    if target:
        q["target"] = target
    if launch:
        q["launch"] = launch
    return dumps(q)


class RawNumber(str):
    """A number cell, written into the JSON query as it is (1e999 stays 1e999)."""


def dumps(v):
    if isinstance(v, RawNumber):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k) + ": " + dumps(x) for k, x in v.items()) + "}"
    return json.dumps(v, ensure_ascii=False)


def problems(d):
    e = d["error"]
    ps = e.get("problems") or [{"field": e["field"], "message": e["message"]}]
    return sorted((p["field"] or "", p["message"]) for p in ps)


def check_flags(row, cols):
    args = [CAVEAT, "check", "--id", row["id"]]
    for f in cols:
        if f in FIELDS and row[f].strip(" \t") != "":
            args += ["--" + FLAG[f], row[f].strip(" \t")]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode == 0 or r.returncode == 3:
        return json.loads(r.stdout)
    errs = []
    back = {v: k for k, v in FLAG.items()}
    for line in r.stderr.splitlines():
        if line.startswith("caveat check: --"):
            name, msg = line[len("caveat check: --"):].split(": ", 1)
            errs.append((back.get(name, name), msg))
    return {"flag_errors": sorted(errs)}


def main():
    passed = failed = 0

    def expect(cond, what):
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what, file=sys.stderr)

    for seed in range(SEEDS):
        rng = random.Random(seed)
        data, delim, header, cols, header_bad, rows, lines = make_log(rng)
        with tempfile.NamedTemporaryFile(suffix=".csv") as f:
            f.write(data)
            f.flush()
            r = subprocess.run([CAVEAT, "audit", "-q", "-f", "ndjson", f.name], capture_output=True)
        if header_bad:
            expect(r.returncode == 2 and r.stdout == b"", f"seed {seed}: bad header refused")
            continue
        out = [json.loads(l) for l in r.stdout.decode().splitlines()]
        expect(len(out) == len(rows), f"seed {seed}: rows in {len(rows)} = rows out {len(out)}")
        if len(out) != len(rows):
            continue
        expect([o["line"] for o in out] == lines, f"seed {seed}: file lines")
        queries = [query_json(row, cols) for row in rows]
        batch = [q for q in queries if q is not None]
        chk = subprocess.run([CAVEAT, "check"], input="\n".join(batch) + "\n", capture_output=True,
                             text=True)
        answers = iter(json.loads(l) for l in chk.stdout.splitlines())
        for i, (row, q) in enumerate(zip(rows, queries)):
            got = out[i]["decision"]
            want = next(answers) if q is not None else check_flags(row, cols)
            if "flag_errors" in want:
                ok = "error" in got and problems(got) == want["flag_errors"]
            elif "error" in want:
                ok = "error" in got and problems(got) == problems(want)
            else:
                ok = got == want
            expect(ok, f"seed {seed} row {i} ({'json' if q else 'flags'}): audit {got} "
                       f"check {want}")
            if not ok:
                break
            note = out[i]["input"]["note"]
            expect("\0" not in row["note"] or note == row["note"], f"seed {seed}: NUL kept")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
