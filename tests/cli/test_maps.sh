#!/usr/bin/env bash
# test_maps.sh — every map documented in docs/maps.md, rendered again: each `$ caveat zones|diff`
# line of the page that writes a file is run with its output in a temporary directory. Each map
# is made as PNG (its size checked against the page's image, not blank: ink and colours), as SVG
# (well-formed, its text holding the credit line) and as PDF (its text, through pdftotext,
# holding the credit line); a map with a disputed permission carries the disputed label in both.
# The page's own console example (GeoJSON through jq) must print what the page shows.
# Usage: test_maps.sh CAVEAT_BINARY   (run from the repository root)
set -u
CAVEAT=${1:?usage: test_maps.sh CAVEAT_BINARY}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fails=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
png() { python3 tests/cli/pngcheck.py "$@"; }

n=0
while IFS= read -r line; do
    n=$((n + 1))
    file=$(sed -n 's/.* -o \(docs\/maps\/[^ ]*\).*/\1/p' <<<"$line")
    args=$(sed 's/^\$ caveat //; s/ -o docs\/maps\/[^ ]*//' <<<"$line")
    base=$(basename "$file")
    stem=${base%.*}
    run() { # FORMAT OUT [EXTRA...]: the documented command with another format and output
        local fmt=$1 out=$2
        shift 2
        # shellcheck disable=SC2086
        "$CAVEAT" $args -o "$out" --format "$fmt" "$@" 2>"$TMP/err"
    }
    # the size: a PNG 480 pixels wide, of the documented image's shape; not blank
    if run png "$TMP/$stem.png" --width 480; then ok; else bad "$args"; cat "$TMP/err" >&2; continue; fi
    read -r w h ink colours <<<"$(png stats "$TMP/$stem.png")"
    if [ "${file##*.}" = png ]; then
        read -r dw dh <<<"$(python3 -c 'import struct, sys; print(*struct.unpack(">II", open(sys.argv[1], "rb").read()[16:24]))' "$file")"
        want_h=$(((dh * 480 + dw / 2) / dw))
        if [ "$w" = 480 ] && [ $((h - want_h)) -le 1 ] && [ $((want_h - h)) -le 1 ]; then ok; else bad "$stem.png is ${w}x$h, not 480x$want_h as the page's ${dw}x$dh"; fi
    elif [ "$w" = 480 ] && [ "$h" -gt 150 ]; then ok; else bad "$stem.png is ${w}x$h"; fi
    if python3 -c "import sys; sys.exit(0 if $ink > 0.3 and $colours >= 12 else 1)"; then
        ok
    else
        bad "$stem looks blank: ink $ink, $colours colours"
    fi
    run svg "$TMP/$stem.svg" || bad "$stem svg"
    if xmllint --noout "$TMP/$stem.svg" 2>/dev/null; then ok; else bad "$stem.svg not well-formed"; fi
    run pdf "$TMP/$stem.pdf" || bad "$stem pdf"
    if [ "$(head -c 5 "$TMP/$stem.pdf")" = "%PDF-" ]; then ok; else bad "$stem.pdf is no PDF"; fi
    pdftotext -raw "$TMP/$stem.pdf" - 2>/dev/null | tr -s ' \n' '  ' >"$TMP/$stem.pdf.txt"
    # the SVG's text, lines joined as in the PDF
    sed -n 's:.*<text[^>]*>\(.*\)</text>.*:\1:p' "$TMP/$stem.svg" | tr -s ' \n' '  ' >"$TMP/$stem.svg.txt"
    for t in svg pdf; do
        if grep -q "Made with caveat [0-9.]* from the pack default@[0-9a-f]*\. Sources: " "$TMP/$stem.$t.txt" &&
            grep -q "Natural Earth 1:10m" "$TMP/$stem.$t.txt"; then
            ok
        else
            bad "$stem.$t lacks the credit line"
        fi
    done
    # a disputed permission on the map: its label in both
    if grep -q '<path class="disputed"' "$TMP/$stem.svg"; then
        for t in svg pdf; do
            if grep -q "disputed rule: .*(disputed: " "$TMP/$stem.$t.txt"; then ok; else bad "$stem.$t lacks the disputed label"; fi
        done
        disputed=$((${disputed:-0} + 1))
    fi
done < <(grep -E '^\$ caveat (zones|diff) .*-o docs/maps/' docs/maps.md)
if [ "$n" -ge 7 ]; then ok; else bad "only $n maps found in docs/maps.md"; fi
if [ "${disputed:-0}" -ge 2 ]; then ok; else bad "no documented map shows a disputed permission"; fi

# the page's GeoJSON example prints what the page shows
python3 - "$CAVEAT" docs/maps.md <<'PY' && ok || bad "docs/maps.md GeoJSON example differs"
import re, subprocess, sys
caveat, doc = sys.argv[1], open(sys.argv[2]).read()
found = 0
for block in re.findall(r"```console\n(.*?)```", doc, re.S):
    lines = block.rstrip("\n").split("\n")
    if "| jq" not in lines[0]:
        continue
    found += 1
    cmd = lines[0][2:].replace("caveat", caveat, 1)
    got = subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.rstrip("\n")
    if got != "\n".join(lines[1:]):
        print("got:\n" + got + "\npage:\n" + "\n".join(lines[1:]))
        sys.exit(1)
sys.exit(0 if found else 1)
PY

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
