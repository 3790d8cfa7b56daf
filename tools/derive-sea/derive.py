#!/usr/bin/python3
"""derive.py -- step 2 of the border derivation: adds the territorial sea to the embedded
countries and writes src/geo/borders_data.c (land tables and land + sea tables).

Usage (from the repository root; tools/derive-borders/derive.sh runs step 1 and then this):
    /usr/bin/python3 tools/derive-sea/derive.py LAND.json [--out src/geo/borders_data.c]
        [--report] [--svg DIR]

LAND.json is step 1's output (tools/derive-borders/derive.js): the land of every country of
world-atlas (Natural Earth 1:10m admin-0) as quantized integers, Crimea in Ukraine, the Åland
Islands in Finland. docs/geography.md ("Territorial sea") has the account and measured figures.

Method. All geometry is kept in the quantized units of world-atlas (x = (lon - translate[0]) /
scale[0], likewise y), where Natural Earth's vertices are integers; longitudes of polygons that
lie west of -100 are shifted by +360 so that Chukotka, the Bering Strait and Alaska are one
plane; distances are measured in local projections (below).
  1. Countries that matter: the 13 embedded ones and every country with land within 1.5 degrees
     of them (Turkey, Bulgaria, Norway, Sweden, Germany, Denmark, Japan, the US, China, North
     Korea, Kazakhstan, Azerbaijan, Iran, Turkmenistan, ...).
  2. Belts: the land of each such country is cut into tiles of 2 degrees of latitude (and about
     2 degrees of great circle in longitude); each piece is buffered by 12 nautical miles
     (22,224 m) in PROJ's ellipsoidal azimuthal equidistant projection centred on its tile, and
     the buffers are unioned (a buffer of a union is the union of the buffers). A tile with no
     water within reach is skipped. Sea = outside the outer ring of every country, so a lake left
     as a hole by Natural Earth would stay out (Natural Earth 1:10m has none here: its lakes are
     part of the country polygons).
  3. Conventions for two water bodies (docs/geography.md says why):
     - the Sea of Azov and the Kerch Strait, north of the line Cape Takil - Cape Panagia, are
       assigned whole (internal waters of Ukraine and Russia under their 2003 treaty, never
       delimited): each point goes to the nearer coast;
     - the Caspian Sea: 15 nautical miles (27,780 m), the breadth of the 2018 Convention on its
       legal status, instead of 12.
  4. Equidistance: where the belts of two countries overlap (and in the Sea of Azov), each point
     goes to the country whose coast is nearest. The coasts there are sampled every 100 m (in a
     local azimuthal equidistant projection of each contested area), a Voronoi diagram of the
     samples is labelled by country and dissolved; the boundary between two labels is the median
     line, within a few metres.
  5. Zone of an embedded country = its land + its share of the sea. The zones' boundaries are
     noded together; every vertex that is not one of Natural Earth's is simplified (Douglas-
     Peucker, 20 m, measured in local projections, Natural Earth's vertices held fixed) and
     rounded to 1/16 of a unit; a vertex that the overlay made inside one of Natural Earth's
     edges is moved to the nearer end of that edge. The faces of the noded result are labelled
     by the zone that covers most of them and dissolved, so two zones share their common
     boundary vertex for vertex and Natural Earth's land borders stay exactly as in the land
     tables. The script stops unless every zone is valid, no two overlap, and every zone covers
     its land.
Output: src/geo/borders_data.c with the land tables as before (step 1's integers) and the zone
tables in 1/16 units (zone_scale = scale / 16, exact, so Natural Earth's vertices decode to the
identical doubles), with the package versions in its header. The output is deterministic.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import textwrap
import time
import warnings

warnings.filterwarnings('ignore', 'STRtree will be changed')

import numpy as np
import pyproj
import shapely
from shapely.geometry import (LineString, MultiLineString, MultiPoint, MultiPolygon, Point,
                              Polygon, box)
from shapely.ops import polygonize, split, unary_union, voronoi_diagram
from shapely.prepared import prep
from shapely.strtree import STRtree
from shapely.validation import explain_validity, make_valid

T0 = time.time()
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

NM = 1852.0
SEA_M = 12 * NM                 # territorial sea: 22,224 m
CASPIAN_M = 15 * NM             # Caspian Sea (2018 Convention): 27,780 m
REACH_DEG = 1.5                 # countries with land this close to the embedded ones matter
TILE_LAT = 2.0                  # tile height, degrees; width about the same on the ground
QUAD_SEGS = 64                  # buffer: segments per quarter circle (chord sag 0.7 m at 22 km)
DENSIFY_DEG = 0.02              # lon/lat edges longer than this are split before projecting
DENSIFY_M = 500.0               # projected edges longer than this are split before unprojecting
SAMPLE_M = 100.0                # coast samples for the median lines
SIMPLIFY_M = 20.0               # Douglas-Peucker tolerance for the new (sea) lines
SUBDIV = 16                     # zone tables: 1/16 of a unit
ANTIMERIDIAN_SHIFT_BELOW = -100.0   # polygons wholly west of this lon are shifted by +360

# The closing line of the Sea of Azov and the Kerch Strait: Cape Takil (Crimea) - Cape Panagia
# (Taman peninsula), as the Natural Earth vertices nearest to the charted capes.
CAPE_TAKIL = (36.455, 45.094)
CAPE_PANAGIA = (36.637, 45.132)
AZOV_BOX = (33.0, 44.8, 40.0, 48.0)           # lon0, lat0, lon1, lat1: holds the whole sea
AZOV_MIDDLE = (36.5, 46.2)
CASPIAN_BOX = (45.0, 35.0, 57.0, 48.5)
CASPIAN_MIDDLE = (50.5, 42.0)


def log(*a):
    print('%6.1fs' % (time.time() - T0), *a, file=sys.stderr, flush=True)


def pkg_version(pkg):
    out = subprocess.run(['dpkg-query', '-W', '-f=${Version}', pkg], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


# ---- geometry helpers ----------------------------------------------------------------------------

def polygons_of(g):
    if g is None or g.is_empty:
        return []
    if g.geom_type == 'Polygon':
        return [g]
    if g.geom_type in ('MultiPolygon', 'GeometryCollection'):
        return [q for p in g.geoms for q in polygons_of(p)]
    return []


def lines_of(g):
    if g is None or g.is_empty:
        return []
    if g.geom_type == 'LineString':
        return [g]
    if g.geom_type == 'LinearRing':
        return [LineString(g.coords)]
    if g.geom_type in ('MultiLineString', 'GeometryCollection'):
        return [q for p in g.geoms for q in lines_of(p)]
    return []


def area_only(g):
    return MultiPolygon(polygons_of(g))


def valid(g):
    return g if g.is_valid else area_only(make_valid(g))


def rings_of(p):
    return [p.exterior] + list(p.interiors)


def densify_coords(xy, maxlen):
    """xy: (n, 2) array of a line; returns it with segments split to at most maxlen."""
    d = np.diff(xy, axis=0)
    seg = np.hypot(d[:, 0], d[:, 1])
    n = np.maximum(1, np.ceil(seg / maxlen).astype(int))
    if n.max() == 1:
        return xy
    out = [xy[:1]]
    for i in range(len(d)):
        t = (np.arange(1, n[i] + 1) / n[i])[:, None]
        out.append(xy[i] + t * d[i])
    return np.vstack(out)


def map_polygon(p, fn):
    return Polygon(fn(np.asarray(p.exterior.coords)),
                   [fn(np.asarray(r.coords)) for r in p.interiors])


def map_geom(g, fn):
    polys = [map_polygon(p, fn) for p in polygons_of(g)]
    return MultiPolygon([p for p in polys if not p.is_empty])


class Frame:
    """Conversions between quantized units (x shifted by +360 degrees where needed), degrees and
    a local azimuthal equidistant projection."""

    def __init__(self, scale, translate):
        self.s = scale
        self.t = translate
        self.qmax = round(360 / scale[0])

    def deg(self, xy):
        return np.column_stack((xy[:, 0] * self.s[0] + self.t[0], xy[:, 1] * self.s[1] + self.t[1]))

    def units(self, ll):
        return np.column_stack(((ll[:, 0] - self.t[0]) / self.s[0], (ll[:, 1] - self.t[1]) / self.s[1]))

    def aeqd(self, lon0, lat0):
        crs = ('+proj=aeqd +lat_0=%.6f +lon_0=%.6f +ellps=WGS84 +units=m +no_defs'
               % (lat0, ((lon0 + 180) % 360) - 180))
        fwd = pyproj.Transformer.from_crs('EPSG:4326', crs, always_xy=True)
        inv = pyproj.Transformer.from_crs(crs, 'EPSG:4326', always_xy=True)

        def to_m(xy_units, densify_deg=None):
            ll = self.deg(np.asarray(xy_units, dtype=float))
            if densify_deg:
                ll = densify_coords(ll, densify_deg)
            x, y = fwd.transform(ll[:, 0], ll[:, 1])
            return np.column_stack((x, y))

        def from_m(xy_m, densify_m=None):
            xy_m = np.asarray(xy_m, dtype=float)
            if densify_m:
                xy_m = densify_coords(xy_m, densify_m)
            lon, lat = inv.transform(xy_m[:, 0], xy_m[:, 1])
            lon = lon0 + ((np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0)
            return self.units(np.column_stack((lon, lat)))
        return to_m, from_m


# ---- step 1: land ------------------------------------------------------------------------------

def read_land(path):
    d = json.load(open(path))
    return d


def country_geoms(d, frame):
    """Shapely MultiPolygons in (shifted) units for every country; and the raw quantized polygons."""
    out = []
    for c in d['countries']:
        polys = []
        for p in c['polygons']:
            rings = [np.array(r, dtype=float) for r in p]
            lon_max = max(r[:, 0].max() for r in rings) * frame.s[0] + frame.t[0]
            if lon_max <= ANTIMERIDIAN_SHIFT_BELOW:
                for r in rings:
                    r[:, 0] += frame.qmax
            polys.append(Polygon(rings[0], rings[1:]))
        out.append(MultiPolygon(polys))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('land')
    ap.add_argument('--out', default=os.path.join(ROOT, 'src', 'geo', 'borders_data.c'))
    ap.add_argument('--report', action='store_true', help='measure the result (slow)')
    ap.add_argument('--svg', help='write PNG views of some places into this directory')
    args = ap.parse_args()

    versions = {p: pkg_version(p) for p in ('python3-shapely', 'python3-pyproj', 'libproj25')}
    versions['geos'] = '.'.join(map(str, shapely.geos.geos_version))
    d = read_land(args.land)
    frame = Frame(d['scale'], d['translate'])
    geoms = country_geoms(d, frame)
    names = [c['code'] or c['name'] for c in d['countries']]
    embedded = [i for i, c in enumerate(d['countries']) if c['code']]
    log('%d countries, %d embedded' % (len(geoms), len(embedded)))

    zones, info = derive_zones(d, frame, geoms, names, embedded)
    write_c(args.out, d, frame, zones, embedded, versions, info)
    log('wrote', args.out)
    if args.svg:
        views(args.svg, frame, geoms, names, zones, embedded, info)
    if args.report:
        report(frame, geoms, names, zones, embedded, info)


def derive_zones(d, frame, geoms, names, embedded):
    s = frame.s
    deg_u = (1 / s[0], 1 / s[1])          # units per degree
    info = {}

    # -- relevant countries: land within reach of the embedded ones. Reach is a buffer in degrees
    # with longitudes scaled by cos(70N): 1 unit there is 111 km north-south and at least 56 km
    # east-west up to 80N, so it holds every coast whose belt can meet an embedded one.
    full = {}
    emb_land = unary_union([valid(geoms[i]) for i in embedded])
    emb_coarse = emb_land.simplify(0.05 * deg_u[1])
    kx = math.cos(math.radians(70.0))
    sq = lambda g: map_geom(g, lambda xy: np.column_stack((xy[:, 0] * s[0] * kx, xy[:, 1] * s[1])))
    unsq = lambda g: map_geom(g, lambda xy: np.column_stack((xy[:, 0] / s[0] / kx, xy[:, 1] / s[1])))
    reach = unsq(sq(emb_coarse).buffer(REACH_DEG, 8))
    wide = unsq(sq(emb_coarse).buffer(2 * REACH_DEG, 8))
    reach_p = prep(reach)
    relevant = [i for i in range(len(geoms))
                if i in embedded or any(reach_p.intersects(p) for p in geoms[i].geoms)]
    info['neighbours'] = [names[i] for i in relevant if i not in embedded]
    log('countries that matter: %s' % ', '.join(names[i] for i in relevant))
    # land: whole for the embedded countries, clipped to reach for the others (belts from a clipped
    # land lie within those of the whole land, since the sea is taken outside the whole land)
    land = {}
    for i in relevant:
        g = valid(geoms[i])
        full[i] = g if i in embedded else area_only(g.intersection(wide))
        land[i] = g if i in embedded else area_only(g.intersection(reach))
    shells = unary_union([Polygon(p.exterior) for i in relevant for p in polygons_of(full[i])])
    shells_p = prep(shells)
    log('land union ready')

    # -- water bodies with their own rule
    def water_component(bx, middle):
        x0, y0 = (bx[0] - frame.t[0]) * deg_u[0], (bx[1] - frame.t[1]) * deg_u[1]
        x1, y1 = (bx[2] - frame.t[0]) * deg_u[0], (bx[3] - frame.t[1]) * deg_u[1]
        bx_u = box(x0, y0, x1, y1)
        near = [valid(Polygon(q.exterior)) for g in geoms for q in g.geoms if q.intersects(bx_u)]
        water = bx_u.difference(unary_union(near))
        m = Point((middle[0] - frame.t[0]) * deg_u[0], (middle[1] - frame.t[1]) * deg_u[1])
        return water, m

    water, m = water_component(AZOV_BOX, AZOV_MIDDLE)
    takil = nearest_vertex(land, relevant, frame, CAPE_TAKIL)
    panagia = nearest_vertex(land, relevant, frame, CAPE_PANAGIA)
    closing = LineString([takil, panagia])
    azov = [p for p in polygons_of(water) if p.contains(m)]
    assert len(azov) == 1
    pieces = [p for p in split(azov[0], closing).geoms if p.contains(m)]
    assert len(pieces) == 1, 'the closing line does not cut the Sea of Azov off'
    azov = pieces[0]
    info['azov'] = azov
    info['closing'] = closing
    log('Sea of Azov: %.0f km2 (closing line %s - %s)' % (
        km2(azov, frame), fmt_pt(frame, takil), fmt_pt(frame, panagia)))
    water, m = water_component(CASPIAN_BOX, CASPIAN_MIDDLE)
    caspian = [p for p in polygons_of(water) if p.contains(m)]
    assert len(caspian) == 1
    caspian = caspian[0]
    info['caspian'] = caspian
    log('Caspian Sea: %.0f km2' % km2(caspian, frame))

    # -- belts
    belts = {}
    cx0, cy0, cx1, cy1 = caspian.bounds
    near_caspian = box(cx0 - deg_u[0], cy0 - deg_u[1], cx1 + deg_u[0], cy1 + deg_u[1])
    caspian_p = prep(caspian.buffer(0.3 * deg_u[1], 4))
    for i in relevant:
        t = tile_buffers(frame, land[i], shells_p, SEA_M)
        if caspian_p.intersects(land[i]):
            t15 = tile_buffers(frame, area_only(land[i].intersection(near_caspian)), shells_p,
                               CASPIAN_M)
            t = unary_union([t, t15.intersection(caspian)])
        belt = area_only(t.difference(shells))
        if i in (names.index('UA'), names.index('RU')):
            belt = unary_union([belt, azov])
        belts[i] = belt
        log('belt of %s: %.0f km2' % (names[i], km2(belt, frame)))

    # -- contested areas: where an embedded country's belt overlaps another's
    tree_rel = [i for i in relevant if not belts[i].is_empty]
    contested = []
    for a in embedded:
        if belts[a].is_empty:
            continue
        pa = prep(belts[a])
        for b in tree_rel:
            if b == a or (b in embedded and b < a):
                continue
            if not pa.intersects(belts[b]):
                continue
            x = area_only(belts[a].intersection(belts[b]))
            if x.area > 0:
                contested.append(x)
                log('contested %s/%s: %.1f km2' % (names[a], names[b], km2(x, frame)))
    contested = area_only(unary_union(contested))
    info['contested'] = contested
    # clusters of contested polygons within a few km of each other: one Voronoi each
    clusters = polygons_of(contested.buffer(10 * deg_u[1] / 111.0, 4))
    owners = {i: [] for i in relevant}
    for k, cl in enumerate(clusters):
        part = area_only(contested.intersection(cl))
        reach_m = 90000.0 if part.intersects(azov) else CASPIAN_M + 2000.0
        own = median_partition(frame, full, relevant, part, reach_m)
        for i, g in own.items():
            owners[i].append(g)
        log('median lines %d/%d done' % (k + 1, len(clusters)))
    owners = {i: unary_union(g) if g else Polygon() for i, g in owners.items()}

    # -- the embedded zones, in floating point
    zones_f = {}
    for a in embedded:
        belt = belts[a]
        sole = belt.difference(contested)
        mine = belt.intersection(contested).intersection(owners[a])
        sea = area_only(unary_union([sole, mine]))
        zones_f[a] = area_only(unary_union([land[a], sea]))
        log('zone of %s: sea %.0f km2' % (names[a], km2(sea, frame)))
    info['zones_f'] = zones_f
    info['full'] = full
    info['relevant'] = relevant
    if os.environ.get('DERIVE_SEA_DEBUG'):
        import pickle
        pickle.dump((zones_f, embedded, names), open(os.environ['DERIVE_SEA_DEBUG'], 'wb'))

    zones = exact_coverage(frame, d, geoms, embedded, zones_f, names)
    check_zones(frame, geoms, embedded, zones, names)
    return zones, info


def km2(g, frame):
    """Approximate area in km2 of a geometry in units (cos of its mean latitude)."""
    tot = 0.0
    for p in polygons_of(g):
        lat = p.centroid.y * frame.s[1] + frame.t[1]
        tot += p.area * frame.s[0] * frame.s[1] * 111.32 * 110.57 * math.cos(math.radians(lat))
    return tot


def fmt_pt(frame, xy):
    ll = frame.deg(np.array([xy]))[0]
    return '%.4fN %.4fE' % (ll[1], ll[0])


def nearest_vertex(land, relevant, frame, lonlat):
    u = frame.units(np.array([lonlat]))[0]
    best = None
    for i in relevant:
        for p in polygons_of(land[i]):
            for r in rings_of(p):
                c = np.asarray(r.coords)
                dd = np.hypot((c[:, 0] - u[0]) * frame.s[0], (c[:, 1] - u[1]) * frame.s[1])
                j = int(np.argmin(dd))
                if best is None or dd[j] < best[0]:
                    best = (dd[j], (float(c[j, 0]), float(c[j, 1])))
    assert best[0] < 0.02, best
    return best[1]


# ---- step 2: belts ------------------------------------------------------------------------------

def tiles_for(frame, bounds):
    """Tiles (lon0, lat0, lon1, lat1) in degrees covering bounds (units): 2 degrees of latitude,
    about 2 degrees of great circle in longitude."""
    lon0, lat0 = frame.deg(np.array([bounds[:2]]))[0]
    lon1, lat1 = frame.deg(np.array([bounds[2:]]))[0]
    out = []
    la = math.floor(lat0 / TILE_LAT) * TILE_LAT
    while la < lat1:
        w = TILE_LAT / max(0.1, math.cos(math.radians(min(abs(la), abs(la + TILE_LAT)))))
        w = 360.0 / math.floor(360.0 / w)        # whole tiles around the globe
        lo = math.floor(lon0 / w) * w
        while lo < lon1:
            out.append((lo, la, lo + w, la + TILE_LAT))
            lo += w
        la += TILE_LAT
    return out


def tile_buffers(frame, g, shells_p, dist):
    """Geodesic buffer of g (units) by dist metres, tile by tile."""
    if g.is_empty:
        return Polygon()
    s, t = frame.s, frame.t
    pieces = []
    gp = prep(g)
    for (lo0, la0, lo1, la1) in tiles_for(frame, g.bounds):
        rect = box((lo0 - t[0]) / s[0], (la0 - t[1]) / s[1], (lo1 - t[0]) / s[0], (la1 - t[1]) / s[1])
        if not gp.intersects(rect):
            continue
        piece = area_only(g.intersection(rect))
        if piece.is_empty:
            continue
        # skip a tile with no water within reach
        mlat = 1.2 * dist / 111000.0
        mlon = mlat / max(0.05, math.cos(math.radians(max(abs(la0), abs(la1)))))
        grown = box((lo0 - mlon - t[0]) / s[0], (la0 - mlat - t[1]) / s[1],
                    (lo1 + mlon - t[0]) / s[0], (la1 + mlat - t[1]) / s[1])
        if shells_p.contains(grown):
            continue
        to_m, from_m = frame.aeqd((lo0 + lo1) / 2, (la0 + la1) / 2)
        pm = map_geom(piece, lambda xy: to_m(xy, DENSIFY_DEG))
        bm = pm.buffer(dist, QUAD_SEGS)
        pieces.append(valid(map_geom(bm, lambda xy: from_m(xy, DENSIFY_M))))
    return unary_union(pieces) if pieces else Polygon()


# ---- step 4: median lines -----------------------------------------------------------------------

def coast_lines(land, relevant, i, area):
    """Country i's coast (its boundary less its land borders) within area, as lines (units)."""
    b = land[i].boundary.intersection(area)
    if b.is_empty:
        return []
    ap = prep(area)
    for j in relevant:
        if j != i and ap.intersects(land[j]) and b.intersects(land[j]):
            b = b.difference(land[j])
            if b.is_empty:
                return []
    return lines_of(b)


def median_partition(frame, land, relevant, part, reach_m):
    """For each relevant country, the part of the contested area `part` nearest its coast."""
    s, t = frame.s, frame.t
    c = part.centroid
    lon0, lat0 = frame.deg(np.array([[c.x, c.y]]))[0]
    to_m, from_m = frame.aeqd(lon0, lat0)
    part_m = map_geom(part, lambda xy: to_m(xy, DENSIFY_DEG))
    # the nearest coast of a contested point is within its belt's breadth (Azov: within 90 km)
    area_m = part_m.buffer(reach_m, 8)
    area = map_geom(area_m, lambda xy: from_m(xy, DENSIFY_M))
    pts, labels = [], []
    for i in relevant:
        for line in coast_lines(land, relevant, i, area):
            xy = to_m(np.asarray(line.coords))
            xy = densify_coords(xy, SAMPLE_M)
            pts.append(xy)
            labels += [i] * len(xy)
    pts = np.round(np.vstack(pts), 1)      # 10 cm: near-duplicates would make degenerate cells
    # a point shared by two countries' coasts (a land border's end) cannot be a generator
    uniq = {}
    for (x, y), l in zip(map(tuple, pts), labels):
        if uniq.get((x, y), l) != l:
            uniq[(x, y)] = None
        else:
            uniq[(x, y)] = l
    keys = [k for k, l in uniq.items() if l is not None]
    labs = [uniq[k] for k in keys]
    env = area_m.envelope.buffer(reach_m)
    cells = voronoi_diagram(MultiPoint(keys), envelope=env)
    ptgeoms = [Point(k) for k in keys]
    tree = STRtree(ptgeoms)
    index = {id(g): n for n, g in enumerate(ptgeoms)}
    by_label = {}
    part_mp = prep(part_m.buffer(50.0))
    for cell in cells.geoms:
        if not part_mp.intersects(cell):
            continue
        hits = sorted(index[id(g)] for g in tree.query(cell) if cell.intersects(g))
        inside = [h for h in hits if cell.contains(ptgeoms[h])]
        hits = inside or hits      # a generator on a cell's edge: GEOS merged two within 1e-9 m
        assert hits
        by_label.setdefault(labs[hits[0]], []).append(cell)
    own = {}
    clip_m = part_m.buffer(50.0)
    for i, cs in by_label.items():
        g = unary_union([valid(c) for c in cs]).intersection(clip_m)
        own[i] = valid(map_geom(g, lambda xy: from_m(xy, DENSIFY_M)))
    return own


# ---- step 5: one exact coverage -------------------------------------------------------------------

def exact_coverage(frame, d, geoms, embedded, zones_f, names):
    """Nodes the zones' boundaries, simplifies and rounds the new vertices, and rebuilds each zone
    from the labelled faces; returns {country index: MultiPolygon in 1/SUBDIV units, unshifted}."""
    s = frame.s
    qmax = frame.qmax
    ne = set()
    ne_edges = []
    for i in embedded:
        for p in geoms[i].geoms:
            for r in rings_of(p):
                c = list(r.coords)
                ne.update(c)
                ne_edges += list(zip(c, c[1:]))
    lines = []
    for i in embedded:
        lines.append(zones_f[i].boundary)
    xmax = max(z.bounds[2] for z in zones_f.values())
    if xmax > qmax:
        ymin = min(z.bounds[1] for z in zones_f.values()) - 10
        ymax = max(z.bounds[3] for z in zones_f.values()) + 10
        lines.append(LineString([(qmax, ymin), (qmax, ymax)]))
    noded = unary_union(lines)
    arcs = lines_of(noded)
    log('coverage: %d arcs, %d points' % (len(arcs), sum(len(a.coords) for a in arcs)))

    etree = STRtree([LineString(e) for e in ne_edges])

    def on_ne_edge(c):
        """The end of the Natural Earth edge that c lies inside, or None."""
        best = None
        for e in etree.query(Point(c).buffer(1e-6)):
            (ax, ay), (bx, by) = e.coords[0], e.coords[1]
            dx, dy = bx - ax, by - ay
            L = dx * dx + dy * dy
            if L == 0:
                continue
            u = ((c[0] - ax) * dx + (c[1] - ay) * dy) / L
            if u < 0 or u > 1:
                continue
            dist = math.hypot(ax + u * dx - c[0], ay + u * dy - c[1])
            if dist < 1e-7 and (best is None or dist < best[0]):
                best = (dist, (ax, ay) if u < 0.5 else (bx, by))
        return None if best is None else best[1]

    moved = []
    fine = []
    for a in arcs:
        c = simplify_arc(frame, list(a.coords), ne, SIMPLIFY_M, on_ne_edge, moved)
        if len(c) >= 2:
            fine.append(LineString([(x * SUBDIV, y * SUBDIV) for x, y in c]))
    # snap rounding (GEOS, fixed precision 1 = 1/SUBDIV unit): nodes the lines where rounding
    # made two cross, with every vertex on the grid
    renoded = snap_round_union(MultiLineString(fine))
    assert not off_grid(renoded, 1)
    faces = list(polygonize(renoded))
    log('coverage: %d faces' % len(faces))
    zones_f = {i: map_geom(z, lambda xy: xy * SUBDIV) for i, z in zones_f.items()}
    zp = {i: prep(z) for i, z in zones_f.items()}
    ztree_items = list(zones_f.items())
    parts = {i: [] for i in embedded}
    for f in faces:
        rp = f.representative_point()
        cand = [i for i, z in ztree_items if zp[i].intersects(f)]
        best, best_a = None, 0.0
        for i in cand:
            if zp[i].contains(rp) and len(cand) == 1:
                best, best_a = i, f.area
                break
            a = zones_f[i].intersection(f).area
            if a > best_a:
                best, best_a = i, a
        if best is not None and best_a > 0.5 * f.area:
            parts[best].append(f)
    zones = {}
    for i in embedded:
        z = unary_union(parts[i])
        polys = []
        # a pocket of sea enclosed by one country's territorial sea (the middle of the White Sea,
        # of the Gulf of Ob) is that country's: no high sea can be reached from it
        z = unary_union([Polygon(p.exterior) for p in polygons_of(z)])
        for p in polygons_of(z):
            for piece in split_antimeridian(p, qmax * SUBDIV):
                polys.append(piece)
        z = MultiPolygon(polys)
        zones[i] = z
    log('coverage: %d points moved to a Natural Earth vertex' % len(moved))
    return zones


def check_zones(frame, geoms, embedded, zones, names):
    """Stops unless every zone is valid, covers its land, and overlaps no other zone."""
    for i in embedded:
        z = zones[i]
        if not z.is_valid:
            sys.exit('derive.py: zone %s invalid: %s' % (names[i], explain_validity(z)))
        lg = to_fine(valid(geoms[i]), frame)       # land, unshifted, in fine units
        miss = lg.difference(z).area
        if miss > 0:
            sys.exit('derive.py: zone %s does not cover its land (%g)' % (names[i], miss))
    for a in embedded:
        for b in embedded:
            if a < b and zones[a].intersects(zones[b]):
                ov = zones[a].intersection(zones[b]).area
                if ov > 0:
                    sys.exit('derive.py: zones %s and %s overlap (%g)' % (names[a], names[b], ov))
    log('zones: valid, no overlap, land covered')


def to_fine(g, frame):
    """Units (maybe shifted) -> 1/SUBDIV units, unshifted."""
    qmax = frame.qmax

    polys = []
    for p in polygons_of(g):
        polys += split_antimeridian(map_polygon(p, lambda xy: xy * SUBDIV), qmax * SUBDIV)
    return unary_union(polys)


def split_antimeridian(p, qmax):
    """Polygon p (1/SUBDIV units, shifted) cut at +180 (x = qmax) and unshifted."""
    x0, y0, x1, y1 = p.bounds
    out = []
    if x1 <= qmax:
        out = [p]
        shift = [0]
    elif x0 >= qmax:
        out = [p]
        shift = [qmax]
    else:
        w = polygons_of(p.intersection(box(x0 - 1, y0 - 1, qmax, y1 + 1)))
        e = polygons_of(p.intersection(box(qmax, y0 - 1, x1 + 1, y1 + 1)))
        out = w + e
        shift = [0] * len(w) + [qmax] * len(e)
    res = []
    for q, sh in zip(out, shift):
        def f(xy, sh=sh):
            return np.column_stack((xy[:, 0] - sh, xy[:, 1]))
        res.append(map_polygon(q, f))
    return res


def off_grid(g, k=SUBDIV):
    """Vertices of g that are not on the grid of 1/k (made by noding crossing lines)."""
    bad = []
    for l in lines_of(g):
        for x, y in l.coords:
            if x * k != round(x * k) or y * k != round(y * k):
                bad.append((x, y))
    return bad


def snap_round_union(g):
    """GEOS's unary union in the fixed precision model of grid 1 (snap rounding): noded lines with
    every vertex on the integer grid. shapely 1.8 does not wrap GEOSUnaryUnionPrec_r."""
    from shapely.geos import lgeos
    from shapely.geometry.base import geom_factory
    import ctypes
    f = lgeos._lgeos.GEOSUnaryUnionPrec_r
    f.restype = ctypes.c_void_p
    f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double]
    return geom_factory(f(lgeos.geos_handle, g._geom, 1.0))


def simplify_arc(frame, c, ne, tol_m, on_ne_edge, moved):
    """Arc c (units): Natural Earth vertices and the ends kept, runs of other vertices simplified
    by tol_m metres and rounded to 1/SUBDIV; a vertex inside a Natural Earth edge goes to its
    nearer end."""
    n = len(c)
    fixed = [k == 0 or k == n - 1 or c[k] in ne for k in range(n)]
    out = []
    k = 0
    while k < n - 1:
        j = k + 1
        while not fixed[j]:
            j += 1
        run = c[k:j + 1]
        keep = dp(frame, run, tol_m) if j - k > 1 and tol_m > 0 else list(range(len(run)))
        for m in keep[:-1]:
            out.append(run[m])
        k = j
    out.append(c[-1])
    res = []
    for v in out:
        if v not in ne:
            tgt = on_ne_edge(v)
            if tgt is not None:
                moved.append((v, tgt))
                v = tgt
            else:
                v = (round(v[0] * SUBDIV) / SUBDIV, round(v[1] * SUBDIV) / SUBDIV)
        if not res or res[-1] != v:
            res.append(v)
    return res


def dp(frame, run, tol_m):
    """Douglas-Peucker on a run of vertices (units), distances in metres of a local equirectangular
    projection at each segment's latitude; returns the indices kept (first and last always)."""
    xy = np.asarray(run, dtype=float)
    lat = xy[:, 1] * frame.s[1] + frame.t[1]
    kx = frame.s[0] * 111320.0
    ky = frame.s[1] * 110574.0
    keep = np.zeros(len(xy), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(xy) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        cl = math.cos(math.radians((lat[a] + lat[b]) / 2))
        p = xy[a + 1:b]
        ax, ay = xy[a, 0] * kx * cl, xy[a, 1] * ky
        bx, by = xy[b, 0] * kx * cl, xy[b, 1] * ky
        px, py = p[:, 0] * kx * cl, p[:, 1] * ky
        dx, dy = bx - ax, by - ay
        L = dx * dx + dy * dy
        if L == 0:
            dist = np.hypot(px - ax, py - ay)
        else:
            u = np.clip(((px - ax) * dx + (py - ay) * dy) / L, 0, 1)
            dist = np.hypot(ax + u * dx - px, ay + u * dy - py)
        m = int(np.argmax(dist))
        if dist[m] > tol_m:
            keep[a + 1 + m] = True
            stack.append((a, a + 1 + m))
            stack.append((a + 1 + m, b))
    return list(np.nonzero(keep)[0])


# ---- output ------------------------------------------------------------------------------------

def to_precision(v, digits=17):
    """JavaScript's Number.prototype.toPrecision(17), as step 1 used to write the transform."""
    if v == 0 or abs(v) < 1:
        return '%.*g' % (digits, v)
    return '%.*f' % (max(0, digits - (int(math.floor(math.log10(abs(v)))) + 1)), v)


def int_lines(vals, per):
    return ['    ' + ','.join(str(v) for v in vals[k:k + per]) + ','
            for k in range(0, len(vals), per)]


def polygon_key(p):
    x0, y0, x1, y1 = p.bounds
    return (x0, y0, x1, y1, len(p.exterior.coords))


def write_c(path, d, frame, zones, embedded, versions, info):
    """Writes borders_data.c: the land tables exactly as step 1 made them, then the zone tables."""
    src = d['source']
    recs, xy, ring_start, poly_ring = [], [], [], []
    for i in embedded:
        c = d['countries'][i]
        first = len(poly_ring)
        for p in c['polygons']:
            poly_ring.append(len(ring_start))
            for r in p:
                ring_start.append(len(xy) // 2)
                for x, y in r:
                    xy += [x, y]
        recs.append((c['code'], c['name'], first, len(c['polygons'])))
    poly_ring.append(len(ring_start))
    ring_start.append(len(xy) // 2)

    zspans, zxy, zring, zpoly = [], [], [], []
    for i in embedded:
        polys = sorted(polygons_of(zones[i]), key=polygon_key)
        zspans.append((len(zpoly), len(polys)))
        for p in polys:
            zpoly.append(len(zring))
            for r in rings_of(p):
                zring.append(len(zxy) // 2)
                for x, y in r.coords:
                    assert x == int(x) and y == int(y) and 0 <= x and 0 <= y < 2 ** 31
                    zxy += [int(x), int(y)]
    zpoly.append(len(zring))
    zring.append(len(zxy) // 2)

    L = []
    w = L.append
    w('/* borders_data.c — GENERATED by tools/derive-borders/derive.sh (derive.js, then')
    w(' * tools/derive-sea/derive.py); do not edit.')
    w(' *')
    w(' * Source: npm world-atlas %s (countries-10m.json: Natural Earth %s 1:10m' % (
        src['worldAtlas'], src['naturalEarth']))
    w(' * admin-0 countries, public domain), read with topojson-client %s.' % src['topojsonClient'])
    w(' * Changes from the source:')
    notes = d['notes']
    for k, n in enumerate(notes):
        w(' *  - %s%s' % (n, ';' if k < len(notes) - 1 else '.'))
    w(' *')
    w(' * Land tables (cav__borders_*): the TopoJSON\'s quantized integers: lon = x * scale[0] +')
    w(' * translate[0], lat = y * scale[1] + translate[1]. Boundary i has polygons [first_poly,')
    w(' * first_poly + npolys); polygon p has rings [poly_ring[p], poly_ring[p + 1]), the first its')
    w(' * shell; ring r has points [ring_start[r], ring_start[r + 1]) of xy (closed: the last point')
    w(' * repeats the first).')
    w(' * %d boundaries, %d polygons, %d rings, %d points.' % (
        len(recs), len(poly_ring) - 1, len(ring_start) - 1, len(xy) // 2))
    w(' *')
    text = ('Zone tables (cav__borders_zone_*): each country\'s land and territorial sea, 12 '
            'nautical miles (Caspian Sea: 15) from the coast, split between neighbours by '
            'equidistance among all %d countries of world-atlas within reach; the Sea of Azov and '
            'the Kerch Strait north of Cape Takil - Cape Panagia split whole by equidistance '
            '(docs/geography.md, "Territorial sea"). Computed with python3-shapely %s (GEOS %s) '
            'and python3-pyproj %s (PROJ, libproj25 %s). Same layout, in 1/%d of the land units: '
            'lon = x * zone_scale[0] + translate[0], zone_scale = scale / %d (exact), so Natural '
            'Earth\'s vertices decode to the identical doubles. %d polygons, %d rings, %d points.'
            % (len(info['relevant']), versions['python3-shapely'], versions['geos'],
               versions['python3-pyproj'], versions['libproj25'], SUBDIV, SUBDIV,
               len(zpoly) - 1, len(zring) - 1, len(zxy) // 2))
    for line in textwrap.wrap(text, 95):
        w(' * ' + line)
    w(' */')
    w('#include "geo/borders_data.h"')
    w('')
    w('const double cav__borders_scale[2] = {%s, %s};' % (to_precision(d['scale'][0]),
                                                           to_precision(d['scale'][1])))
    w('const double cav__borders_translate[2] = {%s, %s};' % (to_precision(d['translate'][0]),
                                                               to_precision(d['translate'][1])))
    w('')
    w('const cav_border_rec cav__borders_recs[] = {')
    for code, name, first, n in recs:
        w('    {"%s", "%s", 1, %d, %d},' % (code, name, first, n))
    w('};')
    w('const int cav__borders_nrecs = %d;' % len(recs))
    w('')
    for name, vals in (('cav__borders_poly_ring', poly_ring), ('cav__borders_ring_start', ring_start),
                       ('cav__borders_xy', xy)):
        w('const int32_t %s[] = {' % name)
        L.extend(int_lines(vals, 16))
        w('};')
        w('')
    w('const double cav__borders_zone_scale[2] = {%s / %d, %s / %d};' % (
        to_precision(d['scale'][0]), SUBDIV, to_precision(d['scale'][1]), SUBDIV))
    w('')
    w('const cav_border_span cav__borders_zone_spans[] = {')
    for (first, n), i in zip(zspans, embedded):
        w('    {%d, %d}, /* %s */' % (first, n, d['countries'][i]['code']))
    w('};')
    w('')
    for name, vals, per in (('cav__borders_zone_poly_ring', zpoly, 16),
                            ('cav__borders_zone_ring_start', zring, 16),
                            ('cav__borders_zone_xy', zxy, 12)):
        w('const int32_t %s[] = {' % name)
        L.extend(int_lines(vals, per))
        w('};')
        w('')
    with open(path, 'w') as f:
        f.write('\n'.join(L).rstrip('\n') + '\n')


class Distances:
    """Geodesic distances from points to the land of countries. Points are taken a 1-degree tile
    at a time: the land's boundary near the tile is projected into an azimuthal equidistant
    projection centred on the tile, the nearest point found there, and the distance to it taken on
    the ellipsoid with pyproj's Geod (the projection only picks the nearest point, so its small
    distortion changes the distance by a second-order amount)."""

    def __init__(self, frame, land):
        self.frame = frame
        self.geod = pyproj.Geod(ellps='WGS84')
        self.chunks = {}
        for i, g in land.items():
            pieces = []
            for p in polygons_of(g):
                for r in rings_of(p):
                    c = list(r.coords)
                    for k in range(0, len(c) - 1, 64):
                        pieces.append(LineString(c[k:k + 65]))
            if pieces:
                self.chunks[i] = (pieces, STRtree(pieces))

    def tiles(self, lonlats):
        by = {}
        for k, (lon, lat) in enumerate(lonlats):
            by.setdefault((math.floor(lon), math.floor(lat)), []).append(k)
        return sorted(by.items())

    def nearest(self, i, lonlats, within_m=40000.0):
        """For each (lon, lat) of lonlats (shifted frame): metres to country i's land, or inf."""
        out = [math.inf] * len(lonlats)
        ch = self.chunks.get(i)
        if not ch:
            return out
        for (tx, ty), idx in self.tiles(lonlats):
            dlat = within_m / 111000.0 * 1.1
            dlon = dlat / max(0.05, math.cos(math.radians(ty + 1)))
            u = self.frame.units(np.array([[tx - dlon, ty - dlat], [tx + 1 + dlon, ty + 1 + dlat]]))
            cand = ch[1].query(box(u[0, 0], u[0, 1], u[1, 0], u[1, 1]))
            if not cand:
                continue
            to_m, from_m = self.frame.aeqd(tx + 0.5, ty + 0.5)
            tgt = [LineString(to_m(np.asarray(c.coords))) for c in cand]
            ttree = STRtree(tgt)
            pts = np.array([lonlats[k] for k in idx])
            pm = to_m(self.frame.units(pts))
            for k, (x, y), (lon, lat) in zip(idx, pm, pts):
                p = Point(x, y)
                near = ttree.query(p.buffer(within_m * 1.05, 4))
                if not near:
                    continue
                ln = min(near, key=lambda l: l.distance(p))
                q = ln.interpolate(ln.project(p))
                qll = self.frame.deg(from_m(np.array([[q.x, q.y]])))[0]
                out[k] = self.geod.inv(lon, lat, qll[0], qll[1])[2]
        return out


def fine_to_deg(frame, xy):
    """1/SUBDIV units (unshifted) -> lon/lat in the shifted frame used for the land."""
    lon = xy[0] / SUBDIV * frame.s[0] + frame.t[0]
    lat = xy[1] / SUBDIV * frame.s[1] + frame.t[1]
    if lon <= ANTIMERIDIAN_SHIFT_BELOW:
        lon += 360.0
    return lon, lat


def report(frame, geoms, names, zones, embedded, info):
    """Measures the zones: how far their outer limits are from 12 nautical miles (15 in the
    Caspian), and how far their median lines are from equidistant, with geodesic distances to the
    land; prints the figures (docs/geography.md quotes them)."""
    full, relevant = info['full'], info['relevant']
    dist = Distances(frame, {i: full[i] for i in relevant})
    azov_p = prep(info['azov'])
    casp_p = prep(info['caspian'])
    ne = set()
    for i in embedded:
        for p in geoms[i].geoms:
            for r in rings_of(p):
                for x, y in r.coords:
                    ne.add(((x - frame.qmax if x > frame.qmax else x) * SUBDIV, y * SUBDIV))
    # the points measured: every vertex of a zone that is not Natural Earth's, and the middle of
    # every edge between two such vertices
    pts, owner = [], []
    for i in embedded:
        for p in zones[i].geoms:
            for r in rings_of(p):
                cs = list(r.coords)
                for c, n in zip(cs[:-1], cs[1:]):
                    if c in ne:
                        continue
                    pts.append(fine_to_deg(frame, c))
                    owner.append((i, 'vertex'))
                    seam = c[0] % (frame.qmax * SUBDIV) == 0 and n[0] % (frame.qmax * SUBDIV) == 0
                    if n not in ne and not seam:      # (an edge along the antimeridian is a cut)
                        pts.append(fine_to_deg(frame, ((c[0] + n[0]) / 2, (c[1] + n[1]) / 2)))
                        owner.append((i, 'mid'))
    log('report: %d points' % len(pts))
    d = {i: dist.nearest(i, pts, 100000.0) for i in relevant}
    log('report: distances done')
    res = {k + ' ' + m: [] for k in ('limit', 'median', 'other') for m in ('vertex', 'mid')}
    worst = {}
    for k, (ll, (i, kind)) in enumerate(zip(pts, owner)):
        u = frame.units(np.array([ll]))[0]
        pt = Point(u[0], u[1])
        if azov_p.contains(pt):
            breadth = math.inf
        else:
            breadth = CASPIAN_M if casp_p.contains(pt) else SEA_M
        own = d[i][k]
        other = min(((d[j][k], j) for j in relevant if j != i), default=(math.inf, None))
        # a point on a median line is (nearly) equidistant; one on the outer limit is nearer its
        # own coast, at the breadth
        if other[1] is not None and abs(other[0] - own) < 300:
            key, e, who = 'median ' + kind, own - other[0], names[i] + '/' + names[other[1]]
        elif abs(own - breadth) < 300:
            key, e, who = 'limit ' + kind, own - breadth, names[i]
        else:
            key, e, who = 'other ' + kind, own, names[i]
        if not math.isfinite(e):
            continue
        res[key].append(e)
        worst.setdefault(key, []).append((abs(e), e, who, ll))
    for key, v in res.items():
        if not v:
            continue
        a = np.abs(np.array(v))
        print('%-13s n %6d: |error| median %5.1f m, 95%% %5.1f m, 99%% %5.1f m, max %5.1f m'
              % (key, len(a), np.median(a), np.percentile(a, 95), np.percentile(a, 99), a.max()))
        for _, e, who, ll in sorted(worst[key], reverse=True)[:4]:
            print('%13s %.1f m (%s) at %.4fN %.4fE' % ('', e, who, ll[1],
                                                       ll[0] - 360 if ll[0] > 180 else ll[0]))


def views(outdir, frame, geoms, names, zones, embedded, info):
    """PNG views of a few places (needs python3-matplotlib; a debugging aid, not part of the
    output)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(outdir, exist_ok=True)
    zd = {names[i]: map_geom(zones[i], lambda xy: np.column_stack(
        (xy[:, 0] / SUBDIV * frame.s[0] + frame.t[0], xy[:, 1] / SUBDIV * frame.s[1] + frame.t[1])))
        for i in embedded}
    places = {'kerch': (36.2, 44.9, 37.0, 45.5), 'azov': (34.5, 44.3, 39.6, 47.4),
              'odesa': (29.0, 45.0, 32.5, 47.0), 'kaliningrad': (19.0, 54.0, 22.5, 56.5),
              'gulf-of-finland': (22.0, 59.0, 31.0, 61.0), 'caspian': (45.5, 41.0, 51.0, 47.0),
              'bering': (-180.0, 62.0, -165.0, 68.0), 'sakhalin': (139.0, 43.0, 147.0, 47.0),
              'georgia': (38.5, 41.0, 42.0, 44.0), 'varanger': (27.0, 68.5, 33.5, 70.5)}
    colours = ['#c8e6c9', '#ffcdd2', '#bbdefb', '#fff9c4', '#e1bee7', '#ffe0b2', '#b2dfdb']
    for name, b in places.items():
        fig, ax = plt.subplots(figsize=(9, 9))
        k = 0
        for code, z in zd.items():
            g = z.intersection(box(*b))
            if g.is_empty:
                continue
            for p in polygons_of(g):
                x, y = p.exterior.xy
                ax.fill(x, y, color=colours[k % len(colours)], ec='k', lw=0.4)
                for h in p.interiors:
                    x, y = h.xy
                    ax.fill(x, y, color='white', ec='k', lw=0.3)
            k += 1
            for p in polygons_of(geoms[names.index(code)]):
                ll = frame.deg(np.asarray(p.exterior.coords))
                ll[ll[:, 0] > 180, 0] -= 360
                ax.plot(ll[:, 0], ll[:, 1], color='#555555', lw=0.3)
        ax.set_xlim(b[0], b[2])
        ax.set_ylim(b[1], b[3])
        ax.set_aspect(1 / math.cos(math.radians((b[1] + b[3]) / 2)))
        ax.set_title(name)
        fig.savefig(os.path.join(outdir, name + '.png'), dpi=70)
        plt.close(fig)


if __name__ == '__main__':
    main()
