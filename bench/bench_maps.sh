#!/usr/bin/env bash
# bench_maps.sh — the web map's requests against `caveat serve` on loopback: the permitted area
# (/v1/zones GeoJSON) cold (the first date of an epoch of rules: the areas are computed) and warm
# (another date of the same epoch: cav_map_cache), the base map, a diff, a decision, and the
# publication files (SVG, PNG, PDF) of the CLI. Prints a Markdown table (bench/RESULTS-maps.md).
# Usage: bench/bench_maps.sh [build/caveat]
set -euo pipefail
caveat=$(realpath "${1:-build/caveat}")
tmp=$(mktemp -d)
"$caveat" serve --listen 127.0.0.1:0 2>"$tmp/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 200); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/err" | sed 's/.*://') && [ -n "$port" ] && break
  sleep 0.05
done
url="http://127.0.0.1:$port"
t() { curl -s -o "$tmp/body" -w '%{time_total}' "$url/$1"; }
ms() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) * 1000))" "$1"; }
stats() { # PATH N: median and max of N warm requests, in ms
  for _ in $(seq "$2"); do t "$1"; echo; done | python3 -c '
import sys, statistics
v = sorted(float(x) * 1000 for x in sys.stdin if x.strip())
print("%.1f | %.1f" % (statistics.median(v), v[-1]))'
}
use="weapon=gmlrs&kind=forces&role=attacking"
echo "| request | cold (ms) | warm median (ms) | warm max (ms) | bytes |"
echo "| --- | ---: | ---: | ---: | ---: |"
row() { # LABEL COLD_PATH WARM_PATH
  c=$(t "$2")
  n=$(wc -c <"$tmp/body")
  echo "| $1 | $(ms "$c") | $(stats "$3" 20) | $n |"
}
row "GMLRS counterfire area, 2024-06-10 (warm: 2024-06-11)" \
  "v1/zones?format=geojson&$use&date=2024-06-10" "v1/zones?format=geojson&$use&date=2024-06-11"
row "the same without the role (indeterminate areas)" \
  "v1/zones?format=geojson&weapon=gmlrs&kind=forces&date=2024-06-10" \
  "v1/zones?format=geojson&weapon=gmlrs&kind=forces&date=2024-06-12"
row "ATACMS, 2024-11-20 (disputed Kursk)" \
  "v1/zones?format=geojson&weapon=atacms&kind=forces&date=2024-11-20" \
  "v1/zones?format=geojson&weapon=atacms&kind=forces&date=2024-11-21"
base="v1/zones?format=geojson&bbox=38,12,62,56&zones=UA,RU,BY,MD,PL,RO,SK,HU,LT,LV,EE,FI,GE,RU-BRY,RU-KRS,RU-BEL,RU-VOR,RU-ROS"
row "base map (13 countries, 5 oblasts)" "$base" "$base"
row "diff 2024-05-29 to 2024-06-20 (warm: the same epochs)" \
  "v1/diff?format=geojson&$use&from=2024-05-29&to=2024-06-20" \
  "v1/diff?format=geojson&$use&from=2024-05-28&to=2024-06-21"
row "decision at Belgorod with explain" \
  "v1/decisions?$use&lat=50.6&lon=36.59&date=2024-06-01&explain=true" \
  "v1/decisions?$use&lat=50.6&lon=36.59&date=2024-06-01&explain=true"
echo
echo "| map file (caveat zones, the whole command) | seconds | bytes |"
echo "| --- | ---: | ---: |"
for f in svg png pdf geojson; do
  s=$( { /usr/bin/time -f '%e' "$caveat" zones --weapon gmlrs --kind forces --role attacking \
        --date 2024-06-10 --format $f -o "$tmp/map.$f"; } 2>&1 )
  echo "| GMLRS counterfire 2024-06-10, $f | $s | $(wc -c <"$tmp/map.$f") |"
done
