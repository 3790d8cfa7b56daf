#!/usr/bin/env bash
# derive.sh — regenerates src/geo/borders_data.c: the land of every country from world-atlas
# (step 1, derive.js, pinned npm packages), then the territorial sea and the C tables (step 2,
# tools/derive-sea/derive.py, Debian's python3-shapely and python3-pyproj). Deterministic: the same
# package versions give the same file. Usage: tools/derive-borders/derive.sh [--report]
# (--report also measures the zones' outer limits and median lines; a few minutes more).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && npm ci --silent && node derive.js "$tmp/land.json")
/usr/bin/python3 "$root/tools/derive-sea/derive.py" "$tmp/land.json" \
  --out "$root/src/geo/borders_data.c" "$@"
