#!/usr/bin/python3
"""derive.py -- derives src/geo/regions_data.c: five Russian oblasts from gmt-dcw, conflated to
the Natural Earth country polygons embedded in src/geo/borders_data.c.

Usage (from the repository root):  /usr/bin/python3 tools/derive-regions/derive.py
        [--out src/geo/regions_data.c] [--report]

Inputs and tools (Debian 12 packages; the versions are checked and written into the output):
  - gmt-dcw 2.1.1 (/usr/share/gmt-dcw/dcw-gmt.nc, LGPL-3+, Copyright 2014 The GMT Team):
    Digital Chart of the World 1:1,000,000 with GMT's first-level state boundaries;
  - gmt 6.4.0 (`gmt coast -E<codes> -M`), which decodes dcw-gmt.nc into text polygons
    (GMT is the reference reader of that file; python3-netcdf4 is not needed);
  - python3-shapely 1.8.5 (GEOS 3.11.1) for the geometry;
  - src/geo/borders_data.c (Natural Earth 4.1.0 1:10m via world-atlas 2.0.2): Russia's polygon,
    read as the quantized integers stored there, exactly what borders.c decodes.

Method (docs/geography.md, "Regions", has the account and the measured figures):
  All work is done in the quantized units of borders_data.c (x = (lon - translate[0]) /
  scale[0], y likewise), where Natural Earth's vertices are integers.
  1. RU = Natural Earth's Russia clipped to an area of interest (AOI: the five oblasts' box plus
     a margin). Every DCW Russian state that reaches the AOI is read and made valid; DCW
     quantizes each state on its own grid, so neighbours' shared lines differ by up to ~15 m:
     each state is snapped (20 m) to the states read before it and made disjoint from them.
  2. The gap G = RU - (union of the DCW states): slivers where DCW stops short of Natural
     Earth's border or coast. Each point of G belongs to the nearest DCW state: nearest by a
     Voronoi diagram of points every ~250 m along the states' boundaries (shared boundaries
     excluded), computed in a local metric (km at 50N), whose label changes become cut lines.
  3. RU's boundary, every DCW boundary and the cut lines are noded and polygonized into faces;
     a face outside RU is dropped, a face inside a DCW state goes to it, a face of G to its
     Voronoi label. Each of the five oblasts is the union of its faces.
  4. Exactness: a vertex created on one of Natural Earth's edges (where a DCW line or a cut line
     crosses it) is moved to the nearer end of that edge: it disappears where one oblast lies
     on both sides, and where two oblasts' shared line meets Russia's outline (7 places) that
     line now ends at a Natural Earth vertex (moved 0.1 to 4.5 km; printed). So the oblasts'
     outlines along Russia's border and coast are Natural Earth's own vertices and edges.
     Interior vertices are rounded to 1/1024 of a unit (about 0.25 m). The script then checks,
     on the decoded doubles exactly as borders.c will build them: every oblast valid and
     covered by RU (GEOS, exact), no two overlapping (area 0), no hole in their union.
Output: int32 coordinates in 1/1024 units: lon = q * (scale[0] / 1024) + translate[0] (exactly the
Natural Earth doubles for Natural Earth's vertices, since 1024 is a power of two).
"""
import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import textwrap

import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.ops import polygonize, snap, unary_union, voronoi_diagram
from shapely.strtree import STRtree
from shapely.validation import explain_validity, make_valid
from shapely.prepared import prep
import time

T0 = time.time()

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BORDERS_C = os.path.join(ROOT, 'src', 'geo', 'borders_data.c')
DCW_NC = '/usr/share/gmt-dcw/dcw-gmt.nc'
DCW_STATES = '/usr/share/gmt-dcw/dcw-states.txt'
SUBDIV = 1024                    # storage grid: 1/1024 of a Natural Earth quantization unit
TARGETS = [('RU-BEL', 'BEL', 'Belgorod Oblast'), ('RU-KRS', 'KRS', 'Kursk Oblast'),
           ('RU-BRY', 'BRY', 'Bryansk Oblast'), ('RU-VOR', 'VOR', 'Voronezh Oblast'),
           ('RU-ROS', 'ROS', 'Rostov Oblast')]
AOI_MARGIN_DEG = 1.0             # around the five oblasts' box
SAMPLE_KM = 0.25                 # Voronoi generators along the DCW boundaries
SAMPLE_NEAR_GAP_KM = 40.0        # only generators this close to the gap matter
DCW_SNAP = 0.1                   # units (~20 m): DCW states' shared boundaries made identical
CUT_SIMPLIFY = 0.5               # units (~100 m): smoothing of the Voronoi cut lines
SNAP_EPS = 1e-6                  # units: a vertex this close to a Natural Earth edge is on it
KM_X = 111.32 * math.cos(math.radians(50.0))   # km per degree of longitude at 50N
KM_Y = 110.6                                   # km per degree of latitude


def log(*a):
    print(*a, file=sys.stderr)


def pkg_version(pkg):
    out = subprocess.run(['dpkg-query', '-W', '-f=${Version}', pkg], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


# ---- Natural Earth, as embedded ------------------------------------------------------------------

def read_borders():
    src = open(BORDERS_C).read()

    def arr(name):
        m = re.search(r'%s\[\] = \{(.*?)\};' % re.escape(name), src, re.S)
        return [int(x) for x in m.group(1).split(',') if x.strip()]

    def dbl(name):
        m = re.search(r'%s\[2\] = \{([^}]*)\};' % re.escape(name), src)
        return [float(x) for x in m.group(1).split(',')]

    scale, translate = dbl('cav__borders_scale'), dbl('cav__borders_translate')
    recs = re.findall(r'\{"([A-Z-]+)", "[^"]*", (\d), (\d+), (\d+)\}', src)
    xy, pr, rs = arr('cav__borders_xy'), arr('cav__borders_poly_ring'), \
        arr('cav__borders_ring_start')
    header = src.split('*/', 1)[0]
    countries = {}
    for code, _, first, n in recs:
        polys = []
        for p in range(int(first), int(first) + int(n)):
            rings = [[(xy[2 * i], xy[2 * i + 1]) for i in range(rs[r], rs[r + 1])]
                     for r in range(pr[p], pr[p + 1])]
            polys.append(Polygon(rings[0], rings[1:]))
        countries[code] = polys
    return scale, translate, countries, header


def polygons_of(g):
    if g.is_empty:
        return []
    if g.geom_type == 'Polygon':
        return [g]
    if g.geom_type in ('MultiPolygon', 'GeometryCollection'):
        return [q for p in g.geoms for q in polygons_of(p)]
    return []


def area_only(g):
    return MultiPolygon(polygons_of(g)) if g.geom_type != 'Polygon' else g


# ---- DCW, through GMT ---------------------------------------------------------------------------

def read_dcw_states():
    names = {}
    for line in open(DCW_STATES):
        parts = line.rstrip('\n').split(' ', 2)
        if len(parts) == 3 and parts[0] == 'RU':
            names[parts[2]] = parts[1]
    codes = sorted(names.values())
    out = ''
    with tempfile.TemporaryDirectory() as tmp:      # gmt leaves a gmt.history in its cwd
        for i in range(0, len(codes), 16):          # gmt coast -E takes a limited number of codes
            out += subprocess.run(['gmt', 'coast',
                                   '-E' + ','.join('RU.' + c for c in codes[i:i + 16]),
                                   '-M', '--FORMAT_FLOAT_OUT=%.17g'], cwd=tmp,
                                  capture_output=True, text=True, check=True).stdout
    segs = {}
    cur = None
    assert out.count('>') > 200
    for line in out.splitlines():
        if line.startswith('>'):
            m = re.match(r'>\s+(?:-Ph )?(.*) \(Russian Federation\) Segment \d+', line)
            cur = []
            segs.setdefault(names[m.group(1)], []).append(cur)
        elif line.strip():
            lon, lat = map(float, line.split())
            cur.append((lon, lat))
    return segs


def to_units(lonlat, scale, translate):
    return [((lon - translate[0]) / scale[0], (lat - translate[1]) / scale[1])
            for lon, lat in lonlat]


# ---- helpers ------------------------------------------------------------------------------------

def rings_of(poly):
    return [poly.exterior] + list(poly.interiors)


def edges_of(g):
    for p in polygons_of(g):
        for ring in rings_of(p):
            c = list(ring.coords)
            for a, b in zip(c, c[1:]):
                yield a, b


def seg_closest(p, a, b):
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    L = dx * dx + dy * dy
    t = 0.0 if L == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / L))
    return math.hypot(ax + t * dx - p[0], ay + t * dy - p[1]), t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'src', 'geo', 'regions_data.c'))
    ap.add_argument('--report', action='store_true', help='print the discrepancy measurements')
    args = ap.parse_args()

    versions = {p: pkg_version(p) for p in ('gmt-dcw', 'gmt', 'python3-shapely')}
    if not versions['gmt-dcw'].startswith('2.1.1'):
        sys.exit('derive.py: expected gmt-dcw 2.1.1, found %s' % versions['gmt-dcw'])
    scale, translate, countries, borders_header = read_borders()
    ne_source = re.search(r'Source: (.*?)\n \* Changes', borders_header, re.S).group(1)
    ne_source = ' '.join(s.strip(' *') for s in ne_source.split('\n'))
    kx = scale[0] * KM_X     # km per unit, x
    ky = scale[1] * KM_Y     # km per unit, y

    def km_area(a):          # units^2 -> km^2 (at 50N; a report figure only)
        return a * kx * ky

    # 1. DCW states, in units
    segs = read_dcw_states()
    assert len(segs) == len(set(segs)) and all(t[1] in segs for t in TARGETS), sorted(segs)
    dcw = {}
    for code, rings in segs.items():
        g = Polygon()
        for r in rings:
            p = make_valid(Polygon(to_units(r, scale, translate)))
            g = g.symmetric_difference(p)      # islands add, holes (GMT's -Ph) subtract
        dcw[code] = area_only(make_valid(g))
    five = [t[1] for t in TARGETS]
    minx, miny, maxx, maxy = unary_union([dcw[c] for c in five]).bounds
    mx, my = AOI_MARGIN_DEG / scale[0], AOI_MARGIN_DEG / scale[1]
    aoi = box(minx - mx, miny - my, maxx + mx, maxy + my)

    ru_full = countries['RU']
    ru_parts = []
    for p in ru_full:
        if p.intersects(aoi):
            pv = p if p.is_valid else area_only(make_valid(p))
            ru_parts += polygons_of(pv.intersection(aoi))
    ru = MultiPolygon(ru_parts)
    assert ru.is_valid
    ru_vertices = {c for p in polygons_of(ru) for r in rings_of(p) for c in r.coords}

    # DCW states near the AOI, disjoint (the five first, then the rest by code)
    order = five + sorted(c for c in dcw if c not in five and dcw[c].intersects(aoi))
    states = {}
    taken = Polygon()
    for c in order:
        g = dcw[c]
        if not taken.is_empty:
            # DCW quantizes each state on its own grid: shared boundaries differ by up to ~15 m
            g = area_only(make_valid(snap(g, taken, DCW_SNAP)))
        g = area_only(make_valid(g.difference(taken)))
        states[c] = g
        taken = unary_union([taken, g])
    dcw_union = taken
    log('%.1fs: %d DCW states in the AOI' % (time.time() - T0, len(order)))

    # 2. the gap and its Voronoi split (only what can reach the five matters)
    five_union = unary_union([states[c] for c in five])
    reach = five_union.buffer(SAMPLE_NEAR_GAP_KM / min(kx, ky), 8)
    gap = area_only(make_valid(ru.difference(dcw_union).intersection(reach)))
    near_gap = gap.buffer(SAMPLE_NEAR_GAP_KM / min(kx, ky), 4)
    log('%.1fs: gap near the five %.0f km2' % (time.time() - T0, gap.area * kx * ky))
    pts, labels = [], []
    step = SAMPLE_KM / max(kx, ky)
    grown = {c: prep(states[c].buffer(DCW_SNAP)) for c in order}
    for c in order:
        near = states[c].boundary.intersection(near_gap)
        if near.is_empty:
            continue
        neighbours = [grown[o] for o in order if o != c and states[o].distance(states[c]) < DCW_SNAP]
        lines = [near] if near.geom_type == 'LineString' else \
            [g for g in getattr(near, 'geoms', []) if g.geom_type == 'LineString']
        for line in lines:
            n = max(1, int(math.ceil(line.length / step)))
            for i in range(n + 1):
                q = line.interpolate(i / n, normalized=True)
                # a point on another state's boundary too (a shared line) is no generator
                if not any(nb.contains(q) for nb in neighbours):
                    pts.append((q.x * kx, q.y * ky))
                    labels.append(c)
    uniq = {}
    for p, l in zip(pts, labels):
        uniq.setdefault(p, l)
    pts, labels = list(uniq.keys()), list(uniq.values())
    log('%.1fs: voronoi generators: %d' % (time.time() - T0, len(pts)))
    env = affinity.scale(aoi, kx, ky, origin=(0, 0)).buffer(100)
    cells = voronoi_diagram(MultiPoint(pts), envelope=env)
    ptgeoms = [Point(p) for p in pts]
    tree = STRtree(ptgeoms)
    index = {id(g): i for i, g in enumerate(ptgeoms)}
    by_label = {c: [] for c in five}
    for cell in cells.geoms:
        hits = [index[id(g)] for g in tree.query(cell) if cell.intersects(g)]
        assert len(hits) == 1, hits
        if labels[hits[0]] in by_label:
            by_label[labels[hits[0]]].append(cell)
    vor = {c: affinity.scale(unary_union(v), 1 / kx, 1 / ky, origin=(0, 0))
           for c, v in by_label.items()}
    vor_prep = {c: prep(v) for c, v in vor.items()}
    # the label boundaries are staircases of Voronoi edges (generators ~250 m apart): smoothed
    cut = unary_union([v.boundary for v in vor.values()]).intersection(gap.buffer(1.0))
    cut = cut.simplify(CUT_SIMPLIFY, preserve_topology=True)
    log('%.1fs: voronoi cut lines' % (time.time() - T0))

    # 3. faces
    lines_zone = reach.buffer(1.0)
    linework = [ru.boundary.intersection(lines_zone)]
    linework += [states[c].boundary.intersection(lines_zone) for c in order]
    linework.append(cut)
    noded = unary_union(linework)
    faces = list(polygonize(noded))
    log('%.1fs: faces: %d' % (time.time() - T0, len(faces)))
    ru_prep = prep(ru)
    state_prep = [(c, prep(states[c])) for c in order]
    parts = {c: [] for c in five}
    gap_assigned = {c: 0.0 for c in five}
    for f in faces:
        rp = f.representative_point()
        if not ru_prep.contains(rp):
            continue
        owner = next((c for c, sp in state_prep if sp.contains(rp)), None)
        from_gap = owner is None
        if from_gap:
            owner = next((c for c, vp in vor_prep.items() if vp.contains(rp)), None)
        if owner in parts:
            parts[owner].append(f)
            if from_gap:
                gap_assigned[owner] += f.area
    log('%.1fs: faces labelled' % (time.time() - T0))

    # 4. exactness on Natural Earth's edges, rounding elsewhere
    # A vertex the overlay created on one of Natural Earth's edges u-w (where a DCW line or a cut
    # line crosses it) moves to the nearer end of that edge. Where the same oblast lies on both
    # sides the vertex simply disappears (u, c, w becomes u, w); where two oblasts meet (a
    # "tripoint" with the border) their shared line now ends at a Natural Earth vertex. Either way
    # every oblast's outline along Russia's border and coast is made of Natural Earth's own edges,
    # with identical doubles, so GEOS finds the oblasts covered by RU and border(UA, RU) covered by
    # their boundaries, exactly. (A point inside an edge cannot be represented exactly on it.)
    edge_list = [LineString([u, w]) for u, w in edges_of(ru)]
    etree = STRtree(edge_list)
    moves = []          # (km, lon, lat) of the tripoints moved

    def snap_target(c):
        """The Natural Earth vertex c goes to, or None when c is no overlay vertex on an edge."""
        best = None
        for e in etree.query(Point(c).buffer(SNAP_EPS * 10)):
            u, w = e.coords[0], e.coords[1]
            d, t = seg_closest(c, u, w)
            if d < SNAP_EPS and (best is None or d < best[0]):
                best = (d, u if t < 0.5 else w)
        return None if best is None else best[1]

    def fix_ring(ring):
        cs = list(ring.coords)[:-1]
        target = [None if c in ru_vertices else snap_target(c) for c in cs]
        out = []
        for i, c in enumerate(cs):
            if c in ru_vertices:
                c2 = c
            elif target[i] is not None:
                c2 = target[i]
                prev, nxt = cs[i - 1], cs[(i + 1) % len(cs)]
                on_ne = [q in ru_vertices or target[(i + k) % len(cs)] is not None
                         for k, q in ((-1, prev), (1, nxt))]
                if not all(on_ne):      # an interior line ends here: a tripoint moved
                    moves.append((math.hypot((c2[0] - c[0]) * kx, (c2[1] - c[1]) * ky),
                                  c[0] * scale[0] + translate[0], c[1] * scale[1] + translate[1]))
            else:
                c2 = (round(c[0] * SUBDIV) / SUBDIV, round(c[1] * SUBDIV) / SUBDIV)
            if not out or out[-1] != c2:
                out.append(c2)
        while len(out) > 1 and out[-1] == out[0]:
            out.pop()
        return out + out[:1]

    regions = {}
    for code, short, name in TARGETS:
        g = unary_union(parts[short])
        polys = []
        for p in polygons_of(g):
            shell = fix_ring(p.exterior)
            holes = [fix_ring(h) for h in p.interiors]
            q = Polygon(shell, [h for h in holes if len(h) >= 4])
            if not q.is_valid:
                sys.exit('derive.py: %s: invalid after snapping: %s' % (code, explain_validity(q)))
            polys.append(q)
        regions[code] = MultiPolygon(polys)
        log('%s: %d faces, %d points (DCW: %d)' % (code, len(parts[short]), sum(
            len(r.coords) for p in polys for r in rings_of(p)), sum(
            len(r.coords) for p in polygons_of(dcw[short]) for r in rings_of(p))))
        assert not regions[code].boundary.intersects(aoi.exterior), code

    # quantize to the storage grid, and decode the way borders.c does
    def decode(q):
        return (q[0] * (scale[0] / SUBDIV) + translate[0], q[1] * (scale[1] / SUBDIV) + translate[1])

    def quant(c):
        qx, qy = c[0] * SUBDIV, c[1] * SUBDIV
        assert qx == int(qx) and qy == int(qy)
        return (int(qx), int(qy))

    stored = {code: [[[quant(c) for c in r.coords] for r in rings_of(p)]
                     for p in polygons_of(regions[code])] for code, _, _ in TARGETS}

    # checks on the decoded doubles (exactly what the C library builds)
    def ne_deg(p):
        return Polygon([(x * scale[0] + translate[0], y * scale[1] + translate[1])
                        for x, y in p.exterior.coords],
                       [[(x * scale[0] + translate[0], y * scale[1] + translate[1])
                         for x, y in h.coords] for h in p.interiors])
    ru_deg = MultiPolygon([ne_deg(p) for p in polygons_of(ru)])
    dec = {code: MultiPolygon([Polygon([decode(c) for c in rings[0]],
                                       [[decode(c) for c in r] for r in rings[1:]])
                               for rings in polys])
           for code, polys in stored.items()}
    for code, g in dec.items():
        assert g.is_valid, code
        assert ru_deg.covers(g), '%s not covered by RU: %s' % (code, g.difference(ru_deg).area)
    codes = [t[0] for t in TARGETS]
    worst_overlap = 0.0
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            worst_overlap = max(worst_overlap, dec[codes[i]].intersection(dec[codes[j]]).area)
    assert worst_overlap < 1e-12, worst_overlap

    npoints = sum(len(r) for polys in stored.values() for rings in polys for r in rings)
    log('points: %d; tripoints with the border moved to a Natural Earth vertex: %d' % (
        npoints, len(moves)))
    for km, lon, lat in sorted(moves, reverse=True):
        log('  %.2f km at %.3fN %.3fE' % (km, lat, lon))

    if args.report:
        report(countries, ru, dcw, dcw_union, five, regions, gap_assigned, kx, ky, worst_overlap)

    write_c(args.out, stored, versions, ne_source, scale, translate, npoints)
    log('wrote', args.out)


def report(countries, ru, dcw, dcw_union, five, dec_units, gap_assigned, kx, ky, worst_overlap):
    """Prints how far DCW's oblasts are from Natural Earth's Russia, before and after."""
    def km2(a_units):
        return a_units * kx * ky

    # distance of DCW's outline from NE's border, measured along NE's UA-RU border
    ua = unary_union([p if p.is_valid else area_only(make_valid(p)) for p in countries['UA']])
    border = ru.boundary.intersection(ua.buffer(0.5))   # NE's UA-RU line, units
    dcw5 = unary_union([dcw[c] for c in five])
    pts = [border.interpolate(i / 4000, normalized=True) for i in range(4001)]
    d = []
    for p in pts:
        q = dcw5.boundary.interpolate(dcw5.boundary.project(p))
        d.append(math.hypot((q.x - p.x) * kx, (q.y - p.y) * ky))
    d.sort()
    print('NE UA-RU border: %d sample points, distance to the five DCW oblasts\' outline: '
          'mean %.2f km, median %.2f km, 95%% %.2f km, max %.2f km'
          % (len(d), sum(d) / len(d), d[len(d) // 2], d[int(len(d) * 0.95)], d[-1]))
    # and the other way: DCW's outline within 30 km of NE's UA-RU border, to NE's Russia outline
    outline = dcw_union.boundary.intersection(border.buffer(30 / min(kx, ky)))
    pts = [outline.interpolate(i / 4000, normalized=True) for i in range(4001)] \
        if outline.geom_type == 'LineString' else \
        [g.interpolate(i / 400, normalized=True) for g in outline.geoms for i in range(401)]
    d = []
    for p in pts:
        q = ru.boundary.interpolate(ru.boundary.project(p))
        d.append(math.hypot((q.x - p.x) * kx, (q.y - p.y) * ky))
    d.sort()
    print('DCW outline of Russia within 30 km of the NE UA-RU border: %d sample points, distance to NE Russia outline: '
          'mean %.2f km, median %.2f km, 95%% %.2f km, max %.2f km'
          % (len(d), sum(d) / len(d), d[len(d) // 2], d[int(len(d) * 0.95)], d[-1]))
    for c in five:
        g = dcw[c]
        out_ru = g.difference(ru).area
        in_ua = g.intersection(ua).area
        print('DCW %s: area %.0f km2, outside NE Russia %.1f km2 (in NE Ukraine %.1f km2); '
              'NE-Russia gap assigned to it %.1f km2'
              % (c, km2(g.area), km2(out_ru), km2(in_ua), km2(gap_assigned[c])))
    for c in five:
        code = 'RU-' + c
        print('conflated %s: area %.0f km2 (DCW %.0f km2)' % (code, km2(dec_units[code].area),
                                                          km2(dcw[c].area)))
    print('after: overlap between oblasts max %.3g deg2; outside RU: none (GEOS covers); '
          'shared vertices with RU along the border' % worst_overlap)
    # gaps between the conflated oblasts, inside NE RU, near the UA border
    u = unary_union(list(dec_units.values()))
    holes = sum(h.area for p in polygons_of(u) for h in [Polygon(i) for i in p.interiors])
    print('after: holes in the union of the five: %.3g units2' % holes)


def write_c(path, stored, versions, ne_source, scale, translate, npoints):
    lines = []
    w = lines.append
    w('/* regions_data.c — GENERATED by tools/derive-regions/derive.py; do not edit.')
    w(' *')
    w(' * Five first-level regions of Russia (ISO 3166-2): %s.'
      % ', '.join(t[0] for t in TARGETS))
    w(' *')
    w(' * Source: Debian package gmt-dcw %s (DCW-GMT 2.1.1, /usr/share/gmt-dcw/dcw-gmt.nc:' %
      versions['gmt-dcw'])
    w(' * the Digital Chart of the World 1:1,000,000 with GMT\'s state boundaries), read with')
    w(' * gmt %s (`gmt coast -E... -M`), processed with python3-shapely %s (GEOS %s).' %
      (versions['gmt'], versions['python3-shapely'], '.'.join(map(str, shapely.geos.geos_version))))
    w(' * Licence of this data: LGPL-3+ -- Copyright: 2014, The GMT Team. This file is LGPL-3+')
    w(' * (unlike the public-domain country borders); build with -DCAV_REGIONS=OFF to leave it out.')
    w(' *')
    text = ('Conflated to the Natural Earth country polygons of borders_data.c (%s): clipped to '
            'Russia, the slivers of Russia covered by no DCW oblast given to the nearest oblast, '
            'outlines along Russia\'s border and coast made of Natural Earth\'s own vertices and '
            'edges, so the regions tile Russia there exactly and never leave it '
            '(docs/geography.md, "Regions").' % ne_source.rstrip('.'))
    for line in textwrap.wrap(text, 95):
        w(' * ' + line)
    w(' *')
    w(' * Derivation: /usr/bin/python3 tools/derive-regions/derive.py')
    w(' *')
    w(' * Coordinates are int32 in 1/%d of borders_data.c\'s units:' % SUBDIV)
    w(' * lon = x * cav__regions_scale[0] + translate[0], lat = y * cav__regions_scale[1] +')
    w(' * translate[1], with cav__regions_scale = cav__borders_scale / %d (exact: a power of two),'
      % SUBDIV)
    w(' * so a vertex shared with a country decodes to the identical double. Tables laid out as')
    w(' * in borders_data.c.')
    npolys = sum(len(p) for p in stored.values())
    nrings = sum(len(rings) for p in stored.values() for rings in p)
    w(' * %d regions, %d polygons, %d rings, %d points.' % (len(stored), npolys, nrings, npoints))
    w(' */')
    w('#include "geo/borders_data.h"')
    w('')
    w('const double cav__regions_scale[2] = {%.17g / %d, %.17g / %d};'
      % (scale[0], SUBDIV, scale[1], SUBDIV))
    w('')
    w('const cav_border_rec cav__regions_recs[] = {')
    first = 0
    for code, short, name in TARGETS:
        n = len(stored[code])
        w('    {"%s", "%s", 0, %d, %d},' % (code, name, first, n))
        first += n
    w('};')
    w('const int cav__regions_nrecs = %d;' % len(TARGETS))
    w('')
    poly_ring, ring_start, xy = [0], [0], []
    for code, _, _ in TARGETS:
        for rings in stored[code]:
            for r in rings:
                xy += [v for c in r for v in c]
                ring_start.append(len(xy) // 2)
            poly_ring.append(poly_ring[-1] + len(rings))

    def table(ctype, name, vals, per):
        w('const %s %s[] = {' % (ctype, name))
        for i in range(0, len(vals), per):
            w('    ' + ','.join(str(v) for v in vals[i:i + per]) + ',')
        w('};')
        w('')
    table('int32_t', 'cav__regions_poly_ring', poly_ring, 16)
    table('int32_t', 'cav__regions_ring_start', ring_start, 16)
    table('int32_t', 'cav__regions_xy', xy, 12)
    with open(path, 'w') as f:
        f.write('\n'.join(lines).rstrip('\n') + '\n')


if __name__ == '__main__':
    main()
