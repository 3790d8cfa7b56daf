#!/usr/bin/env bash
# test_zones.sh — `caveat zones` end to end: GeoJSON of zones and of a permitted area (valid JSON,
# RFC 7946 structure, closed and oriented rings, 6 decimals), SVG maps (well-formed XML), the
# output file written whole or not at all, and errors (exit 2, naming the option).
# Usage: test_zones.sh CAVEAT_BINARY   (run from the repository root)
set -u
CAVEAT=${1:?usage: test_zones.sh CAVEAT_BINARY}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_exit CODE DESCRIPTION -- command...: runs the command, stderr to $TMP/err
expect_exit() {
    local code=$1 what=$2
    shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" -eq "$code" ]; then ok; else bad "$what: exit $rc, expected $code"; cat "$TMP/err" >&2; fi
}

# expect_err TEXT: the last command's stderr contains TEXT
expect_err() {
    if grep -qF -- "$1" "$TMP/err"; then ok; else bad "stderr lacks '$1':"; cat "$TMP/err" >&2; fi
}

# check_geojson FILE N: valid RFC 7946 FeatureCollection of N features
check_geojson() {
    if python3 - "$1" "$2" <<'PY'; then ok; else bad "GeoJSON check of $1"; fi
import json, re, sys
path, want = sys.argv[1], int(sys.argv[2])
text = open(path).read()
doc = json.loads(text)
assert doc["type"] == "FeatureCollection", doc["type"]
feats = doc["features"]
assert len(feats) == want, (len(feats), want)
# no coordinate with more than 6 decimals
for num in re.findall(r"-?\d+\.\d+", text.split('"geometry"', 1)[1] if feats else ""):
    assert len(num.split(".")[1]) <= 6, num
def area2(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
for f in feats:
    assert f["type"] == "Feature"
    assert isinstance(f["properties"], dict)
    g = f["geometry"]
    assert g["type"] in ("MultiPolygon", "MultiLineString", "MultiPoint"), g["type"]
    if g["type"] != "MultiPolygon":
        continue
    for poly in g["coordinates"]:
        for k, ring in enumerate(poly):
            assert len(ring) >= 4 and ring[0] == ring[-1], "ring not closed"
            for x, y in ring:
                assert -180 <= x <= 180 and -90 <= y <= 90, (x, y)
            a = area2(ring)
            assert (a > 0) == (k == 0), "ring %d oriented wrongly (area %g)" % (k, a)
PY
}

check_svg() {
    if command -v xmllint >/dev/null; then
        if xmllint --noout "$1" 2>"$TMP/xml"; then ok; else bad "SVG $1 not well-formed"; cat "$TMP/xml" >&2; fi
    elif python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1"; then
        ok
    else
        bad "SVG $1 not well-formed"
    fi
    if grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$1"; then ok; else bad "$1: no svg root"; fi
}

# ---- zones as GeoJSON ----
expect_exit 0 "declared zones" -- "$CAVEAT" zones --format geojson -o "$TMP/zones.geojson"
check_geojson "$TMP/zones.geojson" "$(grep -c '^zone ' packs/default/*.cav | awk -F: '{s += $2} END {print s}')"
if jq -e '.features[] | select(.properties.id == "kharkiv-border") | .properties.title | test("Kharkiv")' \
    "$TMP/zones.geojson" >/dev/null; then ok; else bad "kharkiv-border missing or untitled"; fi

expect_exit 0 "named zones, countries by code" -- "$CAVEAT" zones --zone kharkiv-border --zone ua --zone BY
"$CAVEAT" zones --zone kharkiv-border --zone ua --zone BY >"$TMP/named.geojson"
check_geojson "$TMP/named.geojson" 3
if [ "$(jq -r '[.features[].properties.id] | join(",")' "$TMP/named.geojson")" = "kharkiv-border,UA,BY" ]; then
    ok
else
    bad "named zones: wrong ids"
fi
if [ "$(jq -r '.features[1].properties.title' "$TMP/named.geojson")" = "Ukraine" ]; then ok; else bad "UA title"; fi

# stdout and -o give the same text; the format follows -o's extension
"$CAVEAT" zones --zone kharkiv-border >"$TMP/a.geojson"
"$CAVEAT" zones --zone kharkiv-border -o "$TMP/b.geojson"
if cmp -s "$TMP/a.geojson" "$TMP/b.geojson"; then ok; else bad "stdout and -o differ"; fi
"$CAVEAT" zones --zone kharkiv-border -o "$TMP/c.svg"
if head -c 200 "$TMP/c.svg" | grep -q '<svg'; then ok; else bad "-o x.svg did not give SVG"; fi

# GDAL (which QGIS uses to read GeoJSON), when installed: the files open and every geometry is
# valid, Russia's 200-odd polygons (which touch each other in the Arctic) included
if command -v ogrinfo >/dev/null; then
    "$CAVEAT" zones --zone RU --zone UA --zone kharkiv-border -o "$TMP/gis.geojson"
    n=$(ogrinfo -ro -q -dialect SQLite -sql \
        "select count(*) as n from gis where not ST_IsValid(geometry)" "$TMP/gis.geojson" \
        2>/dev/null | awk '/n \(Integer\)/ {print $4}')
    if [ "$n" = 0 ]; then ok; else bad "GDAL finds $n invalid geometries (or cannot read the file)"; fi
fi

# ---- the permitted area ----
expect_exit 0 "permitted area" -- "$CAVEAT" zones --weapon gmlrs --party US --kind forces \
    --purpose counterfire --date 2024-06-10 -o "$TMP/area.geojson"
check_geojson "$TMP/area.geojson" 1
props=$(jq -c '.features[0].properties | [.weapon, .party, .kind, .purpose, .date, .decision]' "$TMP/area.geojson")
if [ "$props" = '["gmlrs","US","forces","counterfire","2024-06-10","permitted"]' ]; then ok; else bad "area properties: $props"; fi
# Belgorod (across the border from Kharkiv) is in the area on 2024-06-10 and not on 2024-05-01
in_area() { # FILE LON LAT -> 0 when the point is inside a polygon of the first feature
    python3 - "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
x, y = float(sys.argv[2]), float(sys.argv[3])
def inside(ring):
    c = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            c = not c
    return c
hit = any(inside(p[0]) and not any(inside(h) for h in p[1:])
          for p in doc["features"][0]["geometry"]["coordinates"])
sys.exit(0 if hit else 1)
PY
}
if in_area "$TMP/area.geojson" 36.59 50.60; then ok; else bad "Belgorod not permitted on 2024-06-10"; fi
if ! in_area "$TMP/area.geojson" 37.62 55.76; then ok; else bad "Moscow permitted"; fi
"$CAVEAT" zones --weapon HIMARS --kind forces --purpose counterfire --date 2024-05-01 >"$TMP/before.geojson"
check_geojson "$TMP/before.geojson" 1
if ! in_area "$TMP/before.geojson" 36.59 50.60; then ok; else bad "Belgorod permitted on 2024-05-01"; fi
if in_area "$TMP/before.geojson" 36.23 49.99; then ok; else bad "Kharkiv not permitted on 2024-05-01"; fi
# a use permitted nowhere: an empty MultiPolygon, still valid
"$CAVEAT" zones --weapon gmlrs --kind civilian-object --purpose counterfire --date 2024-06-10 >"$TMP/none.geojson"
check_geojson "$TMP/none.geojson" 1
if [ "$(jq -c '.features[0].geometry.coordinates' "$TMP/none.geojson")" = "[]" ]; then ok; else bad "civilian area not empty"; fi

# ---- SVG ----
expect_exit 0 "zones SVG" -- "$CAVEAT" zones --format svg -o "$TMP/zones.svg"
check_svg "$TMP/zones.svg"
if grep -q 'kharkiv-border' "$TMP/zones.svg"; then ok; else bad "legend lacks kharkiv-border"; fi
expect_exit 0 "area SVG" -- "$CAVEAT" zones --weapon gmlrs --party US --kind forces \
    --purpose counterfire --date 2024-06-10 --zone kharkiv-border --format svg -o "$TMP/area.svg"
check_svg "$TMP/area.svg"
if grep -q '2024-06-10' "$TMP/area.svg" && grep -q 'Permitted area' "$TMP/area.svg"; then ok; else bad "area SVG lacks date or legend"; fi
expect_exit 0 "SVG of a large zone" -- "$CAVEAT" zones --zone RU --format svg -o "$TMP/ru.svg"
check_svg "$TMP/ru.svg"

# ---- errors: exit 2, the option named, no file left behind ----
echo keep >"$TMP/keep.geojson"
expect_exit 2 "unknown zone" -- "$CAVEAT" zones --zone kharkiv-bordr -o "$TMP/keep.geojson"
expect_err "--zone 'kharkiv-bordr'"
expect_err "did you mean kharkiv-border"
if [ "$(cat "$TMP/keep.geojson")" = keep ]; then ok; else bad "a failed run replaced the output file"; fi
if [ -z "$(ls "$TMP" | grep '\.tmp\.')" ]; then ok; else bad "temporary file left behind"; fi
expect_exit 2 "bad date" -- "$CAVEAT" zones --date 2024-02-30
expect_err "--date '2024-02-30'"
expect_exit 2 "missing date" -- "$CAVEAT" zones --weapon gmlrs --kind forces
expect_err "--date is required"
expect_exit 2 "missing kind" -- "$CAVEAT" zones --weapon gmlrs --date 2024-06-10
expect_err "--kind is required"
expect_exit 2 "unknown weapon" -- "$CAVEAT" zones --weapon nosuch --kind forces --date 2024-06-10
expect_err "--weapon"
expect_exit 2 "unknown kind" -- "$CAVEAT" zones --weapon gmlrs --kind forcs --date 2024-06-10
expect_err "--kind"
expect_exit 2 "unknown party" -- "$CAVEAT" zones --weapon gmlrs --kind forces --date 2024-06-10 --party XX
expect_err "--party"
expect_exit 2 "bad format" -- "$CAVEAT" zones --format png
expect_err "--format"
expect_exit 2 "use fields without --weapon" -- "$CAVEAT" zones --kind forces
expect_err "--kind needs --weapon"
expect_exit 2 "unwritable output" -- "$CAVEAT" zones -o "$TMP/no/such/dir/x.geojson"
expect_err "-o $TMP/no/such/dir/x.geojson"
expect_exit 2 "unknown option" -- "$CAVEAT" zones --colour red
expect_err "--colour"
expect_exit 0 "help" -- "$CAVEAT" zones --help

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
