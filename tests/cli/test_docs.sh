#!/usr/bin/env bash
# The documentation cannot drift: docs/default-pack.md and its maps must equal what the tool
# generates now, every `$ command` of the README's console blocks must print what the README
# shows, and so must every example of the user manuals (docs/language.md, docs/semantics.md).
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

# The user manuals: every "$ caveat ..." example of a code block, run in docs/examples, must print
# what the page shows (tests/cli/doc_examples.py; its --update rewrites a page after a deliberate
# change of output, for review with git diff)
here=$(dirname "$0")
python3 "$here/doc_examples.py" --min 20 "$caveat" docs/language.md && ok ||
  bad "docs/language.md examples differ from the real output"
python3 "$here/doc_examples.py" --min 20 "$caveat" docs/semantics.md && ok ||
  bad "docs/semantics.md examples differ from the real output"
python3 "$here/doc_examples.py" --min 5 "$caveat" docs/testing.md && ok ||
  bad "docs/testing.md examples differ from the real output"
# docs/audit.md's examples name the repository's files (examples/...): run from its root
python3 "$here/doc_examples.py" --min 4 --cwd . "$caveat" docs/audit.md && ok ||
  bad "docs/audit.md examples differ from the real output"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
