#!/usr/bin/env bash
# The documentation cannot drift: docs/default-pack.md and its maps must equal what the tool
# generates now, and every `$ command` of the README's console blocks must print what the README
# shows.
set -u
caveat=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

DOCS_DIR="$tmp/docs" tools/gen-pack-docs.sh "$caveat" > /dev/null || bad "gen-pack-docs failed"
diff -u docs/default-pack.md "$tmp/docs/default-pack.md" > "$tmp/diff" && ok ||
  { bad "docs/default-pack.md is stale: run tools/gen-pack-docs.sh"; head -20 "$tmp/diff"; }
for f in "$tmp"/docs/maps/*.svg "$tmp"/docs/*.svg; do
  rel=${f#"$tmp"/}
  cmp -s "$f" "$rel" && ok || bad "$rel is stale: run tools/gen-pack-docs.sh"
done

# README console blocks: "$ cmd" lines (a trailing "\" continues), then the expected output
python3 - "$caveat" README.md <<'PY' && ok || bad "README examples differ from the real output"
import re, subprocess, sys
caveat, readme = sys.argv[1], open(sys.argv[2]).read()
failed = 0
for block in re.findall(r"```console\n(.*?)```", readme, re.S):
    lines = block.split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        cmd = lines[i][2:]
        while cmd.endswith("\\"):
            i += 1
            cmd = cmd[:-1] + lines[i].strip()
        i += 1
        want = []
        while i < len(lines) and not lines[i].startswith("$ "):
            want.append(lines[i])
            i += 1
        cmd = re.sub(r"#.*$", "", cmd).replace("build/caveat", caveat)
        got = subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout
        if got.rstrip("\n") != "\n".join(want).rstrip("\n"):
            failed += 1
            print("README differs for: " + cmd + "\n--- got:\n" + got + "--- README:\n" + "\n".join(want))
sys.exit(1 if failed else 0)
PY

# docs/language.md: every "$ caveat ..." line of a code block, run in docs/examples
python3 - "$caveat" docs/language.md <<'PY' && ok || bad "docs/language.md examples differ from the real output"
import re, subprocess, sys
caveat, doc = sys.argv[1], open(sys.argv[2]).read()
failed = count = 0
for block in re.findall(r"```[a-z]*\n(.*?)```", doc, re.S):
    lines = block.split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ caveat"):
            i += 1
            continue
        cmd = lines[i][2:]
        i += 1
        want = []
        while i < len(lines) and not lines[i].startswith("$ "):
            want.append(lines[i])
            i += 1
        r = subprocess.run(cmd.replace("caveat", caveat, 1), shell=True, capture_output=True,
                           text=True, cwd="docs/examples")
        count += 1
        got = (r.stdout + r.stderr).rstrip("\n")
        if got != "\n".join(want).rstrip("\n"):
            failed += 1
            print("docs/language.md differs for: " + cmd + "\n--- got:\n" + got + "\n--- doc:\n" + "\n".join(want))
assert count >= 20, count
sys.exit(1 if failed else 0)
PY

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
