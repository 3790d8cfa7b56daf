"""Property test: Pack.decide and Pack.decide_frame answer random queries exactly as `caveat check`
does. The queries are tests/serve/query_gen.py's, the ones the service's property test
(tests/serve/property.py) sends, with the same typos, bad numbers, missing members, wrong JSON
types and odd strings; `caveat check` is the oracle.

- decide, a JSON query as keywords (json.loads's values; target.* and launch.* flattened, as
  keywords or dotted names): the decision `caveat check` writes (to_json, with and without
  explain: the same members in the same order), its verdict, parties, rules, validity, date,
  assumptions and explanation; or QueryError with check's problems (an int past a double
  included: "must be a finite number"). Where docs/python.md says Python differs, decide is
  held to that: a keyword that is no field (None included), or a value of a type the field does
  not take (bool, list, dict, a number for a name), is a TypeError naming a field check names;
  a str for a number is read as text, as the CLI's flags read it; a str with a NUL is refused
  naming its field, where check refuses the JSON (docs/robustness.md, 20).
- decide, a query as text: what `caveat check` answers to the same text (as JSON, or flags).
- decide_frame, text columns and typed ones (float64, Categorical, str), named as keywords,
  dotted or with underscores, on 1 to 3 threads: row by row the decision, rule, parties,
  validity, date, explanation (explained too) and why of check's decision, or check's problems
  in `error`; cells trimmed and empty cells not given, as docs/python.md says.
- query_gen.EDGE_CASES at any size, and on their own: decide and zones with a keyword that is
  no field and the value None (TypeError naming it), decide with an int past a double
  (QueryError, check's problems).
- the comparisons themselves fail on a perturbed decision, problem or frame cell.
CAV_PY_CASES sets the number of random JSON queries (default 600, and half as many text
queries).
"""
import json
import math
import os
import re
import sys

import pandas as pd
import pytest

import caveat

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
import query_gen as g  # noqa: E402  (shared with the service's property test)

CASES = int(os.environ.get("CAV_PY_CASES", "600"))
KEYWORD = {field: kw for kw, field in caveat._KEYWORDS.items()}

class Failures(list):
    """The failed comparisons of a test, asserted empty at its end (the first few shown)."""

    def expect(self, cond, what):
        if not cond:
            self.append(what)
        return cond

    def check(self, compared):
        assert compared > 0
        assert not self, f"{len(self)} of {compared} failed:\n" + "\n".join(self[:8])


# ---- a JSON query as Pack.decide's keywords -----------------------------------------------------

def keyword(field, i):
    """The field's name as a keyword: decide's keyword or the dotted name, by case."""
    return KEYWORD[field] if i % 2 else field


def as_keywords(q, i):
    """(keywords, id) that say the JSON query q to Pack.decide, or None when keywords cannot: a
    member twice, an id JSON refuses (decide has no id to refuse), a name only JSON refuses
    (query_gen.JSON_ONLY_TYPOS: decide reads names case-insensitively, and lat is its keyword)."""
    if g.duplicated(q) or g.json_only(q):
        return None
    kwargs, qid = {}, None
    for k, v in g.members(q):
        if k in ("target", "launch") and v is None:
            continue  # a null target or launch point: no target.* or launch.* keyword
        value = json.loads(g.dumps(v))
        if k == "id":
            if v is not None and not (type(v) is str or isinstance(v, g.Raw) and v.isdigit()):
                return None
            qid = value
        elif k in g.FIELDS:
            kwargs[keyword(k, i)] = value
        else:
            kwargs[k] = value  # a name that is no field, or a target that is no object
    return kwargs, qid


def type_culprits(kwargs):
    """The fields (check's names) whose keyword decide refuses with TypeError: no field (None
    included), or a value of a type the field does not take (a field's None is not given)."""
    out = []
    for k, v in kwargs.items():
        field = caveat._KEYWORDS.get(k, k)
        if field not in g.FIELDS:
            out.append(field)
        elif v is None:
            continue
        elif field in g.NUMERIC:
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                out.append(field)
        elif not isinstance(v, str):
            out.append(field)
    return out


def type_error_field(e):
    """The field a TypeError of decide names: "unknown query field 'X' ..." or "X: ..."."""
    named = re.match(r"unknown query field '([^']*)'|([^ :]+):", str(e))
    return None if not named else named[1] if named[1] is not None else named[2]


def as_cells(q):
    """A JSON query whose numbers decide reads as text (a str for a number): every member but
    the id as its text, which is how decide binds a str."""
    return dict([(k, str(v)) for k, v in g.members(q) if v is not None and k != "id"])


def compare_decision(fails, what, d, want, qid, explained=None):
    """A Decision against check's decision (and check --explain's)."""
    got = g.loads(d.to_json(id=qid))
    if not fails.expect(got == want, f"{what}: to_json\n  got  {got}\n  want {want}"):
        return
    wv = want["valid"]
    day = pd.Timestamp
    fails.expect(
        d.verdict == want["decision"] and d.parties == json.loads(json.dumps(want["parties"])) and
        d.rules == g.rules_of(want) and d.explanation() == want["explanation"] and
        d.date == day(want["date"]).date() and d.pack == want["pack"] and
        d.assumptions == want["assumptions"] and d.disputed == want["disputed"] and
        d.valid == tuple(day(x).date() if x else None for x in (wv["from"], wv["until"])),
        f"{what}: attributes {d!r} {d.rules} {d.valid} against {want}")
    if explained is not None:
        fails.expect(g.loads(d.to_json(explain=True, id=qid)) == explained and
                     d.explanation(explain=True) == explained["explanation"],
                     f"{what}: explained\n  got  {d.to_json(explain=True, id=qid)}\n"
                     f"  want {explained}")


def compare_error(fails, what, e, want):
    """A QueryError against check's problems (any order: decide binds its keywords in its own)."""
    ps = g.problems(want)
    fails.expect(sorted(e.problems) == sorted(ps) and e.field == (e.problems[0][0] or None) and
                 str(e) == "; ".join(f"{f}: {m}" if f else m for f, m in e.problems) and
                 e.more == want["error"].get("more_problems", 0),
                 f"{what}: QueryError {e.problems} (more {e.more}), check {ps}")


def decide(pack, kwargs):
    """decide's Decision, or the exception it raised."""
    try:
        return pack.decide(**kwargs)
    except (caveat.QueryError, TypeError, OverflowError) as e:
        return e


@pytest.fixture(scope="module")
def json_cases(caveat_bin):
    """[(label, q, kwargs, qid, check's answer to q, check's answer to q as decide reads it
    (the text oracle's for a str number), check --explain's, or None for a str number)] for
    every JSON query keywords can say."""
    queries = [(f"case {i}", g.json_query(i, bad_ids=False)) for i in range(CASES)]
    queries += [(f"edge {q[0][1]}", q) for q in g.EDGE_CASES]
    cases = []
    for n, (label, q) in enumerate(queries):
        said = as_keywords(q, n)
        if said is not None:
            cases.append((label, q) + said)
    lines = [g.dumps(q) for _, q, _, _ in cases]
    answers = g.check_json(caveat_bin, lines)
    # numbers as text go through the text oracle when decide is given one as a str
    texts = [any(type(v) is str and f in g.NUMERIC for f, v in g.members(q)) and
             "\\u0000" not in line  # (no flag says a NUL: see NUL below)
             for (_, q, _, _), line in zip(cases, lines)]
    explained = iter(g.check_json(caveat_bin, [line for line, t in zip(lines, texts) if not t],
                                  explain=True))
    celled = iter(g.check_cells(caveat_bin, [as_cells(q) for (_, q, _, _), t in zip(cases, texts)
                                             if t]))
    out = []
    for c, a, t in zip(cases, answers, texts):
        want = next(celled) if t else a
        if t and "decision" in want:
            want["id"] = c[3]  # decide has no id: to_json(id=...) writes the one given
        out.append(c + (a, want, None if t else next(explained)))
    return out


def nul_refused(fails, what, q, kwargs, got, answer):
    """A str with a NUL is refused everywhere (docs/robustness.md, 20): check cannot read it as
    JSON (\\u0000 is refused), decide names its field. Returns whether q has one."""
    nul = [caveat._KEYWORDS.get(k, k) for k, v in kwargs.items()
           if isinstance(v, str) and "\0" in v]
    if nul:
        fails.expect(g.problems(answer)[0][1].startswith("not valid JSON: \\u0000") and (
            isinstance(got, TypeError) or
            isinstance(got, caveat.QueryError) and
            all((f, "contains a NUL character") in got.problems for f in nul)),
            f"{what}: {got!r}, check {answer}")
    return bool(nul)


def compare_outcome(fails, what, kwargs, qid, got, answer, want, explained):
    """decide's outcome against check's; returns which it was."""
    culprits = type_culprits(kwargs)
    if culprits:
        field = type_error_field(got) if isinstance(got, TypeError) else None
        fails.expect(field in culprits and field in [f for f, _ in g.problems(answer)],
                     f"{what}: {got!r}; TypeError for one of {culprits} expected, check {answer}")
        return "TypeError"
    if "decision" in want:
        if fails.expect(isinstance(got, caveat.Decision), f"{what}: {got!r}, check {want}"):
            compare_decision(fails, what, got, want, qid, explained)
        return "decision"
    if fails.expect(isinstance(got, caveat.QueryError), f"{what}: {got!r}, check {want}"):
        compare_error(fails, what, got, want)
    return "QueryError"


def test_decide_json_queries(pack, json_cases):
    fails = Failures()
    kinds = {"decision": 0, "QueryError": 0, "TypeError": 0, "NUL": 0}
    for label, q, kwargs, qid, answer, want, explained in json_cases:
        what = f"{label}: decide(**{kwargs!r})"
        got = decide(pack, kwargs)
        if nul_refused(fails, what, q, kwargs, got, answer):
            kinds["NUL"] += 1
            continue
        kinds[compare_outcome(fails, what, kwargs, qid, got, answer, want, explained)] += 1
    # every way of answering was met (each many times at the default size)
    assert CASES < 300 or min(kinds.values()) > 0, kinds
    fails.check(len(json_cases))


def test_decide_edges(pack, caveat_bin):
    """On their own: a keyword that is no field is a TypeError naming it, None or not, from
    decide and zones; an int past a double (either sign) is "must be a finite number", decide's
    QueryError giving check's problems."""
    use = {"weapon": "gmlrs", "lat": 50.6, "lon": 36.59, "kind": "forces", "date": "2024-06-10"}
    for name in ("purpse", "target.rol", "target"):
        for value in (None, "x"):
            with pytest.raises(TypeError, match=f"^unknown query field '{re.escape(name)}'"):
                pack.decide(**use, **{name: value})
            with pytest.raises(TypeError, match=f"^unknown query field '{re.escape(name)}'"):
                pack.zones("gmlrs", "2024-06-10", frame=False, **{name: value})
    big = "1" + "0" * 400
    for more, field, lat, launch_lon in [
            ({"lat": 10 ** 400}, "target.lat", big, None),
            ({"lat": -10 ** 400}, "target.lat", "-" + big, None),
            ({"launch_lat": 50.0, "launch_lon": -10 ** 400}, "launch.lon", "50.6", "-" + big)]:
        kwargs = dict(use, **more)
        q = g.Obj([("weapon", "gmlrs"), ("date", "2024-06-10"),
                   ("target", g.Obj([("lat", g.Raw(lat)), ("lon", g.Raw("36.59")),
                                     ("kind", "forces")]))])
        if launch_lon:
            q.append(("launch", g.Obj([("lat", g.Raw("50.0")), ("lon", g.Raw(launch_lon))])))
        (want,) = g.check_json(caveat_bin, [g.dumps(q)])
        assert g.problems(want) == [(field, "must be a finite number")], want
        with pytest.raises(caveat.QueryError) as e:
            pack.decide(**kwargs)
        fails = Failures()
        compare_error(fails, f"decide with {field} past a double", e.value, want)
        fails.check(1)


@pytest.fixture(scope="module")
def cell_cases(caveat_bin):
    """[(cells, check's answer to them as they are, to them trimmed, and check --explain's to
    them trimmed, None where only flags can say them)] for text queries: decide binds text as
    given; a frame trims its cells and leaves empty ones out (docs/python.md)."""
    cells = [g.cell_query(i) for i in range(CASES // 2)]
    trimmed = [{k: v.strip(" \t") for k, v in c.items() if v.strip(" \t")} for c in cells]
    memo = {}
    todo = [c for c in cells + trimmed if tuple(c.items()) not in memo]
    for c, a in zip(todo, g.check_cells(caveat_bin, todo)):
        memo[tuple(c.items())] = a
    lines = [g.cells_as_json(t) for t in trimmed]
    explained = iter(g.check_json(caveat_bin, [line for line in lines if line is not None], True))
    return [(c, memo[tuple(c.items())], memo[tuple(t.items())],
             next(explained) if line is not None else None)
            for c, t, line in zip(cells, trimmed, lines)]


def test_decide_text(pack, cell_cases):
    fails = Failures()
    for i, (cells, want, _, _) in enumerate(cell_cases):
        kwargs = {keyword(k, i): v for k, v in cells.items() if k != "id"}
        what = f"text case {i}: decide(**{kwargs!r})"
        got = decide(pack, kwargs)
        if "decision" in want:
            if fails.expect(isinstance(got, caveat.Decision), f"{what}: {got!r}, check {want}"):
                compare_decision(fails, what, got, want, cells["id"])
        elif fails.expect(isinstance(got, caveat.QueryError), f"{what}: {got!r}, check {want}"):
            compare_error(fails, what, got, want)
    fails.check(len(cell_cases))


# ---- frames -------------------------------------------------------------------------------------

ERROR_SPLIT = re.compile("; (?=(?:" + "|".join(re.escape(f) for f in g.FIELDS) + "): )")
COLUMN = [lambda f: KEYWORD[f], lambda f: f, lambda f: f.replace(".", "_")]


def frames(items, chunk):
    """The items in frames of chunk rows: (start, the part, the k-th frame's column naming, k)."""
    for start in range(0, len(items), chunk):
        k = start // chunk
        yield start, items[start:start + chunk], COLUMN[k % len(COLUMN)], k


def frame_cell(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def compare_rows(fails, label, out, wants, explained, pack, kwargs_rows):
    """decide_frame's output rows against check's answers."""
    for r, (want, expl, kwargs) in enumerate(zip(wants, explained, kwargs_rows)):
        row = {k: frame_cell(v) if not isinstance(v, pd.Timestamp) else v
               for k, v in out.iloc[r].items()}
        what = f"{label} row {r} ({kwargs})"
        if "error" in want:
            got = sorted(tuple(p.split(": ", 1)) for p in ERROR_SPLIT.split(row["error"] or ""))
            fails.expect(row["decision"] is None and got == sorted(g.problems(want)),
                         f"{what}: decision {row['decision']}, error {row['error']!r}, "
                         f"check {g.problems(want)}")
            continue
        valid = [pd.Timestamp(x) if x else pd.NaT for x in (want["valid"]["from"],
                                                           want["valid"]["until"])]
        expect = {"decision": want["decision"], "rule": ";".join(g.rules_of(want)),
                  "parties": ";".join(f"{p['party']}:{p['decision']}" for p in want["parties"]),
                  "valid_from": valid[0], "valid_until": valid[1],
                  "date": pd.Timestamp(want["date"]), "error": None,
                  "why": pack.decide(**kwargs).why()}
        if expl is not None:  # (flags' answers are not explained: only JSON's)
            expect["explanation"] = expl["explanation"]
        bad = {k: (row[k], v) for k, v in expect.items()
               if not (row[k] == v or (v is pd.NaT and pd.isna(row[k])))}
        fails.expect(not bad, f"{what}: got/want {bad}")


def test_decide_frame_text(pack, cell_cases):
    """Text cells, as pd.read_csv(dtype=str) gives them: every row against check's answer to the
    row trimmed, empty cells left out."""
    fails = Failures()
    for start, part, style, k in frames(cell_cases, 40):
        explain = k % 2 == 1
        fields = [f for f in g.FIELDS if f in g.REQUIRED or any(f in c for c, _, _, _ in part)]
        df = pd.DataFrame({"id": [c["id"] for c, _, _, _ in part],
                           **{style(f): [c.get(f) for c, _, _, _ in part] for f in fields}})
        out = pack.decide_frame(df, output=caveat.OUTPUT_COLUMNS, explain=explain,
                                threads=1 + start % 3)
        kwargs = [{k: v.strip(" \t") for k, v in c.items() if k != "id" and v.strip(" \t")}
                  for c, _, _, _ in part]
        compare_rows(fails, f"text frame at {start}", out, [t for _, _, t, _ in part],
                     [e if explain else t for _, _, t, e in part], pack, kwargs)
    fails.check(len(cell_cases))


def typed_row(q):
    """A JSON query as a typed frame row (floats for numbers, str for names and dates), or None
    when a frame row cannot say it (a member twice or of a wrong type, a name that is no field,
    a target that is no object)."""
    if g.duplicated(q) or g.json_only(q):
        return None
    row = {}
    for k, v in g.members(q):
        if k == "id" or k in ("target", "launch") and v is None:
            continue  # (a null target or launch point: no cells)
        if k not in g.FIELDS or not g.typed_right(k, v):
            return None
        if isinstance(v, str) and "\0" in v:
            return None  # no JSON says it to check (docs/robustness.md, 20)
        if v is not None:
            row[k] = float(v) if k in g.NUMERIC else v
    return row


def test_decide_frame_typed(pack, caveat_bin):
    """Numbers as float64 (NaN: not given), names as Categoricals or str: every row against
    check's answer to the row as text, trimmed, empty cells left out."""
    rows = [r for r in (typed_row(g.json_query(i)) for i in range(CASES)) if r is not None]
    cells = [{k: (g.dumps(g.Raw(repr(v))) if k in g.NUMERIC else v.strip(" \t"))
              for k, v in r.items() if k in g.NUMERIC or v.strip(" \t")} for r in rows]
    # numbers go to check as the floats the frame holds (repr round-trips), inf as 1e999
    cells = [{k: ("1e999" if v == "inf" else "-1e999" if v == "-inf" else v)
              for k, v in c.items()} for c in cells]
    wants = g.check_cells(caveat_bin, cells)
    explained = g.check_cells(caveat_bin, cells, explain=True)
    fails = Failures()
    chunk = 60
    for start, part, style, k in frames(rows, chunk):
        categorical = k % 2 == 0
        cols = {}
        for f in g.FIELDS:
            values = [r.get(f) for r in part]
            if f in g.NUMERIC:
                cols[style(f)] = pd.Series([float("nan") if v is None else v for v in values],
                                           dtype="float64")
            elif f in g.REQUIRED or any(v is not None for v in values):
                cols[style(f)] = pd.Series(values, dtype="category" if categorical and
                                           f != "date" else object)
        explain = k % 3 == 2
        out = pack.decide_frame(pd.DataFrame(cols), output=caveat.OUTPUT_COLUMNS,
                                explain=explain)
        kwargs = [{k: (float(v) if k in g.NUMERIC else v) for k, v in c.items()}
                  for c in cells[start:start + chunk]]
        compare_rows(fails, f"typed frame at {start}", out, wants[start:start + chunk],
                     (explained if explain else wants)[start:start + chunk], pack, kwargs)
    fails.check(len(rows))


def test_comparisons_can_fail(pack, caveat_bin):
    """The comparisons above notice a difference: a decision, a problem and a frame cell each
    perturbed fail them."""
    q = g.Obj([("weapon", "gmlrs"), ("date", "2024-06-10"),
               ("target", g.Obj([("lat", g.Raw("50.6")), ("lon", g.Raw("36.59")),
                                 ("kind", "forces")])), ("purpose", "counterfire")])
    (want,) = g.check_json(caveat_bin, [g.dumps(q)])
    d = pack.decide(weapon="gmlrs", lat=50.6, lon=36.59, kind="forces", purpose="counterfire",
                    date="2024-06-10")
    fails = Failures()
    compare_decision(fails, "same", d, want, None)
    assert not fails
    for key, value in [("decision", "permitted"), ("explanation", "x")]:
        other = g.OrderedDict(want)
        other[key] = value
        compare_decision(fails, "perturbed", d, other, None)
        assert len(fails) == 1
        fails.clear()
    bad = g.Obj([(k, v) for k, v in q if k != "weapon"])
    (want,) = g.check_json(caveat_bin, [g.dumps(bad)])
    e = decide(pack, {"lat": 50.6, "lon": 36.59, "kind": "forces", "date": "2024-06-10",
                      "purpose": "counterfire"})
    compare_error(fails, "same", e, want)
    assert not fails
    compare_error(fails, "perturbed", e, g.error_line(want, [("weapon", "missing")]))
    assert len(fails) == 1
    fails.clear()
    (want,) = g.check_json(caveat_bin, [g.dumps(q)])
    row = {"weapon": "gmlrs", "target.lat": 50.6, "target.lon": 36.59, "target.kind": "forces",
           "purpose": "counterfire", "date": "2024-06-10"}
    out = pack.decide_frame(pd.DataFrame([row]), output=caveat.OUTPUT_COLUMNS)
    compare_rows(fails, "same", out, [want], [want], pack, [row])
    assert not fails
    for key, value in [("valid", {"from": "2024-05-30", "until": "2024-06-18"}),
                       ("parties", want["parties"][:0])]:
        other = g.OrderedDict(want)
        other[key] = value
        compare_rows(fails, "perturbed", out, [other], [other], pack, [row])
        assert len(fails) == 1
        fails.clear()
