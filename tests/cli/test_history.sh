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
has "$t" "2024-05-30  US      permit starts  us-kharkiv-counterfire" "timeline row"
has "$t" "2024-05-30  US      forbid ends    us-no-strikes-into-russia" "rule end"
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
python3 -c 'import json,sys; rows=json.load(sys.stdin); assert len(rows) > 40; assert all("rule" in r and "sources" in r for r in rows)' <<< "$j" && ok || bad "timeline json"
m=$("$caveat" timeline --format md --party FR)
has "$m" "| date | party | change | rule | what | disputed | sources |" "markdown header"
has "$m" '| `fr-military-sites-in-russia` |' "markdown row"

d=$("$caveat" diff 2024-05-29 2024-06-17 --party US)
has "$d" "Changes from 2024-05-29 to 2024-06-17: 3" "diff count"
has "$d" "- forbid       us-no-strikes-into-russia" "diff removed"
has "$d" "+ permit       us-border-counterfire" "diff added"
d=$("$caveat" diff 2024-06-17 2024-05-29 --party US)
has "$d" "+ forbid       us-no-strikes-into-russia" "diff reversed"
"$caveat" diff 2024-06-17 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "diff needs two dates"
"$caveat" diff 2024-02-30 2024-06-17 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "diff bad date"
"$caveat" timeline --party XX > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown party"

s=$("$caveat" sources)
has "$s" "cnn-2024-05-30  2024-05-30  CNN" "source row"
has "$s" "us-kharkiv-counterfire" "citing rule"
hasnt "$s" "(cited by no rule or note)" "every source is cited"
"$caveat" sources --format json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert all(x["cited_by"] for x in s)' && ok || bad "sources json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
