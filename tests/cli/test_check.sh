#!/usr/bin/env bash
# End-to-end tests of `caveat check`, `lint`, `fmt` and `test` on the real binary ($1).
set -u
caveat=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', expected '$2'"; }

# one output line per input line, in order, bad lines included; exit 1 when a line is an error
printf '%s\n' \
  '{"id": "a", "date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": 50.60, "lon": 36.59, "kind": "forces", "role": "attacking"}, "purpose": "counterfire"}' \
  'not json' \
  '' \
  '{"id": "d", "date": "2024-06-10", "weapon": "nope", "target": {"lat": 50.60, "lon": 36.59, "kind": "forces"}}' \
  '{"id": "e", "date": "2024-06-10", "weapon": "atacms", "target": {"lat": 50.60, "lon": 36.59, "kind": "forces"}}' \
  > "$tmp/in.ndjson"
"$caveat" check "$tmp/in.ndjson" > "$tmp/out" 2> "$tmp/err"
expect_eq "$?" 1 "exit status with bad lines"
expect_eq "$(wc -l < "$tmp/out")" 5 "output lines"
expect_eq "$(sed -n 1p "$tmp/out" | grep -c '"decision": "permitted"')" 1 "line 1 permitted"
expect_eq "$(sed -n 2p "$tmp/out" | grep -c '"line": 2, "message": "not valid JSON')" 1 "line 2 error"
expect_eq "$(sed -n 3p "$tmp/out" | grep -c 'empty line')" 1 "line 3 empty"
expect_eq "$(sed -n 4p "$tmp/out" | grep -c '"id": "d", "error": {"field": "weapon"')" 1 "line 4 field"
expect_eq "$(sed -n 5p "$tmp/out" | grep -c '"rules": \["us-no-strikes-into-russia", "us-atacms-not-into-russia"\]')" 1 "line 5 rules"

# stdin, and exit 0 when every line was evaluated
head -1 "$tmp/in.ndjson" | "$caveat" check - > "$tmp/out"
expect_eq "$?" 0 "exit status all good"
expect_eq "$(wc -l < "$tmp/out")" 1 "stdin output"

# a pretty-printed query file and a JSON array
cat > "$tmp/one.json" <<'JSON'
{
  "id": "pretty",
  "date": "2024-06-10",
  "weapon": "HIMARS",
  "target": {"lat": 50.60, "lon": 36.59, "kind": "forces", "role": "attacking"},
  "purpose": "counterfire"
}
JSON
expect_eq "$("$caveat" check "$tmp/one.json" | grep -c '"id": "pretty", "decision": "permitted"')" 1 "pretty file"
echo '[{"date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}}, {"x": 1}]' > "$tmp/arr.json"
expect_eq "$("$caveat" check "$tmp/arr.json" | wc -l)" 2 "array file"

# --date fills a missing date; flags ask one question; text format
echo '{"weapon": "gmlrs", "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}, "purpose": "counterfire"}' |
  "$caveat" check --date 2024-05-29 > "$tmp/out"
expect_eq "$(grep -c '"us-no-strikes-into-russia"' "$tmp/out")" 1 "--date default"
out=$("$caveat" check --format text --weapon gmlrs --lat 50.6 --lon 36.59 --kind forces --role attacking --purpose counterfire --date 2024-06-10)
case "$out" in
  "permitted: US permits counterfire with US artillery and rockets across the border near Kharkiv"*"(us-kharkiv-counterfire, since 2024-05-30). It is an exception to us-no-strikes-into-russia, which stays in force. kharkiv-border is an assumption of the pack: "*"This holds from 2024-05-30 until 2024-06-17 (exclusive).") ok ;;
  *) bad "text answer: $out" ;;
esac

# usage errors exit 2
"$caveat" check --frobnicate > /dev/null 2>&1; expect_eq "$?" 2 "unknown option"
"$caveat" check --date 2024-13-01 - < /dev/null > /dev/null 2>&1; expect_eq "$?" 2 "bad --date"
"$caveat" check "$tmp/missing.ndjson" > /dev/null 2>&1; expect_eq "$?" 2 "missing input"
"$caveat" check --weapon gmlrs --lat 50 > /dev/null 2>&1; expect_eq "$?" 2 "incomplete flags"
"$caveat" check --help | grep -q "usage: caveat check" && ok || bad "check --help"

# a bad policy is rejected whole: every error listed, nothing evaluated, exit 2
printf 'party US\nparty XX1\npermit r party US from 2024-01-01 source nowhere\n' > "$tmp/bad.cav"
head -1 "$tmp/in.ndjson" | "$caveat" check --policy "$tmp/bad.cav" > "$tmp/out" 2> "$tmp/err"
expect_eq "$?" 2 "bad policy exit"
expect_eq "$(wc -c < "$tmp/out")" 0 "nothing evaluated with a bad policy"
expect_eq "$(grep -c 'error:' "$tmp/err")" 2 "every error listed"
grep -q "bad.cav:3:" "$tmp/err" && ok || bad "error place"
"$caveat" check --policy "$tmp" < /dev/null > /dev/null 2>&1; expect_eq "$?" 2 "directory with a bad file"

# lint and fmt
"$caveat" lint packs/default > "$tmp/out"; expect_eq "$?" 0 "lint default pack"
expect_eq "$(tail -1 "$tmp/out")" "0 errors, 0 warnings" "default pack is clean"
"$caveat" fmt --check packs/default/*.cav; expect_eq "$?" 0 "default pack in canonical layout"
printf 'permit   r party US from 2024-01-01 source s   when weapon=gmlrs\n' > "$tmp/loose.cav"
"$caveat" fmt --check "$tmp/loose.cav" > /dev/null; expect_eq "$?" 1 "fmt --check finds a loose file"
cp "$tmp/loose.cav" "$tmp/keep.cav"
"$caveat" fmt --write "$tmp/loose.cav"; "$caveat" fmt --check "$tmp/loose.cav"
expect_eq "$?" 0 "fmt --write makes it canonical"
printf 'permit r (\n' > "$tmp/broken.cav"; cp "$tmp/broken.cav" "$tmp/broken.orig"
"$caveat" fmt --write "$tmp/broken.cav" 2> /dev/null; expect_eq "$?" 2 "fmt refuses a broken file"
cmp -s "$tmp/broken.cav" "$tmp/broken.orig" && ok || bad "a broken file is never rewritten"

# the embedded pack's own cases
"$caveat" test > "$tmp/out"; expect_eq "$?" 0 "caveat test"
grep -q "^[1-9][0-9]* passed, 0 failed, 0 errors$" "$tmp/out" && ok || bad "caveat test summary"
# coverage: every reachable rule decides a case and has each test seen true and false; a rule no
# question can reach is named apart and does not fail the run
"$caveat" test --coverage > "$tmp/out"; expect_eq "$?" 0 "caveat test --coverage"
grep -q "^unreachable: fi-no-restrictions: no weapon of the catalog needs the consent of FI" "$tmp/out" && ok || bad "unreachable rule named"
grep -q "; 0 rules not fully covered; 1 unreachable$" "$tmp/out" && ok || bad "coverage summary"

# where: recognised borders
expect_eq "$("$caveat" where 44.60 33.52 | head -1)" "country UA Ukraine" "Sevastopol is UA"
"$caveat" where 95 0 > /dev/null 2>&1; expect_eq "$?" 2 "where out of range"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
