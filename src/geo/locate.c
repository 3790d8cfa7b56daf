/* locate.c — the point locator: which of a pack's zones contain a point, which of them the point's
 * uncertainty (or the zones' own imprecision) leaves undecided, and how far a point is from a
 * zone's edge. locate_build.c compiles the tables (laid out in locate_impl.h); this file queries
 * them.
 *
 * This is the measured hot path of evaluation (bench/bench_locate.c; bench/RESULTS-geo.md gives the
 * figures), so it is hand-written rather than a call into GEOS per zone and point, which costs
 * microseconds where this costs tens of nanoseconds.
 *
 * Membership. The zones' polygon rings are cut into edges. A regular lon/lat grid covers the
 * bounding box of all zones; a cell whose edges are too many is itself divided into an 8 x 8 grid,
 * up to four levels. For every leaf cell and zone, the zone is either uniform over the cell (fully
 * inside or fully outside: one bit in the leaf's membership set) or a "test": the edges of the zone
 * that reach the cell plus a summary of everything east of the cell. A point's membership is the
 * parity of the crossings of the ray from it towards +x (east) with the zone's edges
 * (crossing-number rule, half-open in y: an edge with lower end ly and upper end hy is crossed at
 * py when ly <= py < hy). Edges lying wholly east of the cell are crossed exactly when ly <= py <
 * hy, which depends on py alone, so they are summarised at build time as a base parity and a short
 * sorted list of y values ("flips": the ends of chains of such edges; shared vertices cancel):
 * parity = base ^ #{flips <= py}. Only the edges that reach the cell are tested with the
 * x-intersection. Both parts use the same half-open rule, so the answer is the exact
 * crossing-number answer for the edges as stored, whatever cell the point falls in. Cells are
 * widened by 1e-9 degrees on every side when edges are assigned, so a point that rounding puts in a
 * neighbouring cell is still answered exactly. Two zones with the same edges in a cell (Russia and
 * a zone made from Russia, along the coast) share one stored list.
 *
 * Boundary rule. Zones are closed sets: a point on an edge is inside. A point that equals a
 * vertex, lies on a horizontal or vertical edge, or whose x equals the computed intersection
 * x of a crossed edge counts as on the boundary, hence inside. For other edges "on" is decided in
 * floating point, so points within about 1e-14 degrees of an edge may go either way; GEOS, which
 * uses exact predicates, agrees with this locator for every point farther than that from a
 * boundary (tests/unit/test_geo_locate.c checks 1,000,000 random points and points on and next to
 * vertices and edges). Only areas count: lines and points in a zone geometry contain no point.
 * Membership never depends on the precisions below.
 *
 * Uncertainty (cav__locator_find3). A zone is undecided ("unsure") for a point when its boundary
 * comes within r_z = max(radius, precision of the zone) of the point, in geodesic metres on WGS84:
 * the disk of that radius is then neither wholly inside nor wholly outside the zone. Edges are
 * straight in lon/lat, as GEOS and the membership test take them. Distances are measured in the
 * tangent plane at the point and bounded both ways, then by chords through the earth (geodist.h
 * proves both pairs of bounds); only an edge neither pair can place on one side of r_z is measured
 * with exact geodesics. So the answer is exact up to the geodesic solver, well inside the 0.5 %
 * the contract allows (tests/unit/test_geo_locate_disk.c checks it against a brute-force
 * reference).
 *
 * Precision. Boundary data has a stated precision (Natural Earth 1:10m: about 1 km); user-drawn
 * zones are exact (precision 0). For a zone with a precision p, a leaf whose cell lies within p of
 * the zone's edges lists all of them ("near edges": the cell widened by p in degrees at its
 * poleward latitude, cuts excluded): after the zone's own crossing edges when it has a test, or in
 * a "near entry" after the tests when the zone is uniform over the cell. The leaf also keeps an 8 x
 * 8 mask of the parts of its cell that any near edge comes within its precision of. A point with
 * radius 0 thus needs no search: a leaf without near entries, or a point in a part of the leaf the
 * mask leaves clear (most of the map), answers as fast as the membership look-up, and otherwise
 * the leaf's near lists hold every edge that could make it unsure (zones whose lists are one
 * stored list, as on either side of a border, are measured once). Splitting a cell shrinks its
 * near lists only while the cell is several precisions wide, so cells stop splitting there for
 * their near lists' sake.
 *
 * Disks (radius > 0, or a radius-0 point whose widened leaf crosses the antimeridian or reaches a
 * pole). The search visits the grid's cells that the disk can reach, nearest first (rings around
 * the point's cell), skipping any cell whose proven lower bound on distance (plane, then chord for
 * wide disks) exceeds the largest r_z, and any child grid that holds no edge of an undecided zone
 * (every grid keeps the set of zones with edges in it). In a leaf it measures the edges of the
 * undecided zones' tests, and a uniform cell partly inside the disk whose membership differs from
 * the centre's settles that zone at once. It stops as soon as every zone is settled.
 *
 * Poles and the antimeridian. The grid is lon/lat, -180..180. A disk that crosses the antimeridian
 * is searched twice: as it lies, clipped at the grid's edge, and with its centre's longitude
 * shifted by 360 degrees, which brings the part beyond the antimeridian onto the grid with the
 * short longitude difference. A disk that reaches a pole (or wraps around the earth) is searched
 * over all longitudes with latitude and chords bounding distance: correct, slower, and met only
 * within a radius of the poles. Lines the lon/lat representation forces on a zone are no border
 * ("cuts": they count for membership, never for distance): an edge along a pole, and where the data
 * cut a zone at the antimeridian (Natural Earth cuts Russia there), the parts of its edges on one
 * side of the antimeridian that its edges on the other side match; what only one side has is a
 * border.
 *
 * Ownership and threads: the locator copies what it needs from the geometries and keeps no
 * reference to them. After cav__locator_new returns it is never modified, so any number of
 * threads may query it at once; no query allocates.
 */
#include "geo/locate_impl.h"

#include "core/num.h"

#include <math.h>
#include <string.h>

#define LOC_MAX_RADIUS 2.1e7 /* metres: beyond any geodesic distance on the earth */

/* The look-up's steps are inlined into cav__locator_find and cav__locator_find3 whatever the
 * compiler's size heuristics say: a call and return are a measurable share of 15 ns. */
#if defined(__GNUC__)
#define LOC_INLINE static inline __attribute__((always_inline))
#else
#define LOC_INLINE static inline
#endif

/* max without libm's fmax, which compilers call rather than inline (it must honour
 * NaN); none of the values it gets is NaN. */
LOC_INLINE double max2(double a, double b) {
    return a > b ? a : b;
}

/* Clears a set of `words` words; a pack rarely has more than 64 zones, and a call to memset (which
 * compilers make of the loop) costs more than the store. */
LOC_INLINE void clear_set(uint64_t *set, int words) {
    if (words == 1)
        set[0] = 0;
    else
        for (int i = 0; i < words; i++)
            set[i] = 0;
}

/* ---- membership ---------------------------------------------------------------------------- */

/* The crossing-number answer of one test for (px, py): 1 inside or on the boundary, 0 outside. */
static inline int test_point(const cav_locator *loc, const loc_test *t, double px, double py) {
    unsigned parity = t->base;
    const double *f = loc->flips + t->flips;
    for (uint32_t i = 0; i < t->nflips; i++)
        parity ^= (unsigned)(f[i] <= py);
    const loc_edge *e = loc->edges + t->edges;
    for (uint32_t i = 0; i < t->nedges; i++, e++) {
        if (py >= e->ly && py < e->hy) {
            double x = e->lx + (py - e->ly) * (e->hx - e->lx) / (e->hy - e->ly);
            if (px < x)
                parity ^= 1u;
            else if (px == x)
                return 1;
        } else if (py == e->hy) {
            if (px == e->hx)
                return 1;
            if (e->ly == e->hy && px >= fmin(e->lx, e->hx) && px <= fmax(e->lx, e->hx))
                return 1;
        }
    }
    return (int)(parity & 1u);
}

/* The leaf holding (lat, lon), which must lie in the grid's box. */
LOC_INLINE const loc_leaf *descend(const cav_locator *loc, double lat, double lon) {
    const loc_node *node = loc->nodes;
    uint32_t entry;
    for (;;) {
        int32_t col = (int32_t)((lon - node->x0) * node->inv_cw);
        int32_t row = (int32_t)((lat - node->y0) * node->inv_ch);
        col = col < 0 ? 0 : col >= node->nx ? node->nx - 1 : col;
        row = row < 0 ? 0 : row >= node->ny ? node->ny - 1 : row;
        entry = loc->cells[node->cells + (uint32_t)(row * node->nx + col)];
        if (!(entry & LOC_CHILD))
            break;
        node = loc->nodes + (entry & ~LOC_CHILD);
    }
    return loc->leaves + entry;
}

/* The leaf holding (lat, lon), which must lie in the grid's box, and the point's sub-cell of it
 * (8 * row + col of the leaf's cell cut 8 x 8; see loc_leaf). */
LOC_INLINE const loc_leaf *descend_sub(const cav_locator *loc, double lat, double lon, int *sub) {
    const loc_node *node = loc->nodes;
    uint32_t entry;
    double u, v;
    int32_t col, row;
    for (;;) {
        u = (lon - node->x0) * node->inv_cw;
        v = (lat - node->y0) * node->inv_ch;
        col = (int32_t)u;
        row = (int32_t)v;
        col = col < 0 ? 0 : col >= node->nx ? node->nx - 1 : col;
        row = row < 0 ? 0 : row >= node->ny ? node->ny - 1 : row;
        entry = loc->cells[node->cells + (uint32_t)(row * node->nx + col)];
        if (!(entry & LOC_CHILD))
            break;
        node = loc->nodes + (entry & ~LOC_CHILD);
    }
    int sx = (int)((u - col) * 8), sy = (int)((v - row) * 8);
    sx = sx < 0 ? 0 : sx > 7 ? 7 : sx;
    sy = sy < 0 ? 0 : sy > 7 ? 7 : sy;
    *sub = 8 * sy + sx;
    return loc->leaves + entry;
}

/* Writes the membership of (lat, lon) in leaf into bits. */
LOC_INLINE void leaf_members(const cav_locator *loc, const loc_leaf *leaf, double lat, double lon,
                             uint64_t *bits) {
    const uint64_t *b = loc->bits + leaf->bits;
    for (int i = 0; i < loc->words; i++)
        bits[i] = b[i];
    const loc_test *t = loc->tests + leaf->tests;
    for (uint32_t i = 0; i < leaf->ntests; i++, t++) {
        if (test_point(loc, t, lon, lat))
            bits[t->zone >> 6] |= (uint64_t)1 << (t->zone & 63);
    }
}

static inline int in_box(const cav_locator *loc, double lat, double lon) {
    return !loc->empty && lon >= loc->x0 && lon <= loc->x1 && lat >= loc->y0 && lat <= loc->y1;
}

/* Writes the zones containing (lat, lon) into bits (see geo.h). Allocation-free. */
void cav__locator_find(const cav_locator *loc, double lat, double lon, uint64_t *bits) {
    if (!in_box(loc, lat, lon)) {
        clear_set(bits, loc->words);
        return;
    }
    leaf_members(loc, descend(loc, lat, lon), lat, lon, bits);
}

/* ---- distance to edges --------------------------------------------------------------------- */

/* 1 when one of the edges e[0..n) comes within r metres of the frame's point, else 0. lo and hi
 * are the frame's bounds factors for r or any larger threshold. Measured inner loop: the plane
 * settles nearly every edge; the chords (a few tens of nanoseconds an edge) and then the exact
 * geodesic (microseconds) run only for the edges the plane leaves open, and only when no edge
 * settled the question first. */
static int edges_within(const cav_locator *loc, const cav_geo_frame *f, double lo, double hi,
                        const loc_edge *e, uint32_t n, double r) {
    double in = r / hi, out = lo > 0 ? r / lo : INFINITY;
    double in2 = in * in, out2 = out * out;
    int hit = 0, near = 0;
    for (uint32_t i = 0; i < n; i++) { /* no early exit: a branch per edge costs more */
        double dd, num = cav__geo_plane_num(f, e[i].lx, e[i].ly, e[i].hx, e[i].hy, &dd);
        hit |= num < in2 * dd;
        near |= num <= out2 * dd;
    }
    if (hit)
        return 1;
    if (!near)
        return 0;
    /* some edge lies between the plane's bounds: chords, then exact geodesics */
    double gap = r / CAV_M_MIN_PER_DEG; /* a latitude gap this large is at least r */
    double p[3];
    cav__geo_ecef(f->lat, f->lon, p);
    int open = 0;
    for (uint32_t i = 0; i < n; i++) {
        double clo, chi;
        if (cav__geo_plane_dist2(f, e[i].lx, e[i].ly, e[i].hx, e[i].hy) > out2 ||
            e[i].ly - f->lat >= gap || f->lat - e[i].hy >= gap)
            continue;
        cav__geo_chord_bounds(p, e[i].lx, e[i].ly, e[i].hx, e[i].hy, &clo, &chi);
        if (chi < r)
            return 1;
        open |= clo < r;
    }
    for (uint32_t i = 0; open && i < n; i++) {
        double clo, chi;
        if (cav__geo_plane_dist2(f, e[i].lx, e[i].ly, e[i].hx, e[i].hy) > out2 ||
            e[i].ly - f->lat >= gap || f->lat - e[i].hy >= gap)
            continue;
        cav__geo_chord_bounds(p, e[i].lx, e[i].ly, e[i].hx, e[i].hy, &clo, &chi);
        if (clo < r && cav__geo_segment(&loc->geod, f, e[i].lx, e[i].ly, e[i].hx, e[i].hy) < r)
            return 1;
    }
    return 0;
}

/* The radius-0 answer for a leaf with near edges: membership, then every zone with a precision
 * whose edges come within it of (lat, lon). The frame is set up first: it depends on the point
 * alone, so the processor computes it while the leaf's tests and edges are still on their way
 * from memory. */
static void near_find3(const cav_locator *loc, const loc_leaf *leaf, double lat, double lon,
                       uint64_t *in, uint64_t *unsure) {
    cav_geo_frame f;
    cav__geo_frame(&f, lat, lon);
    leaf_members(loc, leaf, lat, lon, in);
    const loc_test *t = loc->tests + leaf->tests;
    uint32_t n = leaf->nnear & ~LOC_WIDE, first = UINT32_MAX, count = 0;
    double last = -1, lo = 1, hi = 1;
    int within = 0;
    for (uint32_t i = 0; i < n; i++, t++) {
        if (!t->nnear)
            continue;
        double p = loc->prec[t->zone];
        uint32_t e = t->edges + t->ncut;
        if (p != last) {
            cav__geo_bounds(&f, p, &lo, &hi);
            last = p;
            first = UINT32_MAX;
        }
        /* two zones on either side of one border often share the cell's near list (the builder
         * stores equal lists once): the answer is the same */
        if (e != first || t->nnear != count) {
            within = edges_within(loc, &f, lo, hi, loc->edges + e, t->nnear, p);
            first = e;
            count = t->nnear;
        }
        if (within)
            unsure[t->zone >> 6] |= (uint64_t)1 << (t->zone & 63);
    }
}

/* ---- the disk search ----------------------------------------------------------------------- */

/* One search: the centre, the radii, the bounds, the box of the current pass, and the answer so
 * far. A zone is open while it is eligible (has a boundary, and a radius above 0) and not yet
 * found unsure. */
typedef struct disk {
    const cav_locator *loc;
    cav_geo_frame f;      /* at the centre; its longitude shifted by 360 in a wrapped pass */
    double r;             /* the query's radius */
    double R;             /* the largest r_z */
    double lo, hi;        /* bounds factors for R */
    double p[3];          /* the centre, earth-centred */
    double lat0, lat1;    /* the pass's box, degrees */
    double lon0, lon1;    /*   (longitudes in the pass's frame) */
    const uint64_t *in;   /* the centre's membership */
    const uint64_t *elig; /* zones that can become unsure */
    uint64_t *unsure;     /* the answer */
    int open;             /* zones still open */
} disk;

static inline int is_open(const disk *d, uint32_t z) {
    return ((d->elig[z >> 6] & ~d->unsure[z >> 6]) >> (z & 63)) & 1u;
}

static inline void settle(disk *d, uint32_t z) {
    d->unsure[z >> 6] |= (uint64_t)1 << (z & 63);
    d->open--;
}

static inline double zone_radius(const disk *d, uint32_t z) {
    return max2(d->r, d->loc->prec[z]);
}

/* Visits one leaf whose cell is at plane distance d0 and at least lb metres from the centre. */
static void visit_leaf(disk *d, const loc_leaf *leaf, double d0, double lb) {
    const cav_locator *loc = d->loc;
    const loc_test *t = loc->tests + leaf->tests;
    for (uint32_t i = 0; i < leaf->ntests; i++, t++) {
        if (t->nedges == t->ncut || !is_open(d, t->zone) || lb >= zone_radius(d, t->zone))
            continue;
        if (edges_within(loc, &d->f, d->lo, d->hi, loc->edges + t->edges + t->ncut,
                         t->nedges - t->ncut, zone_radius(d, t->zone))) {
            settle(d, t->zone);
            if (!d->open)
                return;
        }
    }
    /* a cell uniformly on the other side of a zone's boundary from the centre, with a point
     * (its nearest) inside the disk: the boundary runs between */
    if (!(d0 * d->hi < d->R))
        return;
    const uint64_t *b = loc->bits + leaf->bits;
    for (int w = 0; w < loc->words; w++) {
        uint64_t diff = (b[w] ^ d->in[w]) & d->elig[w] & ~d->unsure[w];
        t = loc->tests + leaf->tests;
        for (uint32_t i = 0; diff && i < leaf->ntests; i++, t++) /* tested zones: bit means 0 */
            if ((int)(t->zone >> 6) == w)
                diff &= ~((uint64_t)1 << (t->zone & 63));
        for (uint32_t k = 0; diff && k < 64; k++) {
            uint32_t z = (uint32_t)w * 64 + k;
            if (((diff >> k) & 1u) && d0 * d->hi < zone_radius(d, z)) {
                diff &= ~((uint64_t)1 << k);
                settle(d, z);
            }
        }
    }
}

/* 1 when the grid holds edges of a zone still open. */
static int node_open(const disk *d, const loc_node *node) {
    const uint64_t *z = d->loc->bits + node->zones;
    for (int w = 0; w < d->loc->words; w++)
        if (z[w] & d->elig[w] & ~d->unsure[w])
            return 1;
    return 0;
}

static void visit_node(disk *d, const loc_node *node);

/* A lower bound in metres on the geodesic distance from the centre to the cell [x0, x1] x [y0,
 * y1]: the chord to its middle, less the farthest a point of the cell can be from its middle (a
 * lon/lat-straight path to a corner, with the largest radii over the cell). */
static double cell_chord(const disk *d, double x0, double y0, double x1, double y1) {
    double mid[3], m, c;
    cav__geo_ecef((y0 + y1) / 2, (x0 + x1) / 2, mid);
    double eq = y0 > 0 ? y0 : y1 < 0 ? -y1 : 0; /* the latitude nearest the equator */
    cav__geo_radii(eq, &m, &c);
    double hy = CAV_WGS84_M_MAX * (y1 - y0) / 2 * CAV_DEG, hx = c * (x1 - x0) / 2 * CAV_DEG;
    double dx = d->p[0] - mid[0], dy = d->p[1] - mid[1], dz = d->p[2] - mid[2];
    return sqrt(dx * dx + dy * dy + dz * dz) - sqrt(hx * hx + hy * hy) * (1 + 1e-9) - 1e-3;
}

/* Visits cell (col, row) of node unless it is out of reach. */
static void visit_cell(disk *d, const loc_node *node, int32_t col, int32_t row) {
    double cx0 = node->x0 + col * node->cw, cx1 = node->x0 + (col + 1) * node->cw;
    double cy0 = node->y0 + row * node->ch, cy1 = node->y0 + (row + 1) * node->ch;
    double gx = max2(0, max2(cx0 - d->f.lon, d->f.lon - cx1)) * d->f.kx;
    double gy = max2(0, max2(cy0 - d->f.lat, d->f.lat - cy1));
    double d0 = sqrt(gx * gx + gy * d->f.ky * gy * d->f.ky);
    double lb = max2(d->lo * d0, gy * CAV_M_MIN_PER_DEG);
    if (lb >= d->R)
        return;
    if (d0 * d->hi >= d->R) { /* the plane cannot tell (wide disks): the chord to the cell */
        lb = max2(lb, cell_chord(d, cx0, cy0, cx1, cy1));
        if (lb >= d->R)
            return;
    }
    uint32_t entry = d->loc->cells[node->cells + (uint32_t)(row * node->nx + col)];
    if (entry & LOC_CHILD) {
        const loc_node *child = d->loc->nodes + (entry & ~LOC_CHILD);
        if (node_open(d, child))
            visit_node(d, child);
    } else {
        visit_leaf(d, d->loc->leaves + entry, d0, lb);
    }
}

/* Visits the cells of node inside the pass's box, in rings around the centre's cell, so that the
 * near edges that usually settle a zone come first. Stops when no zone is open. */
static void visit_node(disk *d, const loc_node *node) {
    double fc0 = floor((d->lon0 - node->x0) * node->inv_cw);
    double fc1 = floor((d->lon1 - node->x0) * node->inv_cw);
    double fr0 = floor((d->lat0 - node->y0) * node->inv_ch);
    double fr1 = floor((d->lat1 - node->y0) * node->inv_ch);
    if (fc1 < 0 || fr1 < 0 || fc0 > node->nx - 1 || fr0 > node->ny - 1)
        return;
    int32_t c0 = fc0 < 0 ? 0 : (int32_t)fc0, c1 = fc1 > node->nx - 1 ? node->nx - 1 : (int32_t)fc1;
    int32_t r0 = fr0 < 0 ? 0 : (int32_t)fr0, r1 = fr1 > node->ny - 1 ? node->ny - 1 : (int32_t)fr1;
    double pcf = floor((d->f.lon - node->x0) * node->inv_cw);
    double prf = floor((d->f.lat - node->y0) * node->inv_ch);
    int32_t pc = pcf < c0 ? c0 : pcf > c1 ? c1 : (int32_t)pcf;
    int32_t pr = prf < r0 ? r0 : prf > r1 ? r1 : (int32_t)prf;
    int32_t kmax = pc - c0;
    kmax = c1 - pc > kmax ? c1 - pc : kmax;
    kmax = pr - r0 > kmax ? pr - r0 : kmax;
    kmax = r1 - pr > kmax ? r1 - pr : kmax;
    for (int32_t k = 0; k <= kmax; k++) {
        for (int32_t row = pr - k; row <= pr + k; row++) {
            if (row < r0 || row > r1)
                continue;
            int edge_row = row == pr - k || row == pr + k;
            for (int32_t col = pc - k; col <= pc + k; col += edge_row || k == 0 ? 1 : 2 * k) {
                if (col < c0 || col > c1)
                    continue;
                visit_cell(d, node, col, row);
                if (!d->open)
                    return;
            }
        }
    }
}

/* Sets unsure for every eligible zone whose boundary comes within its r_z of (lat, lon), given
 * the centre's membership in. */
static void disk_search(const cav_locator *loc, double lat, double lon, double r,
                        const uint64_t *in, uint64_t *unsure) {
    disk d = {.loc = loc, .r = r, .in = in, .unsure = unsure};
    d.elig = r > 0 ? loc->edged : loc->imprecise;
    d.open = r > 0 ? loc->nedged : loc->nimprecise;
    d.R = fmax(r, loc->max_prec);
    if (!d.open || loc->empty || !(d.R > 0))
        return;
    cav__geo_frame(&d.f, lat, lon);
    cav__geo_bounds(&d.f, d.R, &d.lo, &d.hi);
    cav__geo_ecef(lat, lon, d.p);
    double wlat = d.R / CAV_M_MIN_PER_DEG;
    double wlon = d.lo > 0 ? d.R / (d.lo * d.f.kx) : INFINITY;
    d.lat0 = lat - wlat;
    d.lat1 = lat + wlat;
    if (d.lat0 <= -90 || d.lat1 >= 90 || !(wlon < 180)) {
        /* a pole is in reach or the disk wraps the earth: every longitude, and only latitude
         * gaps and chords bound distance from below (the plane's longitudes are no longer the
         * short ones) */
        d.lo = 0;
        d.lon0 = -180;
        d.lon1 = 180;
        visit_node(&d, loc->nodes);
        return;
    }
    d.lon0 = lon - wlon;
    d.lon1 = lon + wlon;
    visit_node(&d, loc->nodes);
    if (d.open && (d.lon0 < -180 || d.lon1 > 180)) { /* the part beyond the antimeridian */
        double shift = d.lon0 < -180 ? 360 : -360;
        d.f.lon += shift;
        d.lon0 += shift;
        d.lon1 += shift;
        visit_node(&d, loc->nodes);
    }
}

/* The part of cav__locator_find3 beyond the plain look-up, out of line so that the common case
 * (radius 0, no edge within a precision of the leaf) compiles as short as cav__locator_find. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void
find3_uncertain(const cav_locator *loc, const loc_leaf *leaf, double lat, double lon, double r,
                uint64_t *in, uint64_t *unsure) {
    if (r == 0 && !(leaf->nnear & LOC_WIDE)) {
        near_find3(loc, leaf, lat, lon, in, unsure);
        return;
    }
    if (leaf)
        leaf_members(loc, leaf, lat, lon, in);
    disk_search(loc, lat, lon, r < LOC_MAX_RADIUS ? r : LOC_MAX_RADIUS, in, unsure);
}

/* Membership and undecided zones of a disk (see geo.h). Allocation-free. */
void cav__locator_find3(const cav_locator *loc, double lat, double lon, double radius_m,
                        uint64_t *in, uint64_t *unsure) {
    clear_set(unsure, loc->words);
    const loc_leaf *leaf = NULL;
    if (in_box(loc, lat, lon)) {
        int sub;
        leaf = descend_sub(loc, lat, lon, &sub);
        /* radius 0 (or NaN, or negative): the grid's box holds every point within a precision of
         * an edge, a leaf lists every edge within a precision of it, and its near mask says in
         * which eighth by eighth of it there are any (unless its widening wraps the map) */
        if (!(radius_m > 0) &&
            (!leaf->nnear ||
             (leaf->nnear < LOC_WIDE && !((loc->masks[leaf - loc->leaves] >> sub) & 1u)))) {
            leaf_members(loc, leaf, lat, lon, in);
            return;
        }
    } else {
        clear_set(in, loc->words);
        if (!(radius_m > 0 && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
            return;
    }
    find3_uncertain(loc, leaf, lat, lon, radius_m > 0 ? radius_m : 0, in, unsure);
}

/* ---- distance to one zone ------------------------------------------------------------------ */

/* The multiple of 360 degrees to add to edge e's longitudes to bring it nearest lon. */
static double wrap_shift(const loc_edge *e, double lon) {
    double mid = (e->lx + e->hx) / 2;
    return mid - lon > 180 ? -360 : mid - lon < -180 ? 360 : 0;
}

/* One edge's distance from the point: exact (lo = hi, cav__geo_segment), or only bounded by its
 * chord (cav__geo_chord_bounds, a small fraction of the cost). */
static void measure(const cav_locator *loc, const cav_geo_frame *f, const double p[3], int exact,
                    double ax, double ay, double bx, double by, double *lo, double *hi) {
    if (exact)
        *lo = *hi = cav__geo_segment(&loc->geod, f, ax, ay, bx, by);
    else
        cav__geo_chord_bounds(p, ax, ay, bx, by, lo, hi);
}

/* Metres from (lat, lon) to zone's boundary, exact (*lo = *hi, see geo.h) or bounded (lo <= the
 * geodesic distance <= hi); -1 when there is none. Scans the zone's edges: the plane finds the
 * nearest one, whose distance (its upper bound) becomes the bound to beat; an edge is measured
 * only if neither the plane's bounds (where the edge is the short way round), nor its latitude
 * gap, nor its chord rules it out. An edge ruled out is no nearer than the bound, which is no
 * nearer than the nearest edge measured, so the smallest bounds of the edges measured bound the
 * distance. */
static int zone_distance(const cav_locator *loc, int zone, double lat, double lon, int exact,
                         double *lo_out, double *hi_out) {
    if (!loc || zone < 0 || zone >= loc->nzones || loc->empty || loc->zreal[zone] == 0 ||
        !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
        return -1;
    cav_geo_frame f;
    cav__geo_frame(&f, lat, lon);
    double p[3];
    cav__geo_ecef(lat, lon, p);
    /* A point closer to an imprecise zone's edge than its precision: the leaf's near list holds
     * every edge of the zone within the precision of the cell, so the nearest of them, if within
     * the precision, is the nearest of all. Explanations and `where` measure exactly these points
     * (the undecided ones), and a leaf's list is a few edges where the zone has thousands. */
    if (loc->prec[zone] > 0 && in_box(loc, lat, lon)) {
        int sub;
        const loc_leaf *leaf = descend_sub(loc, lat, lon, &sub);
        const loc_test *t = loc->tests + leaf->tests;
        uint32_t n = leaf->nnear & ~LOC_WIDE;
        for (uint32_t i = 0; i < n && !(leaf->nnear & LOC_WIDE); i++, t++)
            if (t->zone == (uint32_t)zone && t->nnear) {
                const loc_edge *e = loc->edges + t->edges + t->ncut;
                double lo = INFINITY, hi = INFINITY;
                for (uint32_t k = 0; k < t->nnear; k++) {
                    double s = wrap_shift(&e[k], lon), a, b;
                    measure(loc, &f, p, exact, e[k].lx + s, e[k].ly, e[k].hx + s, e[k].hy, &a, &b);
                    lo = fmin(lo, a);
                    hi = fmin(hi, b);
                }
                if (hi <= loc->prec[zone]) {
                    *lo_out = lo;
                    *hi_out = hi;
                    return 0;
                }
                break;
            }
    }
    const loc_edge *e = loc->zedges + loc->zfirst[zone];
    uint32_t n = loc->zreal[zone], nearest = 0;
    double dmin = INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        double s = wrap_shift(&e[i], lon);
        double d2 = cav__geo_plane_dist2(&f, e[i].lx + s, e[i].ly, e[i].hx + s, e[i].hy);
        if (d2 < dmin) {
            dmin = d2;
            nearest = i;
        }
    }
    double sh = wrap_shift(&e[nearest], lon), least, best;
    measure(loc, &f, p, exact, e[nearest].lx + sh, e[nearest].ly, e[nearest].hx + sh, e[nearest].hy,
            &least, &best);
    if (!exact && !(best < INFINITY)) /* a chord too long to bound the arc: measure exactly */
        return zone_distance(loc, zone, lat, lon, 1, lo_out, hi_out);
    double lo, hi, bounded = best;
    cav__geo_bounds(&f, best, &lo, &hi);
    for (uint32_t i = 0; i < n && best > 0; i++) {
        double s = wrap_shift(&e[i], lon), ax = e[i].lx + s, bx = e[i].hx + s;
        if (i == nearest || e[i].ly - lat >= best / CAV_M_MIN_PER_DEG ||
            lat - e[i].hy >= best / CAV_M_MIN_PER_DEG)
            continue;
        /* the plane's bound holds where every point of the edge is the short way round */
        if (fabs(ax - lon) <= 180 && fabs(bx - lon) <= 180 &&
            cav__geo_plane_dist2(&f, ax, e[i].ly, bx, e[i].hy) * lo * lo >= best * best)
            continue;
        double clo, chi;
        cav__geo_chord_bounds(p, ax, e[i].ly, bx, e[i].hy, &clo, &chi);
        if (clo >= best)
            continue;
        double a = clo, b = chi;
        if (exact)
            a = b = cav__geo_segment(&loc->geod, &f, ax, e[i].ly, bx, e[i].hy);
        least = fmin(least, a);
        if (b < best) {
            best = b;
            if (best < 0.9 * bounded) { /* tighter plane bounds for the rest */
                cav__geo_bounds(&f, best, &lo, &hi);
                bounded = best;
            }
        }
    }
    *lo_out = fmin(least, best);
    *hi_out = best;
    return 0;
}

double cav__locator_distance(const cav_locator *loc, int zone, double lat, double lon) {
    double lo, hi;
    return zone_distance(loc, zone, lat, lon, 1, &lo, &hi) == 0 ? hi : -1;
}

int cav__locator_distance_bounds(const cav_locator *loc, int zone, double lat, double lon,
                                 double *lo, double *hi) {
    if (zone_distance(loc, zone, lat, lon, 0, lo, hi) != 0)
        return -1;
    /* bounds on what cav__locator_distance returns: its Newton steps stop within 1e-6 of the
     * minimum (cav__geo_segment), above it */
    *lo = fmax(0, *lo - 1e-6);
    *hi = *hi * (1 + 2e-6) + 1e-6;
    return 0;
}

int cav__km_decimals(double km, int json) {
    return json ? 2 : km < 10 ? 1 : 0;
}

double cav__locator_edge_km(const cav_locator *loc, int zone, double lat, double lon, int json,
                            double *exact_m) {
    double lo, hi;
    if (cav__locator_distance_bounds(loc, zone, lat, lon, &lo, &hi) != 0)
        return -1;
    char a[64], b[64];
    lo /= 1000.0;
    hi /= 1000.0;
    int na = cav__format_fixed(lo, cav__km_decimals(lo, json), a, sizeof a);
    int nb = cav__format_fixed(hi, cav__km_decimals(hi, json), b, sizeof b);
    if (na > 0 && na == nb && (size_t)na < sizeof a && memcmp(a, b, (size_t)na) == 0)
        return lo;
    double m = exact_m && !isnan(*exact_m) ? *exact_m : cav__locator_distance(loc, zone, lat, lon);
    if (exact_m)
        *exact_m = m;
    return m < 0 ? -1 : m / 1000.0;
}

/* ---- sizes ----------------------------------------------------------------------------------- */

/* Number of 64-bit words in a membership set. */
int cav__locator_words(const cav_locator *loc) {
    return loc->words;
}

/* Bytes held by the locator, structure and tables. */
size_t cav__locator_bytes(const cav_locator *loc) {
    return sizeof *loc + (size_t)loc->nzones * (sizeof *loc->prec + 2 * sizeof *loc->zfirst) +
           2 * (size_t)loc->words * sizeof *loc->edged + loc->nzedges * sizeof *loc->zedges +
           loc->nnodes * sizeof *loc->nodes + loc->ncells * sizeof *loc->cells +
           loc->nleaves * sizeof *loc->leaves +
           (loc->masks ? loc->nleaves * sizeof *loc->masks : 0) + loc->ntests * sizeof *loc->tests +
           loc->nedges * sizeof *loc->edges + loc->nflips * sizeof *loc->flips +
           loc->nbits * sizeof *loc->bits;
}
