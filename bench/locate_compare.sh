#!/usr/bin/env bash
# locate_compare.sh — caveat's point locator against GEOS (shapely) and PostGIS on the same points.
#
# Usage: bench/locate_compare.sh [BUILD_DIR] [NPOINTS]      (defaults: build, 1000000)
#
# 1. bench_locate measures the locator (10,000,000 points, the headline figure) and then exports
#    NPOINTS points, the zones (WKT) and its answers;
# 2. locate_compare.py times shapely's prepared vectorized contains on those points and checks
#    that the answers agree except within 1 m of a boundary;
# 3. when PostgreSQL 15 + PostGIS 3 are installed (set CAV_BENCH_INSTALL_POSTGIS=1 to let the
#    script apt-get install postgresql-15-postgis-3), it starts a private server (own data
#    directory and socket in a temporary directory, no TCP), loads zones and points, times
#    ST_Covers per zone with EXPLAIN ANALYZE (one backend, no parallel workers, no index: the cost
#    of the predicate per point, as in evaluating queries one by one), checks the answers the same
#    way, and stops the server and removes everything on exit.
# Writes bench/RESULTS-geo.md. Run from the repository root after building.
set -euo pipefail

BUILD=${1:-build}
NPOINTS=${2:-1000000}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$BUILD/bench_locate"
[ -x "$BENCH" ] || { echo "locate_compare: $BENCH not built" >&2; exit 1; }

WORK=$(mktemp -d /tmp/cav-locate-compare.XXXXXX)
PGBIN=/usr/lib/postgresql/15/bin
PGDATA="$WORK/pg/data"
PGSTARTED=0
cleanup() {
    if [ "$PGSTARTED" = 1 ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: run its server tools as the postgres user then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

echo "== caveat locator, 10,000,000 points"
"$BENCH" --points 10000000 --runs 7 | tee "$WORK/headline.txt"
echo "== caveat locator, $NPOINTS points (exported for the comparison)"
"$BENCH" --points "$NPOINTS" --runs 7 --export "$WORK" | tee "$WORK/caveat.txt"

value() { sed -n "s/^$1: *//p" "$2" | head -1; }
CAV_NS=$(value find "$WORK/caveat.txt" | sed 's/ ns\/point//')
HEAD_NS=$(value find "$WORK/headline.txt" | sed 's/ ns\/point//')
BUILD_MS=$(value "locator build" "$WORK/headline.txt" | sed 's/ ms//')
BYTES=$(value "locator bytes" "$WORK/headline.txt")

# ---- PostGIS ----
POSTGIS_ARGS=()
POSTGIS_NOTE="not measured: PostgreSQL 15 + PostGIS 3 not installed (CAV_BENCH_INSTALL_POSTGIS=1 installs them)"
if [ ! -x "$PGBIN/initdb" ] && [ "${CAV_BENCH_INSTALL_POSTGIS:-0}" = 1 ]; then
    apt-get install -y --no-install-recommends postgresql-15-postgis-3 >/dev/null
fi
if [ -x "$PGBIN/initdb" ] && [ -e /usr/share/postgresql/15/extension/postgis.control ]; then
    echo "== PostGIS"
    mkdir -p "$WORK/pg"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$WORK/pg"; chmod 755 "$WORK"; fi
    as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U bench >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/log" -w \
        -o "-c listen_addresses='' -k $WORK/pg -c max_parallel_workers_per_gather=0" start >/dev/null
    PGSTARTED=1
    PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$WORK/pg" -U bench -d postgres)
    "$PY" - "$WORK" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
pts = np.fromfile(f"{d}/points.bin", dtype="<f8").reshape(-1, 2)
with open(f"{d}/points.csv", "w") as f:
    for i, (x, y) in enumerate(pts):
        f.write(f"{i},{x!r},{y!r}\n")
with open(f"{d}/zones.tsv", "w") as f:
    for z, line in enumerate(open(f"{d}/zones.wkt")):
        if line.strip():
            f.write(f"{z}\t{line.strip()}\n")
EOF
    "${PSQL[@]}" <<EOF
CREATE EXTENSION postgis;
CREATE TABLE raw (i int, lon float8, lat float8);
\copy raw FROM '$WORK/points.csv' CSV
CREATE TABLE pts AS SELECT i, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS g FROM raw;
CREATE TABLE zones (z int, wkt text);
\copy zones FROM '$WORK/zones.tsv'
ALTER TABLE zones ADD COLUMN g geometry;
UPDATE zones SET g = ST_SetSRID(ST_GeomFromText(wkt), 4326);
VACUUM ANALYZE pts;
EOF
    NZ=$(wc -l < "$WORK/zones.tsv")
    : > "$WORK/pg_answers.csv"
    runs=()
    for run in 1 2 3; do
        total=0
        for ((z = 0; z < NZ; z++)); do
            ms=$("${PSQL[@]}" -t -A -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM pts
                 WHERE ST_Covers((SELECT g FROM zones WHERE z = $z), pts.g)" |
                 "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])')
            total=$("$PY" -c "print($total + $ms)")
        done
        runs+=("$total")
    done
    PG_MS=$(printf '%s\n' "${runs[@]}" | sort -g | sed -n 2p)
    for ((z = 0; z < NZ; z++)); do
        "${PSQL[@]}" -c "\copy (SELECT $z, i FROM pts WHERE ST_Covers((SELECT g FROM zones WHERE z = $z), pts.g)) TO STDOUT CSV" >> "$WORK/pg_answers.csv"
    done
    PG_VERSION=$("${PSQL[@]}" -t -A -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', PostGIS ' || postgis_lib_version() || ', GEOS ' || split_part(postgis_geos_version(), '-', 1)")
    POSTGIS_ARGS=(--postgis "$WORK/pg_answers.csv" "$("$PY" -c "print($PG_MS / 1000)")")
    POSTGIS_NOTE=""
fi

echo "== GEOS through shapely"
"$PY" "$ROOT/bench/locate_compare.py" "$WORK" "${POSTGIS_ARGS[@]}" | tee "$WORK/compare.txt"
SH_NS=$(value shapely_ns_per_point "$WORK/compare.txt")
SH_FAR=$(value shapely_disagree_far "$WORK/compare.txt")
SH_NEAR=$(value shapely_disagree_within_1m "$WORK/compare.txt")
SH_VER=$(value shapely "$WORK/compare.txt")
ratio() { "$PY" -c "print(f'{$1 / $2:.0f}')"; }

{
    echo "# Point locator: caveat vs GEOS (shapely) vs PostGIS"
    echo
    echo "Measured by \`bench/locate_compare.sh\` on $(date -u +%Y-%m-%d), $(uname -m), $(nproc) CPUs"
    echo "($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)); one thread each."
    echo
    echo "Zones (7): UA, RU (full 1:10m), BY, within 30 km of the UA-RU border, a box and a"
    echo "circle near Kharkiv, RU minus the border strip. Points uniform in 40-60N 20-50E."
    echo "Each figure is the time to answer membership in all 7 zones for one point."
    echo
    echo "| engine | ns/point | vs caveat | answers vs caveat |"
    echo "| --- | ---: | ---: | --- |"
    echo "| caveat locator (10,000,000 points) | $HEAD_NS | 1 | - |"
    echo "| caveat locator ($NPOINTS points) | $CAV_NS | 1 | - |"
    echo "| GEOS prepared, shapely $SH_VER | $SH_NS | $(ratio "$SH_NS" "$CAV_NS")x | $SH_FAR differ away from boundaries, $SH_NEAR within 1 m |"
    if [ -z "$POSTGIS_NOTE" ]; then
        PG_NS=$(value postgis_ns_per_point "$WORK/compare.txt")
        echo "| PostGIS ST_Covers, $PG_VERSION | $PG_NS | $(ratio "$PG_NS" "$CAV_NS")x | $(value postgis_disagree_far "$WORK/compare.txt") differ away from boundaries, $(value postgis_disagree_within_1m "$WORK/compare.txt") within 1 m |"
    fi
    echo
    echo "Locator: built in $BUILD_MS ms (median of 7), $BYTES."
    [ -n "$POSTGIS_NOTE" ] && echo && echo "PostGIS: $POSTGIS_NOTE."
    echo
    echo "PostGIS is timed server-side (EXPLAIN ANALYZE execution time, summed over the zones,"
    echo "median of 3), sequential scan of a table of points, one backend; shapely is timed"
    echo "in-process, geometries prepared outside the timing, median of 3. shapely's contains()"
    echo "excludes boundary points, caveat and ST_Covers include them."
} > "$ROOT/bench/RESULTS-geo.md"
echo "== wrote bench/RESULTS-geo.md"
cat "$ROOT/bench/RESULTS-geo.md"
