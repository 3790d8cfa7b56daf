"""query_gen.py — random queries for the property tests that hold the front ends to `caveat check`
(tests/serve/property.py for the service, tests/python/test_property.py for the Python package),
and the oracle: `caveat check` itself, run on the same queries.

The front ends take queries in two forms, so there are two kinds of case:
- a JSON query (json_query): typed members, with misspelt member names and values, numbers out of
  range or past a double, missing and duplicate members, members of the wrong JSON type (a string
  for a number, a number for a name, booleans, arrays, objects), targets that are no object,
  null members and odd strings (empty, blank, NUL, emoji, URL metacharacters): what
  POST /v1/decisions and Pack.decide take;
- a query as text (cell_query: field -> text), as a URL parameter, a CSV cell or a command-line
  flag carries it: numbers such as "+50.5", "36,6" or " 50.6 " that JSON cannot write, empty
  cells, blanks around values: what GET /v1/decisions and Pack.decide_frame take.
Case i is made by random.Random(i) (the same idea as tests/cli/audit_property.py's seeds), so a
failure names a case that can be made again alone. EDGE_CASES are JSON queries asked at any size:
the edges where a front end once answered otherwise than check.

The oracle answers JSON queries with one `caveat check` run over all of them (check_json), and
text queries as tests/cli/audit_property.py does (check_cells): as JSON when every number is a
JSON number (one run for all), else with flags (one run a query); both bind through the library's
setters. Decisions are parsed into OrderedDicts, so comparisons see the order of members too.
"""
import json
import os
import random
import subprocess
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

# The query fields by their JSON names (dotted for the target's and the launch's members).
FIELDS = ["date", "weapon", "supplier", "target.lat", "target.lon", "target.uncertainty_m",
          "target.kind", "target.state", "target.role", "purpose", "launch.lat", "launch.lon",
          "launch.uncertainty_m"]
REQUIRED = {"date", "weapon", "target.lat", "target.lon", "target.kind"}
NUMERIC = {"target.lat", "target.lon", "target.uncertainty_m", "launch.lat", "launch.lon",
           "launch.uncertainty_m"}
# `caveat check`'s flag for each field
FLAG = {"date": "date", "weapon": "weapon", "supplier": "supplier", "target.lat": "lat",
        "target.lon": "lon", "target.uncertainty_m": "uncertainty", "target.kind": "kind",
        "target.state": "state", "target.role": "role", "purpose": "purpose",
        "launch.lat": "launch-lat", "launch.lon": "launch-lon",
        "launch.uncertainty_m": "launch-uncertainty"}

GOOD = {
    "date": ["2024-06-10", "2024-05-29", "2022-03-01", "2024-06-10T23:30:00+03:00",
             "2024-06-09T21:30:00Z", "2025-01-20", "2024-11-21", "2023-05-11",
             "2024-06-10 14:30:00.25-01:00", "2024-08-15", "2024-06-17"],
    "weapon": ["gmlrs", "HIMARS", "atacms", "Storm Shadow", "storm_shadow", "STORM-SHADOW",
               "patriot", "m777", "scalp", "scalp-eg", "f-16", "nasams", "krab", "M270"],
    "supplier": ["US", "UK", "FR", "DE", "USA", "GB", "PL", "NL", "DK"],
    "target.kind": ["forces", "artillery", "aircraft", "civilian-object", "command-post",
                    "ammunition-depot", "airfield", "Artillery", "air-defense-site",
                    "logistics-hub", "military"],
    "target.state": ["ground", "airborne", "AIRBORNE"],
    "target.role": ["attacking", "supporting", "none"],
    "purpose": ["counterfire", "strike", "air-defense", "self-defense", "Self Defense"],
}
BAD = {
    "date": ["2024-02-30", "yesterday", "2024-6-1", "2024-06-10T14:30:00", "1899-12-31",
             "2101-01-01", "2024-06-31", "10/06/2024"],
    "weapon": ["gmlrss", "HIMARZ", "atacm", "xyz", "storm shadows"],
    "supplier": ["USSR", "ZZ", "United Kingdom of Narnia"],
    "target.kind": ["forcess", "tank"],
    "target.state": ["flying"],
    "target.role": ["attack", "attacker"],
    "purpose": ["revenge", "counter-fire!"],
}
# Strings no pool has: empty, blank, a NUL (JSON only: no flag or cell carries one), emoji,
# URL metacharacters, a long one.
ODD = ["", " ", "\t", "\u00e9\U0001F600", "a&b=c%2B+d", "x" * 300, "gmlrs\u0000x"]
ODD_TEXT = ["", " ", "\t", "\u00e9\U0001F600", "a&b=c%2B+d", "x" * 300]

# Places that decide differently (Russia near Kharkiv, Kursk, Belgorod, Kyiv, Crimea, occupied
# Ukraine, Moscow, Belarus, the Black Sea), jittered; else anywhere in a box around them.
PLACES = [(50.6, 36.59), (51.7, 36.2), (50.6, 36.6), (50.45, 30.52), (44.6, 33.4), (47.1, 37.5),
          (55.75, 37.62), (52.1, 27.7), (43.5, 32.0), (50.0, 36.2), (51.2, 35.1), (50.38, 36.9)]
JSON_BAD_NUMBER = {"lat": ["95", "-181", "1e999", "-1e999", "90.00000000000001", "1234.56789",
                           "123456789012345678901234567890", "-90.0000000000001", "1" + "0" * 400],
                   "lon": ["181", "-180.5", "1e999", "1e300", "360"],
                   "m": ["-5", "1000000.5", "1e7", "-0.001", "1e999"]}
# Numbers as text that JSON cannot write (or writes as something else), for the text front ends.
TEXT_BAD_NUMBER = ["abc", "36,6", "+50.5", "--5", "05.5", ".5", "NaN", "inf", "5.", "1e",
                   "0x10", "+-1", "50.6abc", " 50.6 ", "\t-0 ", "+0"]
# Member names that no front end knows; and names JSON refuses (its member names are exact) that
# other front ends read as fields (case-insensitive names, short names, flattened names).
TYPOS = [("", "wepon"), ("", "purpse"), ("", "suplier"), ("", "dat"), ("", "weapons"),
         ("target", "knd"), ("target", "lattitude"), ("target", "rol"), ("target", "sate"),
         ("launch", "lng"), ("launch", "latt")]
JSON_ONLY_TYPOS = [("", "Date"), ("", "WEAPON"), ("", "lat"), ("", "kind"), ("", "target.lat"),
                   ("", "launch_lat"), ("target", "Lat"), ("target", "uncertainty")]


class Raw(str):
    """A JSON number, written into the query as it is (1e999 stays 1e999)."""


class Obj(list):
    """A JSON object as (name, value) pairs, in order, a name possibly twice."""


def dumps(v, pretty=False, depth=0):
    """JSON text of v (Raw numbers as written, Obj members in order); pretty: one member a line."""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Obj):
        if not pretty:
            return "{" + ", ".join(json.dumps(k) + ": " + dumps(x) for k, x in v) + "}"
        pad = "  " * (depth + 1)
        inner = ",\n".join(pad + json.dumps(k) + ": " + dumps(x, True, depth + 1) for k, x in v)
        return "{\n" + inner + "\n" + "  " * depth + "}" if v else "{}"
    if isinstance(v, list):
        return "[" + ", ".join(dumps(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def good_number(rng, field):
    """A number of the field's kind, in a random but exact JSON form."""
    if field.endswith("uncertainty_m"):
        v = rng.choice([0, 50, 200, 5000, 1e6, rng.uniform(0, 30000)])
    else:
        if field.startswith("launch.") and rng.random() < 0.6:
            lat, lon = rng.choice([(50.0, 36.2), (50.3, 36.3), (51.2, 35.1), (50.9, 34.8)])
        elif rng.random() < 0.6:
            lat, lon = rng.choice(PLACES)
        else:
            lat, lon = rng.uniform(44, 56), rng.uniform(22, 42)
        jitter = rng.choice([0, 0, 0.01, 0.3])
        v = (lat if field.endswith("lat") else lon) + rng.uniform(-jitter, jitter)
    return rng.choice([f"{v:.5f}", f"{v:.2f}", str(round(v)), f"{v:.3e}", f"{v:.3E}",
                       repr(float(v)), f"{v:.17g}", f"{v:.20f}", f"{v:.1f}"])


def bad_json_number(rng, field):
    """A JSON number the field refuses: out of range, past a double."""
    kind = "m" if field.endswith("uncertainty_m") else field[-3:]
    return rng.choice(JSON_BAD_NUMBER[kind])


def name_value(rng, field, typed, messy):
    """A value for a name or the date: good (blanks around some), or in a messy case, some
    misspelt, some odd strings, and (typed) some of the wrong JSON type."""
    r = rng.random() if messy else 0
    if r < 0.7:
        v = rng.choice(GOOD[field])
        if rng.random() < 0.06:
            v = rng.choice([" ", "\t", "  "]) + v + rng.choice(["", " ", "\t"])
        return v
    if r < 0.85:
        return rng.choice(BAD[field])
    if r < 0.93 and typed:
        return rng.choice([Raw("5"), Raw("20240610"), True, False, [rng.choice(GOOD[field])],
                           Obj(), None])
    return rng.choice(ODD if typed else ODD_TEXT)


def number_value(rng, field, typed, messy):
    """A value for a number: good, or in a messy case, some out of range, some text JSON cannot
    write as a number and (typed) some of the wrong JSON type."""
    r = rng.random() if messy else 0
    if r < 0.75:
        v = good_number(rng, field)
        return Raw(v) if typed else v
    if r < 0.85:
        v = bad_json_number(rng, field)
        return Raw(v) if typed else v
    if not typed:  # blanks around a number, or text that JSON cannot write as one
        return rng.choice(["", " "]) + good_number(rng, field) + rng.choice(["\t", " "]) \
            if r < 0.93 else rng.choice(TEXT_BAD_NUMBER + ["", " "])
    if r < 0.96:
        return rng.choice([good_number(rng, field), rng.choice(TEXT_BAD_NUMBER), True,
                           [Raw(good_number(rng, field))], Obj([("v", Raw("1"))]), ""])
    return None


def present(rng, field, launch, messy):
    """Whether the case gives the field: required fields nearly always, a launch point's with
    one (its uncertainty now and then without), the others half the time."""
    if field in REQUIRED:
        return rng.random() < (0.92 if messy else 1)
    if field in ("launch.lat", "launch.lon"):
        return launch and rng.random() < 0.95
    if field == "launch.uncertainty_m":
        return rng.random() < (0.3 if launch else 0.02)
    if field == "target.uncertainty_m":
        return rng.random() < 0.2
    return rng.random() < 0.5


def value(rng, field, typed, messy):
    if field in NUMERIC:
        return number_value(rng, field, typed, messy)
    return name_value(rng, field, typed, messy)


def json_query(i, bad_ids=True):
    """Case i as a JSON query (an Obj). About half the cases are clean (every value good, but
    optional fields come and go); the others are messy. bad_ids: the id may be of a type JSON
    ids refuse."""
    rng = random.Random(i)
    messy = rng.random() < 0.5
    top, target, launch = Obj(), Obj(), Obj()
    has_launch = rng.random() < 0.3
    for f in FIELDS:
        if present(rng, f, has_launch, messy):
            where = target if f.startswith("target.") else \
                launch if f.startswith("launch.") else top
            where.append((f.split(".")[-1], value(rng, f, True, messy)))
    for part in (top, target, launch):
        rng.shuffle(part)
    typos = 0
    while messy and rng.random() < (0.2 if typos == 0 else 0.3) and typos < 3:
        # a member no front end knows, or one only JSON refuses (the same one at most once)
        where, name = rng.choice(TYPOS if rng.random() < 0.8 else JSON_ONLY_TYPOS)
        part = {"": top, "target": target, "launch": launch}[where]
        if name not in [k for k, _ in part]:
            part.insert(rng.randint(0, len(part)),
                        (name, rng.choice(["strike", Raw("50.6"), "x", None])))
        typos += 1
    if messy and rng.random() < 0.08:  # a member twice
        part = rng.choice([p for p in (top, target, launch) if p] or [top])
        if part:
            name, _ = rng.choice(part)
            field = name if part is top else ("target." if part is target else "launch.") + name
            if field in FIELDS:
                part.append((name, value(rng, field, True, messy)))
    if messy and rng.random() < 0.02:  # an id twice
        top += [("id", f"first{i}"), ("id", Raw(str(i)))]
    if target or rng.random() < 0.97:
        top.insert(rng.randint(0, len(top)), ("target", target))
    if launch:
        top.insert(rng.randint(0, len(top)), ("launch", launch))
    if messy and rng.random() < 0.05:  # a target or a launch point that is no object
        name = rng.choice(["target", "launch"])
        top = Obj((k, v) for k, v in top if k != name)
        top.append((name, rng.choice([Raw("5"), "x", [Raw("50.6"), Raw("36.59")], None, True])))
    r = rng.random()
    if r < 0.6:
        top.insert(0, ("id", f"c{i}"))
    elif r < 0.75:
        top.insert(rng.randint(0, len(top)), ("id", Raw(str(i))))
    elif r < 0.8:
        top.append(("id", rng.choice([Raw("1.5"), True, [Raw("1")], Obj()]) if bad_ids else
                    "\u00e9\U0001F600 & = %"))
    elif r < 0.82:
        top.append(("id", None))
    return top


def cell_query(i, typos=False):
    """Case i as text (an OrderedDict: "id", then fields and, with typos, names no front end
    knows, each -> its text, the target's and the launch's last); clean or messy as
    json_query's."""
    rng = random.Random(1_000_000 + i)
    messy = rng.random() < 0.5
    cells = OrderedDict([("id", f"t{i}")])
    has_launch = rng.random() < 0.3
    fields = FIELDS[:]
    rng.shuffle(fields)
    for f in fields:
        if present(rng, f, has_launch, messy):
            cells[f] = value(rng, f, False, messy)
    if typos and messy and rng.random() < 0.2:
        where, name = rng.choice(TYPOS)
        cells[(where + "." if where else "") + name] = rng.choice(["strike", "50.6", ""])
    # grouped as in JSON (the query's own names, the target's, the launch's), so that problems
    # come in the same order from every front end
    group = {"target": 1, "launch": 2}
    return OrderedDict(sorted(cells.items(), key=lambda kv: group.get(kv[0].split(".")[0], 0)))


# ---- reading a JSON query as the other front ends do ---------------------------------------------

def members(q):
    """The leaves of a JSON query: (dotted name, value) in order; a target or launch member that
    is no object is one leaf under its own name."""
    out = []
    for k, v in q:
        if k in ("target", "launch") and isinstance(v, Obj):
            out += [(k + "." + kk, vv) for kk, vv in v]
        else:
            out.append((k, v))
    return out


def json_only(q):
    """Whether q has a member name that only JSON refuses (JSON_ONLY_TYPOS), which the other
    front ends read as a field (a top-level "target.lat" would even look like one in members)."""
    for k, v in q:
        if ("", k) in JSON_ONLY_TYPOS:
            return True
        if k in ("target", "launch") and isinstance(v, Obj) and \
                any((k, kk) in JSON_ONLY_TYPOS for kk, _ in v):
            return True
    return False


def duplicated(q):
    names = [k for k, _ in members(q)]
    return len(names) != len(set(names))


def typed_right(field, v):
    """Whether v has the JSON type the field takes (null counts: it is a member not given)."""
    if v is None:
        return True
    if field in NUMERIC:
        return isinstance(v, Raw)
    return isinstance(v, str) and not isinstance(v, Raw)


# ---- the oracle: `caveat check` ---------------------------------------------------------------

def loads(line):
    return json.loads(line, object_pairs_hook=OrderedDict)


def run_check(caveat, body, args=()):
    """`caveat check ARGS` reading body (bytes): its standard output, bytes."""
    r = subprocess.run([caveat, "check", *args], input=body, capture_output=True)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"caveat check exited {r.returncode}: {r.stderr.decode()[:400]}")
    return r.stdout


def check_json(caveat, lines, explain=False):
    """`caveat check` (with --explain) over the lines: one answer (an OrderedDict) per line."""
    if not lines:
        return []
    out = run_check(caveat, ("\n".join(lines) + "\n").encode(),
                    ["--explain"] if explain else [])
    out = [loads(line) for line in out.decode().splitlines()]
    if len(out) != len(lines):
        raise RuntimeError(f"caveat check answered {len(out)} lines for {len(lines)}")
    return out


def problems(answer):
    """The (field, message) problems of an error line, in order ("" for the document)."""
    e = answer["error"]
    ps = e.get("problems") or [{"field": e["field"], "message": e["message"]}]
    return [(p["field"] or "", p["message"]) for p in ps]


def json_number(text):
    """Whether JSON can carry text as a number (surrounding blanks aside)."""
    try:
        v = json.loads(text.strip(" \t"))
    except ValueError:
        return False
    return isinstance(v, (int, float)) and not isinstance(v, bool) and \
        text.strip(" \t").lower() not in ("nan", "infinity", "-infinity")


def cells_as_json(cells):
    """A text query as a JSON line, or None when a number is no JSON number."""
    top, target, launch = Obj(), Obj(), Obj()
    for k, v in cells.items():
        if k in NUMERIC:
            if not json_number(v):
                return None
            v = Raw(v.strip(" \t"))
        head, _, tail = k.partition(".")
        if tail and head in ("target", "launch"):
            (target if head == "target" else launch).append((tail, v))
        else:
            top.append((k, v))
    if target:
        top.append(("target", target))
    if launch:
        top.append(("launch", launch))
    return dumps(top)


def check_flags(caveat, cells, explain=False):
    """`caveat check` with flags: the decision, or {"error": {"problems": ...}} from its
    standard error (flag names turned back into fields)."""
    args = [caveat, "check"] + [f"--{FLAG[k]}={v}" if k in FLAG else f"--id={v}"
                                for k, v in cells.items() if k in FLAG or k == "id"]
    args += ["--explain"] if explain else []
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode == 0:
        return loads(r.stdout)
    if r.returncode != 2:
        raise RuntimeError(f"caveat check {args[2:]} exited {r.returncode}: {r.stderr[:400]}")
    back = {v: k for k, v in FLAG.items()}
    ps = []
    for line in r.stderr.splitlines():
        if not line.startswith("caveat check: --"):
            raise RuntimeError(f"caveat check {args[2:]}: unexpected {line!r}")
        name, msg = line[len("caveat check: --"):].split(": ", 1)
        ps.append({"field": back.get(name, name), "message": msg})
    return OrderedDict([("id", cells.get("id")), ("error", {"problems": ps, "flags": True})])


def check_cells(caveat, cases, explain=False):
    """The answers of `caveat check` (with --explain) to text queries (names other than fields go
    into the JSON, where they are unknown members; flags cannot carry them and leave them out):
    JSON for all that JSON can carry, flags for the rest (their error lines have "flags": true,
    and their problems come in the flags' order)."""
    lines = [cells_as_json(c) for c in cases]
    answers = iter(check_json(caveat, [line for line in lines if line is not None], explain))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # one process a query: in parallel
        flagged = iter(list(pool.map(lambda c: check_flags(caveat, c, explain),
                                     [c for c, line in zip(cases, lines) if line is None])))
    return [next(answers) if line is not None else next(flagged) for line in lines]


def rules_of(decision):
    """The rules that decided the use, from its parties (docs/python.md: the deciding rules of
    the parties whose verdict is the use's, each once; default-deny and silent for a party that
    decided so) — what Decision.rules and the `rule` column hold."""
    out = []
    for p in decision["parties"]:
        if p["decision"] != decision["decision"]:
            continue
        if p.get("basis") in ("default-deny", "silent") and p["rule"] is None:
            names = [p["basis"]]
        else:
            names = p.get("rules") or [p["rule"]]
        out += [n for n in names if n not in out]
    return out


def error_line(answer, ps):
    """check's error line answer with the problems ps instead of its own (check's shape:
    `problems` only for more than one)."""
    err = OrderedDict([("field", ps[0][0] or None)])
    if "line" in answer["error"]:
        err["line"] = answer["error"]["line"]
    err["message"] = ps[0][1]
    if len(ps) > 1:
        err["problems"] = [OrderedDict([("field", f or None), ("message", m)]) for f, m in ps]
    if "more_problems" in answer["error"]:
        err["more_problems"] = answer["error"]["more_problems"]
    return OrderedDict([("id", answer["id"]), ("error", err)])


# ---- queries every run asks ---------------------------------------------------------------------
# Where the front ends once answered otherwise than check, asked at any size on top of the random
# cases: a null target, launch point or id (not given, so neither a problem nor a second one), two
# unknown members in one object (each named), an id twice (check's "given twice", the last id
# echoed), an unknown member whose value is null (unknown all the same) and an integer past a
# double (not a finite number).
TARGET = Obj([("lat", Raw("50.6")), ("lon", Raw("36.59")), ("kind", "forces")])
EDGE_CASES = [
    Obj([("id", "edge-target-null"), ("weapon", "M270"), ("date", "2024-06-17"),
         ("target", None)]),
    Obj([("id", "edge-launch-null"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", TARGET), ("launch", None)]),
    Obj([("id", "edge-target-null-twice"), ("weapon", "gmlrs"), ("target", None),
         ("date", "2024-06-10"), ("target", TARGET), ("launch", None), ("launch", None)]),
    Obj([("id", "edge-unknown-inside"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", Obj([("lat", Raw("50.6")), ("lon", Raw("36.59")), ("kind", "forces"),
                         ("knd", "x"), ("rol", "y")]))]),
    Obj([("id", "edge-unknown-inside-launch"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", Obj([("sate", "x"), ("lat", Raw("50.6")), ("lon", Raw("36.59")),
                         ("kind", "forces")])),
         ("launch", Obj([("lng", Raw("36.2")), ("lat", Raw("50.0")), ("lon", Raw("36.2")),
                         ("latt", Raw("50.0"))]))]),
    Obj([("id", "first"), ("weapon", "gmlrs"), ("date", "2024-06-10"), ("target", TARGET),
         ("id", "second")]),
    Obj([("id", "first"), ("id", Raw("2")), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", TARGET), ("id", "third")]),
    Obj([("id", None), ("weapon", "gmlrs"), ("date", "2024-06-10"), ("target", TARGET),
         ("id", "edge-id-null-then-id")]),
    Obj([("id", "edge-id-then-null"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", TARGET), ("id", None)]),
    Obj([("id", "edge-null-unknown"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", TARGET), ("purpse", None)]),
    Obj([("id", "edge-null-unknown-inside"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", Obj([("lat", Raw("50.6")), ("lon", Raw("36.59")), ("kind", "forces"),
                         ("rol", None)]))]),
    Obj([("id", "edge-int-overflow"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", Obj([("lat", Raw("1" + "0" * 400)), ("lon", Raw("36.59")),
                         ("kind", "forces")]))]),
    Obj([("id", "edge-int-overflow-negative"), ("weapon", "gmlrs"), ("date", "2024-06-10"),
         ("target", TARGET), ("launch", Obj([("lat", Raw("50.0")),
                                             ("lon", Raw("-1" + "0" * 400))]))]),
]
