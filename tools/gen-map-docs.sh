#!/usr/bin/env bash
# Regenerates the map files of docs/maps.md (docs/maps/*.png, *.pdf) by running the page's own
# `$ caveat zones` and `$ caveat diff` lines that write a file (-o docs/maps/...). The page and
# its images cannot disagree: tests/cli/test_maps.sh runs the same lines.
# Usage: tools/gen-map-docs.sh [path/to/caveat]
set -euo pipefail
caveat=$(realpath "${1:-build/caveat}")
cd "$(dirname "$0")/.."
mkdir -p docs/maps
grep -E '^\$ caveat (zones|diff) .*-o docs/maps/' docs/maps.md | sed 's/^\$ caveat //' |
  while IFS= read -r line; do
    # shellcheck disable=SC2086
    "$caveat" $line
    echo "ran caveat $line"
  done
