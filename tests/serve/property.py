#!/usr/bin/python3
"""property.py — property test: the decision endpoints of `caveat serve` answer random queries
(tests/serve/query_gen.py) exactly as `caveat check` answers them.

  property.py CAVEAT URL [CASES]

- POST /v1/decisions with many queries: CASES JSON queries as one NDJSON body, as one array, and
  as NDJSON with ?explain=1, each byte for byte what `caveat check` (--explain) prints for the
  same bytes (docs/serve.md: "byte for byte what `caveat check` prints").
- POST /v1/decisions with one query (one in five pretty-printed over several lines): status 200
  and the line `caveat check` gives that query, but for the error's `line`, which is 1 (the
  query starts its body).
- GET /v1/decisions (one in four explained): every JSON query that parameters can carry (no
  member of a wrong type, no target or launch point twice or empty, no member name only JSON
  refuses) and CASES/2 queries as text (numbers JSON cannot write, blanks, empty values,
  unknown names; the oracle reads them as JSON where it can, else as flags, which GET's line is
  documented to equal): status 200 and `caveat check`'s decision, or status 400 and its
  problems in order (any order against flags), with the differences docs/serve.md documents:
  no `line` (a GET has none), an unknown name is "unknown parameter 'X' (docs/serve.md lists
  them)" rather than "unknown field 'X' ...", and the id is text. A null member is a parameter
  left out; an id given twice is check's "id: given twice", the last id echoed.
The queries include query_gen.EDGE_CASES at any size, and an id given twice is also asked of
GET on its own. Prints "N passed, N failed" and the first failures; exit status 1 on a failure.
"""
import http.client
import sys
import urllib.parse
from collections import Counter, OrderedDict

import query_gen as g

CAVEAT, URL = sys.argv[1], urllib.parse.urlsplit(sys.argv[2])
CASES = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
# The parameter names of each field (docs/serve.md): short names, the JSON names, underscores.
PARAM = {"date": ["date"], "weapon": ["weapon"], "supplier": ["supplier"],
         "target.lat": ["lat", "target.lat", "target_lat"],
         "target.lon": ["lon", "target.lon", "target_lon"],
         "target.uncertainty_m": ["uncertainty_m", "uncertainty", "target.uncertainty_m"],
         "target.kind": ["kind", "target.kind"], "target.state": ["state", "target.state"],
         "target.role": ["role", "target.role"], "purpose": ["purpose"],
         "launch.lat": ["launch_lat", "launch.lat"], "launch.lon": ["launch_lon", "launch.lon"],
         "launch.uncertainty_m": ["launch_uncertainty_m", "launch_uncertainty",
                                  "launch.uncertainty_m"]}
UNKNOWN = {(w + "." if w else "") + n for w, n in g.TYPOS}
NAMED = {name for names in PARAM.values() for name in names} | {"id", "explain"}

passed = failed = 0
statuses = Counter()  # GET's answers: 200, 400 and 400 against flags


def expect(cond, what):
    global passed, failed
    if cond:
        passed += 1
        return True
    failed += 1
    if failed <= 25:
        print("FAIL:", what, file=sys.stderr)
    return False


class Service:
    """One keep-alive connection to the service."""

    def __init__(self):
        self.conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)

    def request(self, method, path, body=None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body,
                                  headers={"Content-Type": "application/x-ndjson"} if body else {})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # a connection idle past the server's --timeout is closed: open another, once
                self.conn.close()
                if attempt == 2:
                    raise
        return None


def get_params(q, i):
    """GET parameters for a JSON query, or None when parameters cannot carry it."""
    tops = [k for k, v in q if v is not None]  # (a null target or launch point: left out)
    if tops.count("target") > 1 or tops.count("launch") > 1 or g.json_only(q) or \
            any(k in ("target", "launch") and v == g.Obj() for k, v in q):
        return None  # two objects, an empty one, or a name only JSON refuses
    params = []
    for k, v in g.members(q):
        if k in UNKNOWN and isinstance(v, str):
            params.append((k, str(v)))
        elif k not in g.FIELDS and k not in ("id", "target", "launch"):
            return None  # an unknown name with a null value
        elif v is None:
            continue  # null: not given, as a parameter left out
        elif k == "id":
            if not isinstance(v, str) or isinstance(v, g.Raw) and not v.isdigit():
                return None  # an id JSON refuses (1.5, true, [1], {})
            params.append(("id", str(v)))
        elif k in g.FIELDS:
            if not g.typed_right(k, v) or "\0" in v:
                return None
            names = PARAM[k]
            params.append((names[(i + len(params)) % len(names)], str(v)))
        else:
            return None  # a target or a launch point that is no object
    return params


def get_path(params):
    return "/v1/decisions?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def as_get(answer, params):
    """The line GET gives for check's answer to the same query: the id as text (the last, as
    check echoes it), and an error without `line`, naming an unknown name as a parameter."""
    ids = [v for k, v in params if k == "id"]
    want = OrderedDict(answer)
    want["id"] = ids[-1] if ids else None
    if "decision" in answer:
        return 200, want
    ps = [(f, f"unknown parameter '{f}' (docs/serve.md lists them)"
           if f not in g.FIELDS and m.startswith("unknown field ") else m)
          for f, m in g.problems(answer)]
    want = g.error_line(want, ps)
    del want["error"]["line"]
    return 400, want


def compare_get(svc, params, answer, what):
    """GET with params against check's answer (a flags answer: problems in any order)."""
    status, body = svc.request("GET", get_path(params))
    lines = body.decode().splitlines()
    if not expect(len(lines) == 1, f"{what}: one line, got {body[:300]!r}"):
        return
    got = g.loads(lines[0])
    flags = "error" in answer and answer["error"].get("flags")
    unknown = [k for k, _ in params if k not in NAMED]
    statuses[f"{status}{' flags' if flags else ''}"] += 1
    if not flags and not (unknown and "error" not in answer):
        want_status, want = as_get(answer, params)
        expect(status == want_status and got == want,
               f"{what}: GET {get_path(params)}\n  got  {status} {lines[0]}\n"
               f"  want {want_status} {g.json.dumps(want)}")
        return
    # flags cannot carry unknown names: they add their problems to flags' own
    want = sorted((g.problems(answer) if "error" in answer else []) +
                  [(k, f"unknown parameter '{k}' (docs/serve.md lists them)") for k in unknown])
    ok = status == 400 and "error" in got and sorted(g.problems(got)) == want
    expect(ok, f"{what}: GET {get_path(params)}\n  got  {status} {lines[0]}\n  want 400 {want}")


def post_batches(svc, lines):
    """POST all the queries at once, as NDJSON, as an array and as NDJSON explained, each against
    check's bytes for the same bytes; returns check's answers and explained answers."""
    body = ("\n".join(lines) + "\n").encode()
    array = ("[\n" + ",\n".join(lines) + "\n]\n").encode()
    outputs = []
    for what, data, args, query in [("NDJSON", body, [], ""), ("array", array, [], ""),
                                    ("NDJSON explained", body, ["--explain"], "?explain=1")]:
        want = g.run_check(CAVEAT, data, args)
        outputs.append(want)
        status, got = svc.request("POST", "/v1/decisions" + query, data)
        got_lines, want_lines = got.splitlines(), want.splitlines()
        diff = next((n for n, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b),
                    min(len(got_lines), len(want_lines)))
        expect(status == 200 and got == want,
               f"POST {what} ({len(lines)} queries): status {status}, first difference at line "
               f"{diff + 1}:\n  got  {got_lines[diff:diff + 1]}\n"
               f"  want {want_lines[diff:diff + 1]}")
    answers, explained = ([g.loads(line) for line in out.decode().splitlines()]
                          for out in (outputs[0], outputs[2]))
    expect(len(answers) == len(explained) == len(lines),
           f"check answered {len(answers)} and {len(explained)} of {len(lines)}")
    return answers, explained


def post_each(svc, queries, answers, explained):
    """POST one query a request (one in five pretty-printed, one in three explained): check's
    line for it, the error's line being 1."""
    for i, (q, answer, answer_x) in enumerate(zip(queries, answers, explained)):
        pretty = i % 5 == 4 and not ("error" in answer and answer["error"]["field"] is None)
        explain = i % 3 == 0
        body = g.dumps(q, pretty)
        status, got = svc.request("POST", "/v1/decisions" + ("?explain=1" if explain else ""),
                                  body.encode())
        want = OrderedDict(answer_x if explain else answer)
        if "error" in want:
            want["error"] = OrderedDict(want["error"])
            want["error"]["line"] = 1
        got_lines = got.decode().splitlines()
        expect(status == 200 and len(got_lines) == 1 and g.loads(got_lines[0]) == want,
               f"case {i}: POST{' explained' if explain else ''} {body}\n  got  {status} "
               f"{got.decode()}  want {g.json.dumps(want)}")


def get_json(svc, queries, answers, explained):
    """GET every JSON query parameters can carry (one in four explained); returns how many."""
    carried = 0
    for i, (q, answer, answer_x) in enumerate(zip(queries, answers, explained)):
        params = get_params(q, i)
        if params is None:
            continue
        carried += 1
        if i % 4 == 0:
            params.append(("explain", "1"))
            answer = answer_x
        compare_get(svc, params, answer, f"case {i}")
    return carried


def get_id_twice(svc):
    """GET with an id given twice (and thrice): 400, "id: given twice" once for each id after
    the first, as check says it, and the last id echoed, as check echoes it."""
    use = [("weapon", "gmlrs"), ("date", "2024-06-10"), ("lat", "50.6"), ("lon", "36.59"),
           ("kind", "forces")]
    for ids in (["first", "second"], ["first", "2", "third"]):
        params = [("id", ids[0])] + use + [("id", v) for v in ids[1:]]
        status, body = svc.request("GET", get_path(params))
        got = g.loads(body.decode().splitlines()[0]) if body.strip() else {}
        expect(status == 400 and got.get("id") == ids[-1] and "error" in got and
               g.problems(got) == [("id", "given twice")] * (len(ids) - 1),
               f"GET {get_path(params)}: got {status} {body[:300]!r}, want 400 with id "
               f"{ids[-1]!r} and {len(ids) - 1} \"id: given twice\"")


def main():
    svc = Service()
    queries = [g.json_query(i) for i in range(CASES)] + g.EDGE_CASES
    answers, explained = post_batches(svc, [g.dumps(q) for q in queries])
    post_each(svc, queries, answers, explained)
    # GET: check's answers to the text queries come first, so that no connection idles past the
    # server's --timeout (check reads their fields; an unknown name is a member of the JSON, and
    # flags leave it out); then every JSON query parameters can carry, then the text queries
    cells = [g.cell_query(i, typos=True) for i in range(CASES // 2)]
    cell_answers = g.check_cells(CAVEAT, cells)
    carried = get_json(svc, queries, answers, explained)
    get_id_twice(svc)
    for i, (c, answer) in enumerate(zip(cells, cell_answers)):
        params = [(PARAM[k][i % len(PARAM[k])] if k in PARAM else k, v) for k, v in c.items()]
        compare_get(svc, params, answer, f"text case {i}")
    expect(carried > CASES // 3, f"GET carried {carried} of {CASES} JSON queries")
    print(f"{passed} passed, {failed} failed ({CASES} JSON queries, {carried} also as GET, "
          f"{len(cells)} text queries; GET statuses {dict(sorted(statuses.items()))})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
