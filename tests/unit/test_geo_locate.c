/* test_geo_locate.c — the point locator against GEOS.
 *
 * Builds a pack-like set of zones (UA, RU at full 1:10m, BY, a buffered border, a box, a circle,
 * a difference), compiles them into one locator and checks it against GEOSPreparedCovers:
 *  - on CAV_GEO_POINTS random points (default 1,000,000) in 40-60N 20-50E plus a share spread
 *    over the whole bounding box: identical answers except for points within 1 m of a boundary;
 *  - on every boundary vertex (must be inside: zones are closed) and on points 1e-7 degrees
 *    (about 1 cm) away from vertices and edge midpoints in eight directions: identical answers;
 *  - on points exactly on the box's horizontal and vertical edges (inside);
 *  - budgets: locator under 32 MB; NaN and out-of-range points are in no zone;
 *  - 70 overlapping circles and boxes (two-word membership sets) on 100,000 points;
 *  - long edges close together: a star of 250 spikes is built small and agrees with GEOS, a comb
 *    of 20,000 long teeth is refused (the tables' limit) naming its zone.
 * The same checks hold for a locator built with stated precisions (1 km on the zones made from
 * boundary data, which widens the cells its edges are assigned to), because membership never
 * depends on precision; and cav__locator_find3 with radius 0 answers exactly what
 * cav__locator_find does, with nothing unsure when every zone is exact. (The uncertain side of
 * find3 and cav__locator_distance are checked in test_geo_locate_disk.c.)
 */
#include "../geo/zone_set.h"
#include "geo/geo.h"

#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { NZONES = ZONE_SET_N };

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* xorshift64*: a fixed sequence, so failures reproduce. */
static double uniform(double lo, double hi) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t r = rng_state * 2685821657736338717u;
    return lo + (hi - lo) * ((double)(r >> 11) / 9007199254740992.0);
}

static GEOSGeometry *build(GEOSContextHandle_t h, const cav_zone_expr *e) {
    char err[256];
    GEOSGeometry *g = NULL;
    int rc = cav__zone_build(h, e, NULL, NULL, &g, err, sizeof err, NULL);
    if (rc != 0)
        fprintf(stderr, "zone build failed: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    return g;
}

/* Distance in metres (roughly: degrees scaled at this latitude) from (lon, lat) to g's boundary. */
static double boundary_metres(GEOSContextHandle_t h, const GEOSGeometry *bnd, double lon,
                              double lat) {
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, lon, lat);
    double d = 1e9;
    GEOSDistance_r(h, bnd, p, &d);
    GEOSGeom_destroy_r(h, p);
    return d * 111320.0 * fmax(cos(lat * 3.14159265358979 / 180), 0.05);
}

static int geos_in(GEOSContextHandle_t h, const GEOSPreparedGeometry *pg, double lon, double lat) {
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, lon, lat);
    char r = GEOSPreparedCovers_r(h, pg, p);
    GEOSGeom_destroy_r(h, p);
    return r == 1;
}

static int loc_in(const cav_locator *loc, int z, double lon, double lat) {
    uint64_t bits[1];
    cav__locator_find(loc, lat, lon, bits);
    return (int)((bits[0] >> z) & 1u);
}

/* More than 64 zones: membership sets of two words; overlapping circles and boxes. */
static void test_many_zones(GEOSContextHandle_t h) {
    enum { MANY = 70 };
    GEOSGeometry *zones[MANY];
    const GEOSPreparedGeometry *prep[MANY];
    for (int z = 0; z < MANY; z++) {
        cav_zone_expr e;
        if (z % 2)
            e = (cav_zone_expr){.kind = CAV_ZONE_CIRCLE,
                                .num = {uniform(45, 55), uniform(25, 45), uniform(5e3, 3e5)}};
        else {
            double lat = uniform(45, 55), lon = uniform(25, 45);
            e = (cav_zone_expr){.kind = CAV_ZONE_BOX,
                                .num = {lat, lon, lat + uniform(0.1, 3), lon + uniform(0.1, 3)}};
        }
        zones[z] = build(h, &e);
        if (!zones[z])
            return;
        prep[z] = GEOSPrepare_r(h, zones[z]);
    }
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, MANY, NULL);
    CHECK(loc != NULL);
    if (!loc)
        return;
    CHECK_EQ_INT(cav__locator_words(loc), 2);
    long disagree = 0, hits = 0;
    for (int i = 0; i < 100000; i++) {
        double lon = uniform(24, 49), lat = uniform(44, 59);
        uint64_t bits[2];
        cav__locator_find(loc, lat, lon, bits);
        for (int z = 0; z < MANY; z++) {
            int a = (int)((bits[z / 64] >> (z % 64)) & 1u);
            hits += a;
            disagree += a != geos_in(h, prep[z], lon, lat);
        }
    }
    printf("70 zones, 100000 points: %ld memberships, %ld disagreements\n", hits, disagree);
    CHECK(hits > 10000);
    CHECK_EQ_INT(disagree, 0);
    cav__locator_free(loc);
    for (int z = 0; z < MANY; z++) {
        GEOSPreparedGeom_destroy_r(h, prep[z]);
        GEOSGeom_destroy_r(h, zones[z]);
    }
}

/* Edges on grid-cell boundaries and points exactly on edges, vertices and cell boundaries:
 * axis-aligned boxes whose edges fall on the locator's cell lines, and triangles whose slopes
 * are powers of two, with points on a 1/64-degree lattice, so that every "on the boundary" case
 * is exact in floating point and must match GEOS exactly. */
static void test_lattice(GEOSContextHandle_t h, double precision) {
    enum { NL = 4 };
    cav_zone_expr box0 = {.kind = CAV_ZONE_BOX, .num = {40.0, 20.0, 50.0, 30.0}};
    cav_zone_expr box1 = {.kind = CAV_ZONE_BOX, .num = {42.5, 22.5, 45.0, 25.0}};
    double tri[] = {41.0, 21.0, 49.0, 25.0, 41.0, 29.0}; /* slopes 2 and -2 (lon per lat) */
    cav_zone_expr tri0 = {.kind = CAV_ZONE_POLYGON, .coords = tri, .ncoords = 3};
    cav_zone_expr hole = {.kind = CAV_ZONE_DIFF, .a = &box0, .b = &box1};
    const cav_zone_expr *exprs[NL] = {&box0, &box1, &tri0, &hole};
    GEOSGeometry *zones[NL];
    const GEOSPreparedGeometry *prep[NL];
    for (int z = 0; z < NL; z++) {
        zones[z] = build(h, exprs[z]);
        if (!zones[z])
            return;
        prep[z] = GEOSPrepare_r(h, zones[z]);
    }
    double prec[NL] = {precision, 0, precision, precision};
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, prec, NL, NULL);
    CHECK(loc != NULL);
    if (!loc)
        return;
    long tested = 0, disagree = 0, on = 0;
    for (int i = 0; i <= 12 * 64; i++) {
        for (int j = 0; j <= 12 * 64; j += (i % 8 == 0) ? 1 : 7) {
            double lat = 39.0 + i / 64.0, lon = 19.0 + j / 64.0;
            uint64_t bits[1];
            cav__locator_find(loc, lat, lon, bits);
            for (int z = 0; z < NL; z++) {
                int a = (int)((bits[0] >> z) & 1u), g = geos_in(h, prep[z], lon, lat);
                tested++;
                if (a != g && ++disagree <= 5)
                    fprintf(stderr, "lattice zone %d at %.6f %.6f: locator %d, GEOS %d\n", z, lat,
                            lon, a, g);
            }
            on += lat == 45.0 && lon >= 22.5 && lon <= 25.0; /* on box1's north edge */
        }
    }
    printf("lattice (precision %g m): %ld answers, %ld disagreements\n", precision, tested,
           disagree);
    CHECK(tested > 100000);
    CHECK(on > 100);
    CHECK_EQ_INT(disagree, 0);
    cav__locator_free(loc);
    for (int z = 0; z < NL; z++) {
        GEOSPreparedGeom_destroy_r(h, prep[z]);
        GEOSGeom_destroy_r(h, zones[z]);
    }
}

/* A polygon from n (lon, lat) pairs (closed here), or NULL. */
static GEOSGeometry *ring_polygon(GEOSContextHandle_t h, const double *xy, int n) {
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
    for (int i = 0; cs && i <= n; i++) {
        GEOSCoordSeq_setX_r(h, cs, (unsigned)i, xy[2 * (i % n)]);
        GEOSCoordSeq_setY_r(h, cs, (unsigned)i, xy[2 * (i % n) + 1]);
    }
    GEOSGeometry *r = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
    return r ? GEOSGeom_createPolygon_r(h, r, NULL, 0) : NULL;
}

/* Long edges lying close together. A star of 250 spikes 20 degrees wide (review finding: its
 * edges were listed in every cell their boxes reached, which split every cell to the deepest
 * level; 50 spikes took 4.7 GB): it is built small and answers as GEOS does, on CAV_GEO_POINTS / 5
 * points. A comb of 20,000 teeth 7 degrees long (each tooth's edges cross thousands of deep
 * cells): refused, NULL, naming it (zone 1, not the small box beside it) as the zone that stored
 * the most, at 256 MiB of tables. */
static void test_spiky(GEOSContextHandle_t h, long npoints) {
    enum { SPIKES = 250, TEETH = 20000 };
    static double star[4 * SPIKES];
    for (int i = 0; i < 2 * SPIKES; i++) {
        double a = 6.283185307179586 * i / (2 * SPIKES), r = i % 2 ? 0.5 : 10.0;
        star[2 * i] = 32 + r * cos(a);
        star[2 * i + 1] = 49 + 0.7 * r * sin(a);
    }
    cav_zone_expr box = {.kind = CAV_ZONE_BOX, .num = {48.0, 31.0, 50.0, 33.0}};
    GEOSGeometry *zones[2] = {build(h, &box), ring_polygon(h, star, 2 * SPIKES)};
    CHECK(zones[0] && zones[1]);
    if (!zones[0] || !zones[1])
        return;
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, zones[1]);
    int heavy = 7;
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, 2, &heavy);
    CHECK(loc != NULL);
    CHECK_EQ_INT(heavy, -1);
    if (loc) {
        long hits = 0, disagree = 0;
        for (long i = 0; i < npoints; i++) {
            double k = i % 2 ? 1 : 0.1; /* half of them near the middle, where edges gather */
            double lon = 32 + k * uniform(-10.5, 10.5), lat = 49 + k * uniform(-7.5, 7.5);
            int a = loc_in(loc, 1, lon, lat);
            hits += a;
            disagree += a != geos_in(h, prep, lon, lat);
        }
        printf("star of %d spikes: %zu bytes, %ld of %ld points inside, %ld disagreements\n",
               SPIKES, cav__locator_bytes(loc), hits, npoints, disagree);
        CHECK(hits > npoints / 40);
        CHECK_EQ_INT(disagree, 0);
        CHECK(cav__locator_bytes(loc) < 16u * 1024 * 1024);
        cav__locator_free(loc);
    }
    GEOSPreparedGeom_destroy_r(h, prep);
    GEOSGeom_destroy_r(h, zones[1]);

    double *comb = malloc((4 * TEETH + 2) * 2 * sizeof *comb);
    if (!comb)
        return;
    int n = 0;
    double w = 18.0 / TEETH;
    comb[n++] = 22;
    comb[n++] = 45;
    for (int i = 0; i < TEETH; i++) {
        double a = 22 + i * w;
        double tooth[8] = {a + w / 4, 45.1, a + w / 4, 52, a + 3 * w / 4, 52, a + 3 * w / 4, 45.1};
        memcpy(comb + n, tooth, sizeof tooth);
        n += 8;
    }
    comb[n++] = 40;
    comb[n++] = 45;
    zones[1] = ring_polygon(h, comb, n / 2);
    free(comb);
    CHECK(zones[1] != NULL);
    if (zones[1]) {
        heavy = 7;
        loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, 2, &heavy);
        CHECK(loc == NULL);
        CHECK_EQ_INT(heavy, 1);
        cav__locator_free(loc);
        GEOSGeom_destroy_r(h, zones[1]);
    }
    GEOSGeom_destroy_r(h, zones[0]);
}

int main(void) {
    GEOSContextHandle_t h = GEOS_init_r();
    long npoints = 1000000;
    const char *env = getenv("CAV_GEO_POINTS");
    if (env && atol(env) > 0)
        npoints = atol(env);
    test_spiky(h, npoints / 5);
    test_lattice(h, 0);
    test_lattice(h, 1000);
    test_many_zones(h);
    static zone_set set; /* static: its expressions point into it */
    zone_set_init(&set);
    const cav_zone_expr *const *exprs = set.exprs;
    GEOSGeometry *zones[NZONES];
    const GEOSPreparedGeometry *prep[NZONES];
    GEOSGeometry *bounds[NZONES];
    for (int z = 0; z < NZONES; z++) {
        zones[z] = build(h, exprs[z]);
        if (!zones[z])
            return check_done();
        prep[z] = GEOSPrepare_r(h, zones[z]);
        bounds[z] = GEOSBoundary_r(h, zones[z]);
    }
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)zones, NULL, NZONES, NULL);
    double prec[NZONES] = {1000, 1000, 1000, 1000, 0, 0, 1000}; /* Natural Earth 1:10m */
    cav_locator *locp = cav__locator_new(h, (const GEOSGeometry *const *)zones, prec, NZONES, NULL);
    CHECK(loc != NULL && locp != NULL);
    if (!loc || !locp)
        return check_done();
    CHECK(cav__locator_bytes(locp) < 32u * 1024 * 1024);
    printf("locator with precisions: %zu bytes\n", cav__locator_bytes(locp));
    CHECK_EQ_INT(cav__locator_words(loc), 1);
    CHECK(cav__locator_bytes(loc) < 32u * 1024 * 1024);
    printf("locator: %zu bytes\n", cav__locator_bytes(loc));

    /* random points */
    long disagree = 0, near_boundary = 0, inside_any = 0, differ3 = 0, differp = 0;
    for (long i = 0; i < npoints; i++) {
        double lon, lat;
        if (i % 10 == 9) { /* a tenth over the locator's whole box (RU spans the globe) */
            lon = uniform(-180, 180);
            lat = uniform(41, 82);
        } else {
            lon = uniform(20, 50);
            lat = uniform(40, 60);
        }
        uint64_t bits[1], in3[1], unsure3[1], bp[1], inp[1], unsurep[1];
        cav__locator_find(loc, lat, lon, bits);
        inside_any += bits[0] != 0;
        cav__locator_find3(loc, lat, lon, 0, in3, unsure3);
        differ3 += in3[0] != bits[0] || unsure3[0] != 0;
        cav__locator_find(locp, lat, lon, bp);
        cav__locator_find3(locp, lat, lon, 0, inp, unsurep);
        differp += bp[0] != bits[0] || inp[0] != bits[0];
        for (int z = 0; z < NZONES; z++) {
            int a = (int)((bits[0] >> z) & 1u), g = geos_in(h, prep[z], lon, lat);
            if (a != g) {
                if (boundary_metres(h, bounds[z], lon, lat) < 1.0) {
                    near_boundary++;
                } else {
                    disagree++;
                    if (disagree <= 5)
                        fprintf(stderr, "zone %d at %.9f %.9f: locator %d, GEOS %d\n", z, lat, lon,
                                a, g);
                }
            }
        }
    }
    printf("%ld random points: %ld disagreements, %ld within 1 m of a boundary\n", npoints,
           disagree, near_boundary);
    printf("find3 radius 0 differs from find on %ld; with precisions, membership differs on %ld\n",
           differ3, differp);
    CHECK_EQ_INT(disagree, 0);
    CHECK_EQ_INT(differ3, 0);
    CHECK_EQ_INT(differp, 0);
    CHECK(inside_any > npoints / 4); /* the test is not vacuous */

    /* vertices and edge midpoints, and points 1e-7 degrees off them */
    long vtested = 0, vfail = 0, ofail = 0;
    static const double dirs[8][2] = {{1, 0}, {-1, 0}, {0, 1},  {0, -1},
                                      {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    for (int z = 0; z < NZONES; z++) {
        GEOSGeometry *pts = GEOSGeom_extractUniquePoints_r(h, bounds[z]);
        int n = GEOSGetNumGeometries_r(h, pts);
        int step = n > 4000 ? n / 4000 : 1;
        for (int i = 0; i < n; i += step) {
            double x, y;
            GEOSGeomGetX_r(h, GEOSGetGeometryN_r(h, pts, i), &x);
            GEOSGeomGetY_r(h, GEOSGetGeometryN_r(h, pts, i), &y);
            vtested++;
            if (!loc_in(loc, z, x, y) || !loc_in(locp, z, x, y)) {
                vfail++;
                if (vfail <= 3)
                    fprintf(stderr, "vertex %.12f %.12f of zone %d not inside\n", y, x, z);
            }
            for (int d = 0; d < 8; d++) {
                double px = x + 1e-7 * dirs[d][0], py = y + 1e-7 * dirs[d][1];
                int g = geos_in(h, prep[z], px, py);
                if (loc_in(loc, z, px, py) != g || loc_in(locp, z, px, py) != g) {
                    ofail++;
                    if (ofail <= 3)
                        fprintf(stderr, "zone %d near vertex %.12f %.12f: disagrees\n", z, py, px);
                }
            }
            if (i + 1 < n) { /* next vertex in ring order: an edge midpoint, nudged */
                double x2, y2;
                GEOSGeomGetX_r(h, GEOSGetGeometryN_r(h, pts, i + 1), &x2);
                GEOSGeomGetY_r(h, GEOSGetGeometryN_r(h, pts, i + 1), &y2);
                double mx = (x + x2) / 2, my = (y + y2) / 2;
                for (int d = 0; d < 8; d++) {
                    double px = mx + 1e-7 * dirs[d][0], py = my + 1e-7 * dirs[d][1];
                    int g = geos_in(h, prep[z], px, py);
                    if (loc_in(loc, z, px, py) != g || loc_in(locp, z, px, py) != g)
                        ofail++;
                }
            }
        }
        GEOSGeom_destroy_r(h, pts);
    }
    printf("%ld vertices: %ld not inside; %ld disagreements 1e-7 deg off vertices/edges\n", vtested,
           vfail, ofail);
    CHECK(vtested > 10000);
    CHECK_EQ_INT(vfail, 0);
    CHECK_EQ_INT(ofail, 0);

    /* closed sets: every vertex of the UA-RU border is in both UA and RU */
    {
        cav_zone_expr ur = {.kind = CAV_ZONE_BORDER};
        strcpy(ur.name, "UA");
        strcpy(ur.name2, "RU");
        GEOSGeometry *bl = build(h, &ur);
        GEOSGeometry *bp = bl ? GEOSGeom_extractUniquePoints_r(h, bl) : NULL;
        int nb = bp ? GEOSGetNumGeometries_r(h, bp) : 0, both = 0;
        for (int i = 0; i < nb; i++) {
            double x, y;
            GEOSGeomGetX_r(h, GEOSGetGeometryN_r(h, bp, i), &x);
            GEOSGeomGetY_r(h, GEOSGetGeometryN_r(h, bp, i), &y);
            both += loc_in(loc, 0, x, y) && loc_in(loc, 1, x, y);
        }
        printf("UA-RU border: %d of %d vertices in both UA and RU\n", both, nb);
        CHECK(nb > 500);
        CHECK_EQ_INT(both, nb);
        if (bp)
            GEOSGeom_destroy_r(h, bp);
        if (bl)
            GEOSGeom_destroy_r(h, bl);
    }

    /* the box's edges are inside, a hair outside is not */
    CHECK_EQ_INT(loc_in(loc, 4, 36.5, 51.0), 1);
    CHECK_EQ_INT(loc_in(loc, 4, 36.5, 49.0), 1);
    CHECK_EQ_INT(loc_in(loc, 4, 35.0, 50.0), 1);
    CHECK_EQ_INT(loc_in(loc, 4, 38.0, 50.0), 1);
    CHECK_EQ_INT(loc_in(loc, 4, 38.0, 51.0), 1);
    CHECK_EQ_INT(loc_in(loc, 4, 36.5, nextafter(51.0, 90)), 0);
    CHECK_EQ_INT(loc_in(loc, 4, nextafter(35.0, 0), 50.0), 0);
    CHECK_EQ_INT(loc_in(loc, 4, 36.5, 50.0), 1);

    /* NaN and out of range are in no zone */
    uint64_t bits[1] = {~(uint64_t)0};
    cav__locator_find(loc, NAN, 36.0, bits);
    CHECK_EQ_INT(bits[0], 0);
    bits[0] = ~(uint64_t)0;
    cav__locator_find(loc, 50.0, 400.0, bits);
    CHECK_EQ_INT(bits[0], 0);
    bits[0] = ~(uint64_t)0;
    cav__locator_find(loc, 95.0, 36.0, bits);
    CHECK_EQ_INT(bits[0], 0);

    /* an empty set of zones, and a zone without area */
    cav_locator *none = cav__locator_new(h, NULL, NULL, 0, NULL);
    CHECK(none != NULL);
    if (none) {
        CHECK_EQ_INT(cav__locator_words(none), 0);
        bits[0] = 42;
        cav__locator_find(none, 50, 36, bits); /* writes nothing: zero words */
        CHECK_EQ_INT(bits[0], 42);
        cav__locator_free(none);
    }
    GEOSGeometry *line = build(h, &set.border);
    if (line) {
        const GEOSGeometry *one[1] = {line};
        cav_locator *lz = cav__locator_new(h, one, NULL, 1, NULL);
        CHECK(lz != NULL);
        if (lz) {
            cav__locator_find(lz, 50, 36, bits);
            CHECK_EQ_INT(bits[0], 0);
            cav__locator_free(lz);
        }
        GEOSGeom_destroy_r(h, line);
    }

    cav__locator_free(loc);
    cav__locator_free(locp);
    for (int z = 0; z < NZONES; z++) {
        GEOSPreparedGeom_destroy_r(h, prep[z]);
        GEOSGeom_destroy_r(h, bounds[z]);
        GEOSGeom_destroy_r(h, zones[z]);
    }
    GEOS_finish_r(h);
    return check_done();
}
