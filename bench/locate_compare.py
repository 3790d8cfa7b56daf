#!/usr/bin/python3
"""locate_compare.py — times GEOS (through shapely) on the points bench_locate exported, and checks
that its answers agree with caveat's locator away from boundaries.

Usage: locate_compare.py DIR [--postgis ANSWERS.csv SECONDS]
  DIR holds zones.wkt, points.bin and answers.bin from `bench_locate --export DIR`.
  With --postgis, also checks PostGIS's answers (CSV of zone,point-index rows) and reports its
  time (measured by locate_compare.sh).
Prints one `key: value` line per figure, read by locate_compare.sh.

Run it with Debian's /usr/bin/python3 (python3-shapely, shapely 1.8: shapely.vectorized.contains;
shapely 2's contains_xy is used when present). contains() leaves out boundary points while
caveat's zones are closed; the two may differ only on the boundary itself, so disagreements are
accepted only for points within 1 m of a zone's boundary and counted separately.
"""
import math
import sys
import time

import numpy as np
from shapely import wkt
from shapely.geometry import Point

try:  # shapely 2
    from shapely import contains_xy as _contains_xy, prepare as _prepare

    def contains(geom, x, y):
        return _contains_xy(geom, x, y)

    def prepare(geom):
        _prepare(geom)
        return geom

    FLAVOUR = "shapely 2 contains_xy"
except ImportError:  # shapely 1.8 (Debian 12)
    from shapely.vectorized import contains as _vcontains
    from shapely.prepared import prep

    def contains(geom, x, y):
        return _vcontains(geom, x, y)

    def prepare(geom):
        return prep(geom)

    FLAVOUR = "shapely 1.8 vectorized.contains (prepared)"

import shapely


def metres_to_boundary(geom, lon, lat):
    d = geom.boundary.distance(Point(lon, lat))
    return d * 111320.0 * max(math.cos(math.radians(lat)), 0.05)


def check(name, answers, zones, lon, lat, bits):
    """Counts disagreements between `answers` (bool array per zone) and caveat's bits."""
    far = near = 0
    for z, g in enumerate(zones):
        ours = ((bits >> z) & 1).astype(bool)
        diff = np.nonzero(ours != answers[z])[0]
        for i in diff:
            if metres_to_boundary(g, lon[i], lat[i]) < 1.0:
                near += 1
            else:
                far += 1
                if far <= 5:
                    print(f"# {name} disagrees for zone {z} at {lat[i]:.9f} {lon[i]:.9f}",
                          file=sys.stderr)
    return far, near


def main():
    d = sys.argv[1]
    zones = [wkt.loads(line) for line in open(f"{d}/zones.wkt") if line.strip()]
    pts = np.fromfile(f"{d}/points.bin", dtype="<f8").reshape(-1, 2)
    lon, lat = pts[:, 0].copy(), pts[:, 1].copy()
    bits = np.fromfile(f"{d}/answers.bin", dtype=np.uint8)
    n = len(lon)
    print(f"shapely: {shapely.__version__} ({FLAVOUR}), GEOS {shapely.geos.geos_version_string}"
          if hasattr(shapely, "geos") else f"shapely: {shapely.__version__} ({FLAVOUR})")
    print(f"points: {n}")
    print(f"zones: {len(zones)}")
    runs = []
    answers = None
    for _ in range(3):
        prepared = [prepare(g) for g in zones]
        t0 = time.perf_counter()
        answers = [contains(p, lon, lat) for p in prepared]
        runs.append(time.perf_counter() - t0)
    best = sorted(runs)[len(runs) // 2]
    print(f"shapely_ns_per_point: {best * 1e9 / n:.1f}")
    far, near = check("shapely", answers, zones, lon, lat, bits)
    print(f"shapely_disagree_far: {far}")
    print(f"shapely_disagree_within_1m: {near}")
    if "--postgis" in sys.argv:
        k = sys.argv.index("--postgis")
        csv, seconds = sys.argv[k + 1], float(sys.argv[k + 2])
        pg = [np.zeros(n, dtype=bool) for _ in zones]
        for line in open(csv):
            if line.strip():
                z, i = line.split(",")
                pg[int(z)][int(i)] = True
        print(f"postgis_ns_per_point: {seconds * 1e9 / n:.1f}")
        far, near = check("postgis", pg, zones, lon, lat, bits)
        print(f"postgis_disagree_far: {far}")
        print(f"postgis_disagree_within_1m: {near}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
