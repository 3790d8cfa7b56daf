#!/usr/bin/python3
"""statements.py - the default pack's statement table is complete, verbatim and consistent.

Usage: tests/pack/statements.py CAVEAT [PACKDIR]   (PACKDIR defaults to packs/default)

PACKDIR/statements.jsonl lists each statement of the pack's two sources that states a condition
(every such sentence of the CNN text, every row of the timeline's tables, the analysts' remarks),
with the rules, notes, zones and weapons encoding it, the reading chosen and the assumptions it
rests on. This test checks that:
  - every text is verbatim in its source (packs/default/sources/);
  - every row of the timeline's tables is a statement;
  - every id it names exists in the pack (as `caveat catalog` reports it), every id under
    "assumes" is a zone or rule that carries an `assumption`, and every source cited exists;
  - every rule and every note of the pack encodes some statement;
  - every statement encoded by a rule has a permitted and a prohibited case among the pack's
    cases (packs/default/tests/*.jsonl, cases named "STATEMENT-ID/..."), and one encoded by notes
    alone has at least one case; a statement whose rules belong to parties that supply no weapon
    of the catalog cannot be asked about, and is listed instead.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cavpack  # noqa: E402

KEYS = {"id", "source", "cites", "text", "rules", "notes", "zones", "weapons", "assumes",
        "reading"}


def main():
    caveat = sys.argv[1]
    pdir = sys.argv[2] if len(sys.argv) > 2 else "packs/default"
    fail = cavpack.Failures()
    texts = {}
    for name in os.listdir(os.path.join(pdir, "sources")):
        if name.endswith((".txt", ".md")) and name != "README.md":
            texts[name] = open(os.path.join(pdir, "sources", name), encoding="utf-8").read()

    cat = {w: {x["id"]: x for x in cavpack.catalog(caveat, pdir, w)}
           for w in ("rules", "notes", "zones", "weapons", "sources")}
    p = cavpack.pack(pdir)
    assumed_rules = {k for kw in ("permit", "forbid") for k, v in p.get(kw, {}).items()
                     if "assumption" in v}
    assumed_zones = {k for k, v in cat["zones"].items() if v.get("assumption")}

    stmts = []
    path = os.path.join(pdir, "statements.jsonl")
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            s = json.loads(line)
        except ValueError as e:
            fail("statements.jsonl:%d: not JSON: %s" % (n, e))
            continue
        if set(s) != KEYS:
            fail("statements.jsonl:%d: keys %s, want %s" % (n, sorted(s), sorted(KEYS)))
            continue
        stmts.append(s)

    ids = [s["id"] for s in stmts]
    for i in set(ids):
        if ids.count(i) > 1:
            fail("statement id %s is used %d times" % (i, ids.count(i)))

    used = {"rules": set(), "notes": set()}
    for s in stmts:
        sid = s["id"]
        if s["source"] not in texts:
            fail("%s: unknown source text %s" % (sid, s["source"]))
        elif s["text"] not in texts[s["source"]]:
            fail("%s: text is not verbatim in %s: %r" % (sid, s["source"], s["text"][:80]))
        for field in ("rules", "notes", "zones", "weapons"):
            for x in s[field]:
                if x not in cat[field]:
                    fail("%s: %s %s does not exist" % (sid, field[:-1], x))
            if field in used:
                used[field].update(s[field])
        for c in s["cites"]:
            if c not in cat["sources"]:
                fail("%s: cites unknown source %s" % (sid, c))
        for a in s["assumes"]:
            if a not in assumed_rules and a not in assumed_zones:
                fail("%s: assumes %s, which is no zone or rule with an assumption" % (sid, a))
        if not s["reading"].strip():
            fail("%s: no reading" % sid)

    for field in ("rules", "notes"):
        for x in sorted(set(cat[field]) - used[field]):
            fail("%s %s encodes no statement" % (field[:-1], x))

    tl = texts.get("timeline.md", "")
    table_rows = [l for l in tl.split("\n")
                  if l.startswith("| ") and not l.startswith("|---")]
    headers = {l for l in table_rows
               if l.startswith(("| Date (announced)", "| Country |", "| System |"))}
    have = {s["text"] for s in stmts}
    for row in table_rows:
        if row not in headers and row not in have:
            fail("timeline row is no statement: %s" % row[:80])

    # cases, by the statement id their name begins with
    verdicts = {}
    tdir = os.path.join(pdir, "tests")
    for name in sorted(os.listdir(tdir)):
        if not name.endswith(".jsonl"):
            continue
        for line in open(os.path.join(tdir, name), encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            c = json.loads(line)
            sid = c["case"].split("/")[0]
            verdicts.setdefault(sid, set()).add(c["expect"])
    # a party that supplies no weapon of the catalog cannot be asked about: its rules have no cases
    supplying = {pt for w in cat["weapons"].values() for pt in w["consent"] + w["suppliers"]}
    rule_parties = {k: v.get("parties", []) for kw in ("permit", "forbid")
                    for k, v in p.get(kw, {}).items()}
    for s in stmts:
        got = verdicts.get(s["id"], set())
        askable = [r for r in s["rules"]
                   if any(pt == "*" or pt in supplying for pt in rule_parties.get(r, []))]
        if s["rules"] and not askable:
            print("note: %s: no weapon of the catalog is supplied by %s, so no case can ask about it"
                  % (s["id"], ", ".join(sorted({pt for r in s["rules"]
                                                 for pt in rule_parties.get(r, [])}))))
        elif s["rules"]:
            for want in ("permitted", "prohibited"):
                if want not in got:
                    fail("%s: no %s case (name a case %s/...)" % (s["id"], want, s["id"]))
        elif s["notes"] and not got:
            fail("%s: no case shows its note" % s["id"])
    for sid in sorted(set(verdicts) - set(ids)):
        fail("cases named %s/... name no statement" % sid)
    return fail.report("statements (%d)" % len(stmts), len(stmts))


if __name__ == "__main__":
    sys.exit(main())
