#!/usr/bin/python3
"""measure.py -- measures how far the embedded Natural Earth 1:10m lines are from better data.

Usage (from the repository root):  /usr/bin/python3 tools/measure-precision/measure.py

Prints, for each kind of line, the distribution of geodesic distances (metres) from Natural
Earth's vertices to the reference line, and from the reference's vertices back to Natural Earth's
line: median, 95th percentile, maximum. docs/geography.md ("Precision") has the output and what
the engine makes of it (CAV_BORDERS_PRECISION_M in src/geo/borders_data.h).

Data (Debian 12 packages; their versions are printed):
  - Natural Earth: the land tables of src/geo/borders_data.c, decoded exactly as borders.c does
    (world-atlas 2.0.2, Natural Earth 4.1.0, 1:10m);
  - coastline reference: GSHHG 2.3.7 full resolution (gmt-gshhg-full), level 1 (land/ocean),
    read with `gmt coast -Df -W -M`; its full resolution comes from the World Vector Shoreline
    (1:250,000) and CIA World Data Bank II;
  - land border reference: DCW (gmt-dcw 2.1.1, Digital Chart of the World 1:1,000,000), the
    country polygons read with `gmt coast -E<code> -M` as tools/derive-regions does; and, as a
    second opinion, GSHHG's national borders (World Data Bank II, `gmt coast -Df -N1 -M`).
Lines measured:
  - coast: the coasts of Ukraine and Russia on the Black Sea and the Sea of Azov (28-42E, 43-48N),
    and of the 13 embedded countries on the Baltic (19-31E, 53.5-61N); a coast is a country's
    outline less its land borders;
  - the UA-RU and UA-BY land borders: where the two countries' outlines meet (exactly in Natural
    Earth, within 100 m in DCW, whose countries do not share vertices).
Distances: each point's nearest point on the other line is found in an azimuthal equidistant
projection centred on a 1-degree tile around it, and the distance between the two is then taken
on the ellipsoid with pyproj's Geod (WGS84).
"""
import math
import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pyproj
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box
from shapely.ops import linemerge, unary_union
from shapely.strtree import STRtree
from shapely.validation import make_valid

warnings.filterwarnings('ignore', 'STRtree will be changed')
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BORDERS_C = os.path.join(ROOT, 'src', 'geo', 'borders_data.c')
BLACK_SEA = (28.0, 43.0, 42.0, 48.0)
BALTIC = (19.0, 53.5, 31.0, 61.0)
MATCH_M = 5000            # a Natural Earth coast vertex farther than this from GSHHG is unmatched
DCW_SHARED_M = 100.0       # DCW countries' common border: outline within this of the neighbour
GEOD = pyproj.Geod(ellps='WGS84')


def pkg_version(pkg):
    out = subprocess.run(['dpkg-query', '-W', '-f=${Version}', pkg], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def polygons_of(g):
    if g.is_empty:
        return []
    if g.geom_type == 'Polygon':
        return [g]
    return [q for p in getattr(g, 'geoms', []) for q in polygons_of(p)]


def lines_of(g):
    if g.is_empty:
        return []
    if g.geom_type == 'LineString':
        return [g]
    if g.geom_type == 'LinearRing':
        return [LineString(g.coords)]
    return [q for p in getattr(g, 'geoms', []) for q in lines_of(p)]


def valid(g):
    return g if g.is_valid else MultiPolygon(polygons_of(make_valid(g)))


# ---- Natural Earth, as embedded -------------------------------------------------------------------

def read_ne():
    """{code: MultiPolygon in lon/lat} from the land tables of borders_data.c."""
    src = open(BORDERS_C).read()

    def arr(name):
        m = re.search(r'\b%s\[\] = \{(.*?)\};' % re.escape(name), src, re.S)
        return [int(x) for x in m.group(1).split(',') if x.strip()]

    def dbl(name):
        m = re.search(r'\b%s\[2\] = \{([^}]*)\};' % re.escape(name), src)
        return [float(x) for x in m.group(1).split(',')]
    s, t = dbl('cav__borders_scale'), dbl('cav__borders_translate')
    recs_src = re.search(r'cav__borders_recs\[\] = \{(.*?)\};', src, re.S).group(1)
    recs = re.findall(r'\{"([A-Z-]+)", "[^"]*", (\d), (\d+), (\d+)\}', recs_src)
    xy, pr, rs = arr('cav__borders_xy'), arr('cav__borders_poly_ring'), arr('cav__borders_ring_start')
    out = {}
    for code, _, first, n in recs:
        polys = []
        for p in range(int(first), int(first) + int(n)):
            rings = [[(xy[2 * i] * s[0] + t[0], xy[2 * i + 1] * s[1] + t[1])
                      for i in range(rs[r], rs[r + 1])] for r in range(pr[p], pr[p + 1])]
            polys.append(valid(Polygon(rings[0], rings[1:])))
        out[code] = MultiPolygon(polygons_of(unary_union(polys)))
    return out


# ---- references, through GMT ----------------------------------------------------------------------

def gmt_lines(args):
    """Segments printed by `gmt coast ... -M` as lists of (lon, lat)."""
    with tempfile.TemporaryDirectory() as tmp:      # gmt leaves a gmt.history in its cwd
        out = subprocess.run(['gmt', 'coast'] + args + ['-M', '--FORMAT_FLOAT_OUT=%.12g'],
                             cwd=tmp, capture_output=True, text=True, check=True).stdout
    segs, cur = [], None
    for line in out.splitlines():
        if line.startswith('>'):
            cur = []
            segs.append(cur)
        elif line.strip():
            lon, lat = map(float, line.split()[:2])
            cur.append((lon, lat))
    return [s for s in segs if len(s) >= 2]


def dcw_country(code):
    """A DCW country as a MultiPolygon (GMT marks holes with -Ph; islands and holes alternate)."""
    g = Polygon()
    for seg in gmt_lines(['-E' + code]):
        g = g.symmetric_difference(valid(Polygon(seg)))
    return valid(g)


def gshhg_coast(region):
    return gshhg_coast_min_area(region, 0)


def gshhg_coast_min_area(region, km2):
    """GSHHG full shorelines of the sea and of lakes (levels 1-2: GSHHG makes lakes of some
    lagoons and limans that Natural Earth opens to the sea) of features of at least km2 square kilometres. GMT clips
    its polygons to the region, so the region's own edges are dropped from the lines."""
    r = '-R%g/%g/%g/%g' % (region[0], region[2], region[1], region[3])
    lines = MultiLineString(gmt_lines([r, '-Df', '-W', '-A%g/1/2' % km2]))
    frame = box(*region).exterior.buffer(1e-7)
    return MultiLineString(lines_of(lines.difference(frame)))


def wdb_borders(region):
    r = '-R%g/%g/%g/%g' % (region[0], region[2], region[1], region[3])
    return MultiLineString(gmt_lines([r, '-Df', '-N1']))


# ---- distances ------------------------------------------------------------------------------------

def densify_deg(line, step):
    c = np.asarray(line.coords)
    out = [c[:1]]
    for a, b in zip(c[:-1], c[1:]):
        n = max(1, int(math.ceil(math.hypot(*(b - a)) / step)))
        t = (np.arange(1, n + 1) / n)[:, None]
        out.append(a + t * (b - a))
    return np.vstack(out)


def distances(points, target, reach_deg=0.4):
    """Geodesic distance (m) from each (lon, lat) point to the line(s) target (lon/lat)."""
    pieces = []
    for ln in lines_of(target):
        c = list(ln.coords)
        for k in range(0, len(c) - 1, 32):
            pieces.append(LineString(c[k:k + 33]))
    tree = STRtree(pieces)
    by_tile = {}
    for k, p in enumerate(points):
        by_tile.setdefault((math.floor(p[0]), math.floor(p[1])), []).append(k)
    out = [float('inf')] * len(points)
    for (tx, ty), idx in sorted(by_tile.items()):
        pts = [points[k] for k in idx]
        lat0, lon0 = ty + 0.5, tx + 0.5
        crs = '+proj=aeqd +lat_0=%g +lon_0=%g +ellps=WGS84 +units=m +no_defs' % (lat0, lon0)
        fwd = pyproj.Transformer.from_crs('EPSG:4326', crs, always_xy=True)
        inv = pyproj.Transformer.from_crs(crs, 'EPSG:4326', always_xy=True)
        rlon = reach_deg / math.cos(math.radians(lat0 + 1))
        cand = tree.query(box(tx - rlon, ty - reach_deg, tx + 1 + rlon, ty + 1 + reach_deg))
        if not cand:
            continue
        proj = []
        for c in cand:
            xy = np.asarray(c.coords)
            x, y = fwd.transform(xy[:, 0], xy[:, 1])
            proj.append(LineString(np.column_stack((x, y))))
        tgt = unary_union(proj)
        pa = np.asarray(pts)
        px, py = fwd.transform(pa[:, 0], pa[:, 1])
        for k, lon, lat, x, y in zip(idx, pa[:, 0], pa[:, 1], px, py):
            q = tgt.interpolate(tgt.project(Point(x, y))) if tgt.geom_type == 'LineString' \
                else nearest_on(tgt, Point(x, y))
            qlon, qlat = inv.transform(q.x, q.y)
            out[k] = GEOD.inv(lon, lat, qlon, qlat)[2]
    return out


def nearest_on(multi, p):
    best = None
    for ln in lines_of(multi):
        d = ln.distance(p)
        if best is None or d < best[0]:
            best = (d, ln)
    ln = best[1]
    return ln.interpolate(ln.project(p))


def vertices(g):
    return [c for ln in lines_of(g) for c in ln.coords]


def stats(d):
    a = np.array([x for x in d if math.isfinite(x)])
    return len(a), np.median(a), np.percentile(a, 95), a.max()


def row(name, d):
    n, med, p95, mx = stats(d)
    print('| %s | %d | %.0f | %.0f | %.0f |' % (name, n, med, p95, mx), flush=True)
    return d


# ---- lines ---------------------------------------------------------------------------------------

def coast_of(countries, codes, region):
    """The coasts of `codes` inside region: outline less the parts on (within 10 cm of) any other
    country's outline."""
    b = box(*region)
    lines = []
    for c in codes:
        out = countries[c].boundary.intersection(b)
        for o, g in countries.items():
            if o != c and g.intersects(b):
                out = out.difference(g.buffer(1e-6, 2))
        lines += lines_of(out)
    return MultiLineString(lines)


def border_ne(countries, a, b):
    return linemerge(lines_of(countries[a].boundary.intersection(countries[b].boundary)))


def border_dcw(a, b, near):
    """The part of DCW country a's outline within DCW_SHARED_M of country b, near `near`."""
    ga, gb = dcw_country(a), dcw_country(b)
    tol = DCW_SHARED_M / 111000.0 * 2
    shared = ga.boundary.intersection(gb.buffer(tol, 4)).intersection(near)
    # keep stretches longer than 2 km: a touch over a few hundred metres is a corner
    return MultiLineString([ln for ln in lines_of(linemerge(lines_of(shared)))
                            if ln.length > 0.02])


def main():
    print('Natural Earth: src/geo/borders_data.c (land tables); gmt %s, gmt-gshhg-full %s, '
          'gmt-dcw %s, python3-shapely %s, python3-pyproj %s' % (
              pkg_version('gmt'), pkg_version('gmt-gshhg-full'), pkg_version('gmt-dcw'),
              pkg_version('python3-shapely'), pkg_version('python3-pyproj')), file=sys.stderr)
    ne = read_ne()
    print('| line | points | median m | 95% m | max m |')
    print('| --- | ---: | ---: | ---: | ---: |')
    p95 = {}
    # coasts
    for name, region, codes in (
            ('Black Sea and Azov coast (UA, RU)', BLACK_SEA, ['UA', 'RU']),
            ('Baltic coast (RU, FI, EE, LV, LT, PL)', BALTIC, ['RU', 'FI', 'EE', 'LV', 'LT', 'PL'])):
        coast = coast_of(ne, codes, region)
        grown = (region[0] - 0.5, region[1] - 0.5, region[2] + 0.5, region[3] + 0.5)
        ref = gshhg_coast(grown)
        v = vertices(coast)
        d = distances(v, ref)
        row(name + ': NE vertices to GSHHG full', d)
        # Natural Earth opens some river mouths, limans and lagoons to the sea (the Southern Buh
        # up to Mykolaiv and beyond, the Don delta, the Kuban limans) where GSHHG draws no
        # shoreline at all: a difference of what counts as coast, not of position. Matched:
        # the vertices within MATCH_M of a GSHHG shore.
        keep = [x for x in d if x <= MATCH_M]
        p95[name] = row(name + ': the same, matched (within %d km; %d left out)' % (
            MATCH_M // 1000, len(d) - len(keep)), keep)
        # back: GSHHG vertices near the measured coast (GSHHG's shores of other countries are
        # not the measured line); GSHHG's islets that Natural Earth leaves out count
        near = unary_union([ln.buffer(0.05, 2) for ln in lines_of(coast)])
        refv = [c for c in vertices(ref) if near.contains(Point(c))]
        row(name + ': GSHHG full vertices (within ~5 km) to NE', distances(refv, coast))
        big = gshhg_coast_min_area(grown, 10)
        refv = [c for c in vertices(big) if near.contains(Point(c))]
        row(name + ': the same, GSHHG features under 10 km2 left out', distances(refv, coast))
    # land borders
    for a, b, name in (('UA', 'RU', 'UA-RU land border'), ('UA', 'BY', 'UA-BY land border')):
        line = border_ne(ne, a, b)
        near = line.buffer(0.2)
        ref = border_dcw(a, b, near)
        p95[name] = row(name + ': NE vertices to DCW', distances(vertices(line), ref))
        row(name + ': DCW vertices to NE', distances(vertices(ref), line))
        x0, y0, x1, y1 = line.bounds
        wdb = wdb_borders((x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5))
        wdb = MultiLineString([ln for ln in lines_of(wdb.intersection(line.buffer(0.1)))])
        p95[name + ' (WDB II)'] = row(name + ': NE vertices to WDB II (GSHHG borders)',
                                      distances(vertices(line), wdb))
        row(name + ': DCW vertices to WDB II', distances(vertices(ref), wdb))
    # all Natural Earth vertices together, each against its reference: GSHHG for the coasts
    # (matched), DCW for the land borders, and WDB II for them instead
    coasts = [x for k, v in p95.items() if 'coast' in k for x in v]
    dcw = [x for k, v in p95.items() if 'border' in k and 'WDB' not in k for x in v]
    wdb = [x for k, v in p95.items() if 'WDB' in k for x in v]
    row('all NE vertices: coasts to GSHHG, land borders to DCW', coasts + dcw)
    row('all NE vertices: coasts to GSHHG, land borders to WDB II', coasts + wdb)


if __name__ == '__main__':
    main()
