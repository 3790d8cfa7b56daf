/* test_geo_locate_disk.c — the locator's three-valued membership and edge distances against a
 * brute-force reference.
 *
 * The reference knows nothing of the locator's grid, planes or bounds: it takes every edge of a
 * zone from GEOS, measures geodesic distance on WGS84 with PROJ's geod_inverse at points sampled
 * along the edge (straight in lon/lat) and refines the best sample by golden-section search, and
 * prunes edges only by a chord bound (a straight line through the earth is never longer than a
 * path over it). Its only shared rule is the one about cuts: the parts of the zone's edges on the
 * antimeridian that its edges on the other side cover too (where the data cut a zone spanning
 * it), and edges along a pole, are not boundary.
 *
 * Checked, for every zone z of each zone set and every point:
 *  - cav__locator_find3's `in` equals cav__locator_find;
 *  - `unsure` agrees with "reference distance < r_z = max(radius, precision_z)" wherever the
 *    reference distance differs from r_z by more than 0.5 %, for the point's own radius and for
 *    radii 0.6 % to 5 % either side of each zone's reference distance (where a loose bound would
 *    show);
 *  - cav__locator_distance is within 0.5 % of the reference distance.
 * Zone sets: the pack-like set (UA, RU, BY at full 1:10m, the 30 km border strip, a box, a circle,
 * RU minus the strip) with Natural Earth precision on the boundary-made zones; boxes, a concave
 * polygon, a box with a hole; boxes across the antimeridian; a polar cap; 70 overlapping zones
 * (two-word sets); two stars of 60 long spikes. Points: random, near edges and vertices (1 cm to 5
 * km off), in holes, across the antimeridian, near the pole; radii 0 (a third) and 1 m to 1000 km.
 * Also known cases, a far distance (Moscow to zones near Kharkiv) and invalid input.
 * CAV_GEO_REF_POINTS scales the number of points (default 300 per set).
 */
#include "../geo/zone_set.h"
#include "core/num.h"
#include "geo/geo.h"

#include "check.h"

#include <geodesic.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WGS84_A 6378137.0
#define WGS84_F (1 / 298.257223563)
#define DEG 0.017453292519943295

static struct geod_geodesic geod;
static uint64_t rng_state = 0x853c49e6748fea9bu;

/* xorshift64*: a fixed sequence, so failures reproduce. */
static double uniform(double lo, double hi) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t r = rng_state * 2685821657736338717u;
    return lo + (hi - lo) * ((double)(r >> 11) / 9007199254740992.0);
}

/* ---- the reference ------------------------------------------------------------------------- */

/* One edge, (ax, ay)-(bx, by) in lon/lat, with its midpoint in earth-centred coordinates and a
 * bound on the distance along the edge from the midpoint to its farther end. */
typedef struct ref_edge {
    double ax, ay, bx, by;
    double mx, my, mz, half;
} ref_edge;

typedef struct ref_zone {
    ref_edge *e;
    size_t n, cap;
} ref_zone;

/* Earth-centred, earth-fixed coordinates of a point on the ellipsoid, metres. */
static void ecef(double lat, double lon, double *x, double *y, double *z) {
    double e2 = WGS84_F * (2 - WGS84_F), s = sin(lat * DEG), c = cos(lat * DEG);
    double n = WGS84_A / sqrt(1 - e2 * s * s);
    *x = n * c * cos(lon * DEG);
    *y = n * c * sin(lon * DEG);
    *z = n * (1 - e2) * s;
}

static void ref_push(ref_zone *z, double ax, double ay, double bx, double by) {
    if (z->n == z->cap) {
        z->cap = z->cap ? 2 * z->cap : 256;
        z->e = realloc(z->e, z->cap * sizeof *z->e);
        if (!z->e)
            abort();
    }
    ref_edge *e = &z->e[z->n++];
    *e = (ref_edge){.ax = ax, .ay = ay, .bx = bx, .by = by};
    ecef((ay + by) / 2, (ax + bx) / 2, &e->mx, &e->my, &e->mz);
    /* the edge's length is at most sqrt((M dlat)^2 + (c dlon)^2) with the largest radii on it */
    double m_max = WGS84_A / sqrt(1 - WGS84_F * (2 - WGS84_F));
    double eq = (ay > 0) == (by > 0) ? fmin(fabs(ay), fabs(by)) : 0;
    double len = hypot(m_max * (by - ay) * DEG, m_max * cos(eq * DEG) * (bx - ax) * DEG);
    e->half = len / 2 * 1.000001 + 1e-3;
}

static void ref_collect(GEOSContextHandle_t h, const GEOSGeometry *g, ref_zone *z) {
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            ref_collect(h, GEOSGetGeometryN_r(h, g, i), z);
        return;
    }
    if (t != GEOS_POLYGON || GEOSisEmpty_r(h, g) == 1)
        return;
    for (int r = -1; r < GEOSGetNumInteriorRings_r(h, g); r++) {
        const GEOSGeometry *ring =
            r < 0 ? GEOSGetExteriorRing_r(h, g) : GEOSGetInteriorRingN_r(h, g, r);
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
        unsigned n = 0;
        GEOSCoordSeq_getSize_r(h, seq, &n);
        double px = 0, py = 0;
        for (unsigned i = 0; i < n; i++) {
            double x, y;
            GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
            if (i > 0 && (x != px || y != py))
                ref_push(z, px, py, x, y);
            px = x;
            py = y;
        }
    }
}

/* 1 when latitude y lies on one of z's edges on the meridian x. */
static int on_side(const ref_zone *z, double x, double y) {
    for (size_t j = 0; j < z->n; j++) {
        const ref_edge *o = &z->e[j];
        if (o->ax == x && o->bx == x && fmin(o->ay, o->by) <= y && fmax(o->ay, o->by) >= y)
            return 1;
    }
    return 0;
}

/* Drops the cuts (see the header comment), by brute force: an edge on the antimeridian is cut
 * into pieces at every end of the zone's edges on the other side, and a piece whose middle lies
 * on such an edge is dropped; so is an edge along a pole. */
static void ref_drop_cuts(ref_zone *z) {
    ref_zone out = {0};
    for (size_t i = 0; i < z->n; i++) {
        const ref_edge *e = &z->e[i];
        if (e->ay == e->by && fabs(e->ay) == 90)
            continue;
        if (e->ax != e->bx || fabs(e->ax) != 180) {
            ref_push(&out, e->ax, e->ay, e->bx, e->by);
            continue;
        }
        double hi = fmax(e->ay, e->by), y = fmin(e->ay, e->by);
        while (y < hi) {
            double next = hi; /* the next end of the other side's edges above y */
            for (size_t j = 0; j < z->n; j++) {
                const ref_edge *o = &z->e[j];
                if (o->ax == -e->ax && o->bx == -e->ax) {
                    if (o->ay > y && o->ay < next)
                        next = o->ay;
                    if (o->by > y && o->by < next)
                        next = o->by;
                }
            }
            if (!on_side(z, -e->ax, (y + next) / 2))
                ref_push(&out, e->ax, y, e->ax, next);
            y = next;
        }
    }
    free(z->e);
    *z = out;
}

static double along(double lat, double lon, const ref_edge *e, double t) {
    double s;
    geod_inverse(&geod, lat, lon, e->ay + t * (e->by - e->ay), e->ax + t * (e->bx - e->ax), &s, 0,
                 0);
    return s;
}

/* Golden-section search for the smallest distance along e for t in [a, b]. */
static double golden(double lat, double lon, const ref_edge *e, double a, double b) {
    const double g = 0.6180339887498949;
    double c = b - g * (b - a), d = a + g * (b - a), fc = along(lat, lon, e, c),
           fd = along(lat, lon, e, d);
    for (int it = 0; it < 60; it++) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = along(lat, lon, e, c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = along(lat, lon, e, d);
        }
    }
    return fmin(fc, fd);
}

/* Geodesic distance to one edge: dense samples, then golden-section search around every sample
 * that is a local minimum (an edge along a whole parallel has both ends at one point). */
static double ref_edge_dist(double lat, double lon, const ref_edge *e) {
    enum { KMAX = 416 };
    int k = 16 + (int)fmin(400, e->half / 500);
    double f[KMAX + 1], best = INFINITY;
    for (int i = 0; i <= k; i++) {
        f[i] = along(lat, lon, e, (double)i / k);
        best = fmin(best, f[i]);
    }
    for (int i = 0; i <= k; i++) {
        if ((i > 0 && f[i - 1] < f[i]) || (i < k && f[i + 1] < f[i]))
            continue;
        double a = (double)(i > 0 ? i - 1 : 0) / k, b = (double)(i < k ? i + 1 : k) / k;
        best = fmin(best, golden(lat, lon, e, a, b));
    }
    return best;
}

typedef struct keyed {
    double lb;
    size_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    double x = ((const keyed *)a)->lb, y = ((const keyed *)b)->lb;
    return (x > y) - (x < y);
}

/* Geodesic distance from (lat, lon) to the zone's boundary; INFINITY for a zone without one. */
static double ref_dist(const ref_zone *z, double lat, double lon) {
    if (!z->n)
        return INFINITY;
    keyed *k = malloc(z->n * sizeof *k);
    if (!k)
        abort();
    double px, py, pz;
    ecef(lat, lon, &px, &py, &pz);
    for (size_t i = 0; i < z->n; i++) {
        const ref_edge *e = &z->e[i];
        k[i].lb = sqrt((px - e->mx) * (px - e->mx) + (py - e->my) * (py - e->my) +
                       (pz - e->mz) * (pz - e->mz)) -
                  e->half;
        k[i].i = i;
    }
    qsort(k, z->n, sizeof *k, cmp_keyed);
    double best = INFINITY;
    for (size_t i = 0; i < z->n && k[i].lb < best; i++)
        best = fmin(best, ref_edge_dist(lat, lon, &z->e[k[i].i]));
    free(k);
    return best;
}

/* ---- checking a zone set ------------------------------------------------------------------- */

typedef struct zone_set_ref {
    const char *name;
    int n;
    GEOSGeometry **geoms;
    double *prec;
    ref_zone *ref;
    cav_locator *loc;
} zone_set_ref;

static void set_init(GEOSContextHandle_t h, zone_set_ref *s, const char *name, int n,
                     GEOSGeometry **geoms, const double *prec) {
    s->name = name;
    s->n = n;
    s->geoms = geoms;
    s->prec = malloc((size_t)n * sizeof *s->prec);
    s->ref = calloc((size_t)n, sizeof *s->ref);
    if (!s->prec || !s->ref)
        abort();
    for (int z = 0; z < n; z++) {
        s->prec[z] = prec ? prec[z] : 0;
        ref_collect(h, geoms[z], &s->ref[z]);
        ref_drop_cuts(&s->ref[z]);
    }
    s->loc = cav__locator_new(h, (const GEOSGeometry *const *)geoms, s->prec, n, NULL);
    CHECK(s->loc != NULL);
}

static void set_free(GEOSContextHandle_t h, zone_set_ref *s) {
    cav__locator_free(s->loc);
    for (int z = 0; z < s->n; z++) {
        free(s->ref[z].e);
        GEOSGeom_destroy_r(h, s->geoms[z]);
    }
    free(s->ref);
    free(s->prec);
}

static long n_checked, n_unsure, n_sure, n_band, n_dist;
static long n_border_dist, n_border_tight; /* distances under 10 km to real borders; bounded
                                              within 10 m */

/* Checks find3's answers at one point and radius against the reference distances ref[]. */
static void check_radius(const zone_set_ref *s, double lat, double lon, double radius,
                         const double *ref) {
    uint64_t in[2] = {0, 0}, unsure[2] = {0, 0}, exact[2] = {0, 0};
    cav__locator_find(s->loc, lat, lon, exact);
    cav__locator_find3(s->loc, lat, lon, radius, in, unsure);
    for (int w = 0; w < cav__locator_words(s->loc); w++)
        CHECK(in[w] == exact[w]);
    for (int z = 0; z < s->n; z++) {
        double rz = fmax(radius, s->prec[z]);
        int got = (int)((unsure[z >> 6] >> (z & 63)) & 1u);
        n_checked++;
        if (fabs(ref[z] - rz) <= 0.005 * rz && rz > 0) {
            n_band++;
            continue;
        }
        int want = ref[z] < rz;
        n_unsure += want;
        n_sure += !want;
        if (got != want) {
            CHECK(got == want);
            fprintf(stderr,
                    "%s zone %d at %.9f %.9f radius %.3f: unsure %d, reference distance %.3f"
                    " vs r_z %.3f\n",
                    s->name, z, lat, lon, radius, got, ref[z], rz);
        }
    }
}

/* Checks find3 at one point with the given radius and, for every zone, with radii 0.6 % to 5 %
 * either side of its reference distance (where the bounds are put to the test); and
 * cav__locator_distance when asked. */
static void check_point(const zone_set_ref *s, double lat, double lon, double radius,
                        int with_distance) {
    double ref[128];
    for (int z = 0; z < s->n; z++)
        ref[z] = ref_dist(&s->ref[z], lat, lon);
    check_radius(s, lat, lon, radius, ref);
    for (int z = 0; z < s->n; z++) {
        if (isinf(ref[z]) || ref[z] < 1)
            continue;
        double u = exp(uniform(log(0.006), log(0.05)));
        check_radius(s, lat, lon, ref[z] * (1 + u), ref);
        check_radius(s, lat, lon, ref[z] * (1 - u), ref);
    }
    for (int z = 0; with_distance && z < s->n; z++) {
        double d = cav__locator_distance(s->loc, z, lat, lon), lo, hi;
        n_dist++;
        /* the chords' bounds hold the distance itself (explanations print it from them) */
        int rb = cav__locator_distance_bounds(s->loc, z, lat, lon, &lo, &hi);
        if (strncmp(s->name, "borders", 7) == 0 && d >= 0 && d < 10000) {
            n_border_dist++;
            n_border_tight += rb == 0 && hi - lo < 10;
        }
        if (d < 0 ? rb != -1 : !(rb == 0 && lo <= d && d <= hi)) {
            CHECK(d < 0 ? rb == -1 : rb == 0 && lo <= d && d <= hi);
            fprintf(stderr, "%s zone %d at %.9f %.9f: distance %.6f, bounds %d %.6f %.6f\n",
                    s->name, z, lat, lon, d, rb, lo, hi);
        }
        /* a distance written from cav__locator_edge_km reads as the exact one, in text and
         * JSON; and with an exact distance carried in, that one is used */
        for (int json = 0; json < 2 && d >= 0; json++) {
            char a[64], b[64];
            double km = cav__locator_edge_km(s->loc, z, lat, lon, json, NULL);
            cav__format_fixed(km, cav__km_decimals(km, json), a, sizeof a);
            cav__format_fixed(d / 1000, cav__km_decimals(d / 1000, json), b, sizeof b);
            if (strcmp(a, b) != 0) {
                CHECK(strcmp(a, b) == 0);
                fprintf(stderr, "%s zone %d at %.9f %.9f: edge %s km written, exact %s km\n",
                        s->name, z, lat, lon, a, b);
            }
            double carried = d, fresh = NAN;
            double k1 = cav__locator_edge_km(s->loc, z, lat, lon, json, &carried);
            double k2 = cav__locator_edge_km(s->loc, z, lat, lon, json, &fresh);
            CHECK(k1 == k2 && carried == d && (isnan(fresh) || fresh == d));
        }
        if (d < 0)
            CHECK(cav__locator_edge_km(s->loc, z, lat, lon, 1, NULL) == -1);
        if (isinf(ref[z])) {
            CHECK(d == -1);
        } else if (!(fabs(d - ref[z]) <= 0.005 * ref[z] + 1e-3)) {
            CHECK(fabs(d - ref[z]) <= 0.005 * ref[z] + 1e-3);
            fprintf(stderr, "%s zone %d at %.9f %.9f: distance %.3f, reference %.3f\n", s->name, z,
                    lat, lon, d, ref[z]);
        }
    }
}

/* A radius: 0 a third of the time, else log-uniform from 1 m to 1000 km. */
static double random_radius(void) {
    return uniform(0, 1) < 0.33 ? 0 : exp(uniform(0, log(1e6)));
}

/* A point off a random edge of a random zone: at a random place along it (or at a vertex), moved
 * 1 cm to 5 km in a random direction. */
static void near_edge(const zone_set_ref *s, double *lat, double *lon) {
    int z = (int)uniform(0, s->n);
    for (int tries = 0; !s->ref[z].n && tries < 100; tries++)
        z = (int)uniform(0, s->n);
    if (!s->ref[z].n) {
        *lat = *lon = 0;
        return;
    }
    const ref_edge *e = &s->ref[z].e[(size_t)uniform(0, (double)s->ref[z].n)];
    double t = uniform(0, 1) < 0.2 ? 0 : uniform(0, 1);
    double la = e->ay + t * (e->by - e->ay), lo = e->ax + t * (e->bx - e->ax);
    geod_direct(&geod, la, lo, uniform(-180, 180), exp(uniform(log(0.01), log(5000))), lat, lon, 0);
}

/* Runs npoints random checks on the set: half near edges, half in the box given. */
static void check_set(const zone_set_ref *s, long npoints, double lat0, double lat1, double lon0,
                      double lon1, int with_distance) {
    if (!s->loc)
        return;
    long before = n_checked;
    for (long i = 0; i < npoints; i++) {
        double lat, lon;
        if (i % 2)
            near_edge(s, &lat, &lon);
        else {
            lat = uniform(lat0, lat1);
            lon = uniform(lon0, lon1);
        }
        if (lat > 90 || lat < -90)
            continue;
        check_point(s, lat, lon, i % 4 == 1 ? uniform(0, 20000) : random_radius(), with_distance);
    }
    printf("%s: %ld zone answers checked\n", s->name, n_checked - before);
}

/* ---- zone sets ----------------------------------------------------------------------------- */

static GEOSGeometry *build(GEOSContextHandle_t h, const cav_zone_expr *e) {
    char err[256];
    GEOSGeometry *g = NULL;
    int rc = cav__zone_build(h, e, NULL, NULL, &g, err, sizeof err, NULL);
    if (rc != 0)
        fprintf(stderr, "zone build failed: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    return g;
}

static GEOSGeometry *wkt(GEOSContextHandle_t h, const char *text) {
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    CHECK(g != NULL);
    return g;
}

/* A point at distance d metres from (lat, lon) towards azimuth az. */
static void offset(double lat, double lon, double az, double d, double *olat, double *olon) {
    geod_direct(&geod, lat, lon, az, d, olat, olon, 0);
}

static int bit(const uint64_t *set, int z) {
    return (int)((set[z >> 6] >> (z & 63)) & 1u);
}

/* The brief's known cases, on an exact box and the same box with a stated precision. */
static void test_known(GEOSContextHandle_t h) {
    cav_zone_expr box = {.kind = CAV_ZONE_BOX, .num = {49.0, 35.0, 51.0, 38.0}};
    GEOSGeometry *g[2] = {build(h, &box), build(h, &box)};
    if (!g[0] || !g[1])
        return;
    double prec[2] = {0, 1000};
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)g, prec, 2, NULL);
    CHECK(loc != NULL);
    if (!loc)
        return;
    uint64_t in[1], unsure[1];
    double lat, lon;
    offset(49.0, 36.5, 0, 500, &lat, &lon); /* 500 m inside the south edge */
    cav__locator_find3(loc, lat, lon, 400, in, unsure);
    CHECK(bit(in, 0) && !bit(unsure, 0)); /* wholly inside */
    cav__locator_find3(loc, lat, lon, 600, in, unsure);
    CHECK(bit(in, 0) && bit(unsure, 0));
    cav__locator_find3(loc, lat, lon, 0, in, unsure);
    CHECK(bit(in, 0) && !bit(unsure, 0) && bit(in, 1) && bit(unsure, 1)); /* 500 m < 1000 m */
    offset(49.0, 36.5, 180, 500, &lat, &lon);                             /* 500 m outside */
    cav__locator_find3(loc, lat, lon, 400, in, unsure);
    CHECK(!bit(in, 0) && !bit(unsure, 0)); /* wholly outside */
    cav__locator_find3(loc, lat, lon, 600, in, unsure);
    CHECK(!bit(in, 0) && bit(unsure, 0));
    offset(51.0, 36.5, 180, 800, &lat, &lon); /* 800 m inside the north edge */
    cav__locator_find3(loc, lat, lon, 0, in, unsure);
    CHECK(!bit(unsure, 0) && bit(unsure, 1) && bit(in, 1));
    offset(51.0, 36.5, 180, 1200, &lat, &lon);
    cav__locator_find3(loc, lat, lon, 0, in, unsure);
    CHECK(!bit(unsure, 0) && !bit(unsure, 1) && bit(in, 1));
    offset(50.0, 38.0, 90, 800, &lat, &lon); /* 800 m east of the east edge, outside */
    cav__locator_find3(loc, lat, lon, 0, in, unsure);
    CHECK(!bit(in, 1) && bit(unsure, 1));
    CHECK(fabs(cav__locator_distance(loc, 1, lat, lon) - 800) < 4);
    /* to the meridian 38 E, slightly north of 50 N (the geodesic meets it at a right angle) */
    CHECK(fabs(cav__locator_distance(loc, 0, 50.0, 36.5) - 107536) < 5);

    /* invalid input */
    in[0] = unsure[0] = ~(uint64_t)0;
    cav__locator_find3(loc, NAN, 36, 100, in, unsure);
    CHECK(in[0] == 0 && unsure[0] == 0);
    cav__locator_find3(loc, 95, 36, 100, in, unsure);
    CHECK(in[0] == 0 && unsure[0] == 0);
    cav__locator_find3(loc, 50, 36.5, NAN, in, unsure); /* NaN radius counts as 0 */
    CHECK(bit(in, 0) && !bit(unsure, 0));
    cav__locator_find3(loc, 50, 36.5, -5, in, unsure);
    CHECK(bit(in, 0) && !bit(unsure, 0));
    cav__locator_find3(loc, 50, 36.5, INFINITY, in, unsure); /* the whole earth */
    CHECK(bit(unsure, 0) && bit(unsure, 1));
    CHECK(cav__locator_distance(loc, 2, 50, 36) == -1);
    CHECK(cav__locator_distance(loc, -1, 50, 36) == -1);
    CHECK(cav__locator_distance(loc, 0, NAN, 36) == -1);
    CHECK(cav__locator_distance(loc, 0, 49.0, 36.0) == 0);
    double lo = 1, hi = 1;
    CHECK(cav__locator_distance_bounds(loc, 2, 50, 36, &lo, &hi) == -1);
    CHECK(cav__locator_distance_bounds(loc, 0, NAN, 36, &lo, &hi) == -1);
    /* the bounds hold the distance; on these squares' long edges (degrees: their chords sag by
     * kilometres) they are kilometres apart, and a printed distance is measured exactly */
    CHECK(cav__locator_distance_bounds(loc, 0, 49.0, 36.0, &lo, &hi) == 0 && lo == 0 && hi > 0);
    double d = cav__locator_distance(loc, 0, 50.0, 36.5);
    CHECK(cav__locator_distance_bounds(loc, 0, 50.0, 36.5, &lo, &hi) == 0 && lo <= d && d <= hi &&
          hi - lo > 1000);
    cav__locator_free(loc);
    double bad[2] = {0, -1};
    CHECK(cav__locator_new(h, (const GEOSGeometry *const *)g, bad, 2, NULL) == NULL);
    bad[1] = NAN;
    CHECK(cav__locator_new(h, (const GEOSGeometry *const *)g, bad, 2, NULL) == NULL);
    bad[1] = 20000;
    CHECK(cav__locator_new(h, (const GEOSGeometry *const *)g, bad, 2, NULL) == NULL);

    /* a zone without area: never unsure, no distance */
    GEOSGeometry *line = wkt(h, "LINESTRING (36 50, 37 50)");
    const GEOSGeometry *one[1] = {line};
    double p1[1] = {1000};
    cav_locator *lz = line ? cav__locator_new(h, one, p1, 1, NULL) : NULL;
    CHECK(lz != NULL);
    if (lz) {
        cav__locator_find3(lz, 50, 36.5, 5000, in, unsure);
        CHECK(in[0] == 0 && unsure[0] == 0);
        CHECK(cav__locator_distance(lz, 0, 50, 36.5) == -1);
        cav__locator_free(lz);
    }
    GEOSGeom_destroy_r(h, line);
    GEOSGeom_destroy_r(h, g[0]);
    GEOSGeom_destroy_r(h, g[1]);
}

/* The pack-like zones with Natural Earth precision on the boundary-made ones. */
static void test_borders(GEOSContextHandle_t h, long npoints) {
    static zone_set set; /* static: its expressions point into it */
    zone_set_init(&set);
    GEOSGeometry **g = calloc(ZONE_SET_N, sizeof *g);
    for (int z = 0; g && z < ZONE_SET_N; z++)
        if (!(g[z] = build(h, set.exprs[z])))
            return;
    double prec[ZONE_SET_N] = {1000, 1000, 1000, 1000, 0, 0, 1000};
    zone_set_ref s;
    set_init(h, &s, "borders", ZONE_SET_N, g, prec);
    check_set(&s, npoints, 44, 56, 22, 42, 0);
    /* distances on fewer points: RU's is the slowest reference */
    check_set(&s, npoints / 4, 44, 56, 22, 42, 1);
    if (s.loc) {
        /* Moscow to zones near Kharkiv, and to the box's edge from far inside */
        check_point(&s, 55.7558, 37.6173, 0, 1);
        check_point(&s, 55.7558, 37.6173, 450000, 1);
        check_point(&s, 50.0, 36.5, 100000, 1);
        /* radius 0, precision 0 is the exact answer with nothing unsure; far from every edge
         * nothing is unsure either */
        uint64_t in[1], unsure[1];
        cav__locator_find3(s.loc, 62.0, 90.0, 0, in, unsure); /* Siberia */
        CHECK(unsure[0] == 0 && bit(in, 1) && bit(in, 6));
    }
    set_free(h, &s);
    free(g);
}

/* Boxes, a concave polygon, a box with a hole, exact and imprecise. */
static void test_shapes(GEOSContextHandle_t h, long npoints) {
    enum { N = 6 };
    cav_zone_expr outer = {.kind = CAV_ZONE_BOX, .num = {40.0, 20.0, 44.0, 26.0}};
    cav_zone_expr inner = {.kind = CAV_ZONE_BOX, .num = {41.0, 21.5, 42.5, 24.0}};
    cav_zone_expr holed = {.kind = CAV_ZONE_DIFF, .a = &outer, .b = &inner};
    double c[] = {41.0, 21.0, 43.5, 22.0, 42.0, 23.0, 43.8, 25.5, 40.2, 25.0};
    cav_zone_expr poly = {.kind = CAV_ZONE_POLYGON, .coords = c, .ncoords = 5};
    cav_zone_expr thin = {.kind = CAV_ZONE_BOX, .num = {42.0, 20.5, 42.001, 25.5}};
    cav_zone_expr circ = {.kind = CAV_ZONE_CIRCLE, .num = {42.0, 23.0, 60000}};
    const cav_zone_expr *e[N] = {&outer, &holed, &poly, &thin, &circ, &inner};
    GEOSGeometry **g = calloc(N, sizeof *g);
    for (int z = 0; g && z < N; z++)
        if (!(g[z] = build(h, e[z])))
            return;
    double prec[N] = {0, 1000, 0, 500, 2500, 0};
    zone_set_ref s;
    set_init(h, &s, "shapes", N, g, prec);
    check_set(&s, npoints, 39, 45, 19, 27, 1);
    for (long i = 0; i < npoints / 4; i++) /* inside the hole */
        check_point(&s, uniform(41, 42.5), uniform(21.5, 24), random_radius(), 1);
    set_free(h, &s);
    free(g);
}

/* Boxes either side of the antimeridian (one zone cut there, one not) and a polar cap. */
static void test_edges_of_the_map(GEOSContextHandle_t h, long npoints) {
    enum { N = 4 };
    GEOSGeometry **g = calloc(N, sizeof *g);
    if (!g)
        return;
    g[0] = wkt(h, "MULTIPOLYGON (((170 60, 180 60, 180 70, 170 70, 170 60)),"
                  " ((-180 62, -172 62, -172 69, -180 69, -180 62)))");
    g[1] = wkt(h, "POLYGON ((175 50, 180 50, 180 58, 175 58, 175 50))"); /* ends at 180 */
    g[2] = wkt(h, "POLYGON ((-180 80, 180 80, 180 90, -180 90, -180 80))");
    g[3] = wkt(h, "POLYGON ((-30 70, 40 70, 40 86, -30 86, -30 70))");
    double prec[N] = {1000, 0, 1000, 0};
    zone_set_ref s;
    set_init(h, &s, "antimeridian and pole", N, g, prec);
    if (s.loc) {
        uint64_t in[1], unsure[1];
        cav__locator_find3(s.loc, 65.0, 179.999, 0, in, unsure); /* on the cut: not a border */
        CHECK(bit(in, 0) && !bit(unsure, 0));
        cav__locator_find3(s.loc, 65.0, -179.999, 5000, in, unsure);
        CHECK(bit(in, 0) && !bit(unsure, 0));
        cav__locator_find3(s.loc, 55.0, 179.999, 0, in, unsure); /* a real edge on 180 */
        CHECK(bit(in, 1) && !bit(unsure, 1));
        cav__locator_find3(s.loc, 55.0, 179.99, 1000, in, unsure);
        CHECK(bit(in, 1) && bit(unsure, 1));
        cav__locator_find3(s.loc, 55.0, -179.99, 1000, in, unsure); /* across it, outside */
        CHECK(!bit(in, 1) && bit(unsure, 1));
        cav__locator_find3(s.loc, 89.9, 10, 100000, in, unsure); /* the pole is no edge */
        CHECK(bit(in, 2) && !bit(unsure, 2));
        cav__locator_find3(s.loc, 89.9, 10, 1200000, in, unsure);
        CHECK(bit(in, 2) && bit(unsure, 2));
    }
    check_set(&s, npoints, 45, 75, 165, 180, 1);
    check_set(&s, npoints / 2, 45, 75, -180, -165, 1);
    check_set(&s, npoints, 70, 90, -180, 180, 1);
    set_free(h, &s);
    free(g);
}

/* Stars of 60 long spikes, one with a precision: edges long and close together, which the
 * locator lists in a cell only where they cross it (its part in the row, not its box). */
static void test_star(GEOSContextHandle_t h, long npoints) {
    enum { N = 2, SPIKES = 60 };
    GEOSGeometry **g = calloc(N, sizeof *g);
    char *text = malloc(SPIKES * 2 * 64 + 64);
    if (!g || !text)
        return;
    for (int z = 0; z < N; z++) {
        size_t at = (size_t)sprintf(text, "POLYGON ((");
        for (int i = 0; i <= 2 * SPIKES; i++) {
            double a = 6.283185307179586 * (i % (2 * SPIKES)) / (2 * SPIKES) + z * 0.01;
            double r = i % 2 ? 0.3 : 6.0;
            at += (size_t)sprintf(text + at, "%s%.9f %.9f", i ? ", " : "", 32 + r * cos(a),
                                  49 + 0.7 * r * sin(a));
        }
        sprintf(text + at, "))");
        g[z] = wkt(h, text);
    }
    free(text);
    double prec[N] = {2000, 0};
    zone_set_ref s;
    set_init(h, &s, "stars", N, g, prec);
    check_set(&s, npoints, 42, 56, 25, 39, 1);
    check_set(&s, npoints, 48.5, 49.5, 31.5, 32.5, 1); /* the middle, where edges gather */
    set_free(h, &s);
    free(g);
}

/* 70 overlapping boxes and circles: membership sets of two words. */
static void test_many(GEOSContextHandle_t h, long npoints) {
    enum { MANY = 70 };
    GEOSGeometry **g = calloc(MANY, sizeof *g);
    double prec[MANY];
    for (int z = 0; g && z < MANY; z++) {
        cav_zone_expr e;
        double lat = uniform(45, 55), lon = uniform(25, 45);
        if (z % 2)
            e = (cav_zone_expr){.kind = CAV_ZONE_CIRCLE, .num = {lat, lon, uniform(5e3, 3e5)}};
        else
            e = (cav_zone_expr){.kind = CAV_ZONE_BOX,
                                .num = {lat, lon, lat + uniform(0.1, 3), lon + uniform(0.1, 3)}};
        if (!(g[z] = build(h, &e)))
            return;
        prec[z] = z % 3 ? 0 : 1000;
    }
    zone_set_ref s;
    set_init(h, &s, "70 zones", MANY, g, prec);
    if (s.loc)
        CHECK_EQ_INT(cav__locator_words(s.loc), 2);
    check_set(&s, npoints / 2, 44, 59, 24, 49, 0);
    set_free(h, &s);
    free(g);
}

int main(void) {
    geod_init(&geod, WGS84_A, WGS84_F);
    GEOSContextHandle_t h = GEOS_init_r();
    long npoints = 300;
    const char *env = getenv("CAV_GEO_REF_POINTS");
    if (env && atol(env) > 0)
        npoints = atol(env);
    test_known(h);
    test_shapes(h, npoints);
    test_edges_of_the_map(h, npoints);
    test_many(h, npoints);
    test_star(h, npoints);
    test_borders(h, npoints);
    printf("%ld answers: %ld unsure, %ld sure, %ld within 0.5 %% of r_z (either is right); "
           "%ld distances, %ld of %ld under 10 km to real borders bounded within 10 m by chords\n",
           n_checked, n_unsure, n_sure, n_band, n_dist, n_border_tight, n_border_dist);
    CHECK(n_unsure > 1000 && n_sure > 1000);
    CHECK(n_border_dist > 0); /* how tight the bounds are is for bench/ (RESULTS-audit.md) */
    GEOS_finish_r(h);
    return check_done();
}
