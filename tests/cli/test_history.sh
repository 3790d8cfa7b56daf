#!/usr/bin/env bash
# End-to-end tests of `caveat timeline`, `caveat diff` and `caveat sources` on the default pack.
set -u
caveat=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
has() { grep -qF -- "$2" <<< "$1" && ok || bad "$3: missing '$2'"; }
hasnt() { grep -qF -- "$2" <<< "$1" && bad "$3: unexpected '$2'" || ok; }

t=$("$caveat" timeline --party US)
has "$t" "2024-05-30  US        permit starts  us-kharkiv-counterfire" "timeline row"
has "$t" "(an exception to us-no-strikes-into-russia, which stays in force)" "an exception names its forbid"
has "$t" "(an exception to us-no-strikes-into-russia, us-atacms-not-into-russia, which stay in force)" "two forbids"
has "$t" "us-no-strikes-into-russia           The long-standing policy" "the open-ended ban"
has "$t" "(rests on an assumption)" "assumed rules marked"
has "$t" "2025-08-24  US        forbid starts  us-long-range-review-2025" "a later forbid"
has "$t" "us-no-widening-expected" "notes are rows"
has "$t" "(disputed)" "disputed marked"
hasnt "$t" "fr-military-sites-in-russia" "--party filters"
# rows are in date order
dates=$(awk '{print $1}' <<< "$t")
[ "$dates" = "$(sort <<< "$dates")" ] && ok || bad "timeline not in date order"

t=$("$caveat" timeline --weapon atacms)
has "$t" "us-atacms-kursk" "weapon filter keeps ATACMS rules"
hasnt "$t" "us-kharkiv-counterfire" "weapon filter drops rules that cannot match ATACMS"
has "$t" "ihl-civilian-objects" "party * rules concern every weapon"

j=$("$caveat" timeline --format json)
python3 -c 'import json,sys; rows=json.load(sys.stdin); assert len(rows) > 30; assert all(("rule" in r or "note" in r) and "sources" in r for r in rows); assert any(r["change"] == "note" for r in rows); assert any(r.get("assumption") for r in rows)' <<< "$j" && ok || bad "timeline json"
m=$("$caveat" timeline --format md --party FR)
has "$m" "| date | party | change | rule | what | disputed | assumes | sources |" "markdown header"
has "$m" '| `fr-military-sites-in-russia` |' "markdown row"

d=$("$caveat" diff 2024-05-29 2024-06-17 --party US)
has "$d" "Changes from 2024-05-29 to 2024-06-17: 2" "diff count"
has "$d" "+ permit       us-kharkiv-counterfire" "diff added"
has "$d" "+ permit       us-border-counterfire" "diff added, second"
d=$("$caveat" diff 2024-06-17 2024-05-29 --party US)
has "$d" "- permit       us-kharkiv-counterfire" "diff reversed"
d=$("$caveat" diff 2025-08-23 2025-08-24 --party US)
has "$d" "+ forbid       us-long-range-review-2025" "diff adds a forbid"
"$caveat" diff 2024-06-17 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "diff needs two dates"
"$caveat" diff 2024-02-30 2024-06-17 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "diff bad date"
"$caveat" timeline --party XX > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown party"

s=$("$caveat" sources)
has "$s" "cnn-2024-05-30  2024-05-30  CNN" "source row"
has "$s" "us-kharkiv-counterfire" "citing rule"
hasnt "$s" "(cited by no rule or note)" "every source is cited"
"$caveat" sources --format json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert all(x["cited_by"] for x in s)' && ok || bad "sources json"

# the area map of a change: GEOS-exact grew/shrank/unchanged features, an SVG, errors
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$caveat" diff --weapon gmlrs --kind forces --role attacking --purpose counterfire --format geojson \
  -o "$tmp/d.geojson" 2024-05-29 2024-06-20 && ok || bad "diff geojson run"
python3 - "$tmp/d.geojson" <<'PY' && ok || bad "diff geojson content"
import json, sys
d = json.load(open(sys.argv[1]))
ch = {f["id"]: f["geometry"] for f in d["features"] if "change" in f["properties"]}
assert set(ch) == {"grew", "shrank", "unchanged"}
def area(g):
    ring = lambda r: abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(r, r[1:]))) / 2
    return sum(ring(p[0]) - sum(ring(h) for h in p[1:]) for p in g["coordinates"]) if g else 0
# it grew by the border region; what shrank is slivers where the band along a decisive border
# moved (where the border region meets the sea): a few square kilometres in all
assert area(ch["grew"]) > 1 and ch["unchanged"] and area(ch["shrank"]) < 0.01, area(ch["shrank"])
# the rules behind the change, with their dates
rc = {(r["rule"], r["change"], r["date"]) for r in d["features"][0]["properties"]["rules_changed"]}
assert ("us-kharkiv-counterfire", "starts", "2024-05-30") in rc, rc
PY
"$caveat" diff --weapon atacms --kind forces --role attacking --format geojson 2024-11-16 2024-11-17 |
  python3 -c 'import json,sys; d={f["id"]: f["geometry"] for f in json.load(sys.stdin)["features"]}; assert d["grew"] and not d["shrank"]' && ok || bad "ATACMS Kursk grew"
"$caveat" diff --weapon atacms --kind forces --role attacking --format geojson 2025-08-23 2025-08-24 |
  python3 -c 'import json,sys; d={f["id"]: f["geometry"] for f in json.load(sys.stdin)["features"]}; assert d["shrank"] and not d["grew"]' && ok || bad "ATACMS review shrank"
"$caveat" diff --weapon gmlrs --kind forces --role attacking --format svg 2024-05-29 2024-06-20 > "$tmp/d.svg" && ok || bad "diff svg run"
grep -q "Newly permitted on 2024-06-20, across Ukraine" "$tmp/d.svg" && grep -q "In force on 2024-06-20, not on 2024-05-29:" "$tmp/d.svg" && ok || bad "diff svg legend"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/d.svg" && ok || bad "diff svg is XML"
"$caveat" diff --format svg 2024-05-29 2024-06-20 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "diff map needs a use"
"$caveat" diff --weapon gmlrs --kind forcs --format svg 2024-05-29 2024-06-20 2> "$tmp/err" > /dev/null
[ $? -eq 2 ] && grep -q -- "--kind 'forcs': unknown target.kind 'forcs'" "$tmp/err" && ok || bad "diff map bad kind"

# -o on a device writes in place (never renamed over it); on a directory it is an error
"$caveat" diff --weapon gmlrs --kind forces --format geojson -o /dev/null 2024-05-29 2024-06-20 && ok || bad "-o /dev/null"
[ -c /dev/null ] && ok || bad "/dev/null is still a device"
"$caveat" diff --weapon gmlrs --kind forces --format geojson -o "$tmp" 2024-05-29 2024-06-20 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "is a directory" "$tmp/err" && ok || bad "-o directory"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
