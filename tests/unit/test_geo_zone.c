/* test_geo_zone.c — building zones: every kind, the algebra, references, and the error messages.
 *
 * within() and circle() are checked against PROJ's geodesic distances (geod_inverse on WGS84):
 * the vertices of the buffer's boundary must lie at the requested distance from the buffered
 * geometry within 0.5%. The distance from a vertex to the geometry is found by scanning its
 * edges (planar, scaled by cos(lat)) and refining the best few geodesically by ternary search
 * along each edge, so the reference itself is accurate to well under 0.01%.
 * Run from the repository root (CTest does): the GeoJSON files are in tests/geo/.
 */
#include "geo/geo.h"

#include "caveat.h"
#include "check.h"

#include <geodesic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (3.14159265358979323846 / 180.0)

static GEOSContextHandle_t h;
static struct geod_geodesic wgs84;
static char err[512];
static const cav_zone_expr *err_node;

static int build(const cav_zone_expr *e, GEOSGeometry **out) {
    *out = NULL;
    return cav__zone_build(h, e, NULL, NULL, out, err, sizeof err, &err_node);
}

static cav_zone_expr country(const char *code) {
    cav_zone_expr e = {.kind = CAV_ZONE_COUNTRY};
    snprintf(e.name, sizeof e.name, "%s", code);
    return e;
}

static cav_zone_expr border(const char *a, const char *b) {
    cav_zone_expr e = {.kind = CAV_ZONE_BORDER};
    snprintf(e.name, sizeof e.name, "%s", a);
    snprintf(e.name2, sizeof e.name2, "%s", b);
    return e;
}

static int covers(const GEOSGeometry *g, double lat, double lon) {
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, lon, lat);
    char r = GEOSCovers_r(h, g, p);
    GEOSGeom_destroy_r(h, p);
    return r == 1;
}

/* Expects e to fail with code and a message containing `text`. */
static void expect_error(const cav_zone_expr *e, int code, const char *text,
                         const cav_zone_expr *node) {
    GEOSGeometry *g = (GEOSGeometry *)1;
    int rc = build(e, &g);
    CHECK_EQ_INT(rc, code);
    CHECK(g == NULL);
    if (!strstr(err, text))
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, text);
    CHECK(strstr(err, text) != NULL);
    CHECK(err_node == node);
    if (g && g != (GEOSGeometry *)1)
        GEOSGeom_destroy_r(h, g);
}

static double geod_m(double lat1, double lon1, double lat2, double lon2) {
    double s12 = 0;
    geod_inverse(&wgs84, lat1, lon1, lat2, lon2, &s12, NULL, NULL);
    return s12;
}

/* The segments of every line or ring of g, as x0 y0 x1 y1 quadruples appended to *segs. */
static void segments(const GEOSGeometry *g, double **segs, size_t *n, size_t *cap) {
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POLYGON) {
        segments(GEOSGetExteriorRing_r(h, g), segs, n, cap);
        for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); i++)
            segments(GEOSGetInteriorRingN_r(h, g, i), segs, n, cap);
        return;
    }
    if (t == GEOS_LINESTRING || t == GEOS_LINEARRING) {
        const GEOSCoordSequence *s = GEOSGeom_getCoordSeq_r(h, g);
        unsigned m = 0;
        GEOSCoordSeq_getSize_r(h, s, &m);
        for (unsigned i = 0; i + 1 < m; i++) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 1024;
                *segs = realloc(*segs, *cap * 4 * sizeof **segs);
            }
            double *q = *segs + 4 * *n;
            GEOSCoordSeq_getXY_r(h, s, i, &q[0], &q[1]);
            GEOSCoordSeq_getXY_r(h, s, i + 1, &q[2], &q[3]);
            (*n)++;
        }
        return;
    }
    if (t == GEOS_POINT) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 1024;
            *segs = realloc(*segs, *cap * 4 * sizeof **segs);
        }
        double *q = *segs + 4 * *n;
        GEOSGeomGetX_r(h, g, &q[0]);
        GEOSGeomGetY_r(h, g, &q[1]);
        q[2] = q[0];
        q[3] = q[1];
        (*n)++;
        return;
    }
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
        segments(GEOSGetGeometryN_r(h, g, i), segs, n, cap);
}

/* Geodesic distance from (lat, lon) to segment q (lon/lat-linear), by ternary search. */
static double seg_dist(const double *q, double lat, double lon) {
    double a = 0, b = 1;
    for (int it = 0; it < 60; it++) {
        double m1 = a + (b - a) / 3, m2 = b - (b - a) / 3;
        double d1 = geod_m(lat, lon, q[1] + m1 * (q[3] - q[1]), q[0] + m1 * (q[2] - q[0]));
        double d2 = geod_m(lat, lon, q[1] + m2 * (q[3] - q[1]), q[0] + m2 * (q[2] - q[0]));
        if (d1 < d2)
            b = m2;
        else
            a = m1;
    }
    double t = (a + b) / 2;
    return geod_m(lat, lon, q[1] + t * (q[3] - q[1]), q[0] + t * (q[2] - q[0]));
}

/* Planar distance squared (longitude scaled by cos(lat)) from (lat, lon) to segment q. */
static double planar2(const double *q, double lat, double lon, double c) {
    double ax = (q[0] - lon) * c, ay = q[1] - lat, bx = (q[2] - lon) * c, by = q[3] - lat;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double px = ax + t * dx, py = ay + t * dy;
    return px * px + py * py;
}

/* Geodesic distance from (lat, lon) to the nearest of n segments. The planar distance ranks the
 * segments only roughly (its east-west scale is off by up to a few percent 200 km away), so every
 * segment within 10% of the planar best is ranked again by the geodesic distance to its ends, and
 * the best few are refined along the segment. */
static double dist_to(const double *segs, size_t n, double lat, double lon) {
    double c = cos(lat * DEG), best = INFINITY;
    for (size_t i = 0; i < n; i++)
        best = fmin(best, planar2(segs + 4 * i, lat, lon, c));
    double g[3] = {INFINITY, INFINITY, INFINITY};
    size_t gi[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const double *q = segs + 4 * i;
        if (planar2(q, lat, lon, c) > best * 1.21 + 1e-18)
            continue;
        double d = fmin(geod_m(lat, lon, q[1], q[0]), geod_m(lat, lon, q[3], q[2]));
        for (int k = 0; k < 3; k++) {
            if (d < g[k]) {
                for (int j = 2; j > k; j--) {
                    g[j] = g[j - 1];
                    gi[j] = gi[j - 1];
                }
                g[k] = d;
                gi[k] = i;
                break;
            }
        }
    }
    double m = INFINITY;
    for (int k = 0; k < 3; k++) {
        if (isfinite(g[k]))
            m = fmin(m, seg_dist(segs + 4 * gi[k], lat, lon));
    }
    return m;
}

/* Checks that the exterior-ring vertices of buf lie metres from x, within 0.5%; returns the
 * largest relative error found. */
static double check_buffer(const GEOSGeometry *buf, const GEOSGeometry *x, double metres) {
    double *segs = NULL;
    size_t n = 0, cap = 0;
    GEOSGeometry *dense = GEOSDensify_r(h, x, 0.01);
    segments(dense, &segs, &n, &cap);
    double worst = 0;
    int tested = 0;
    for (int p = 0; p < GEOSGetNumGeometries_r(h, buf); p++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(h, buf, p);
        const GEOSCoordSequence *s = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, poly));
        unsigned m = 0;
        GEOSCoordSeq_getSize_r(h, s, &m);
        unsigned step = m > 300 ? m / 300 : 1;
        for (unsigned i = 0; i < m; i += step) {
            double lon, lat;
            GEOSCoordSeq_getXY_r(h, s, i, &lon, &lat);
            double d = dist_to(segs, n, lat, lon);
            double rel = fabs(d - metres) / metres;
            if (rel > 0.005)
                fprintf(stderr, "  buffer vertex %.5f %.5f is %.1f m from the zone, not %.0f\n",
                        lat, lon, d, metres);
            worst = fmax(worst, rel);
            tested++;
        }
    }
    CHECK(tested >= 50);
    free(segs);
    GEOSGeom_destroy_r(h, dense);
    return worst;
}

static void test_within_accuracy(void) {
    cav_zone_expr ua_ru = border("UA", "RU");
    cav_zone_expr box = {.kind = CAV_ZONE_BOX, .num = {49.0, 35.0, 51.0, 38.0}};
    cav_zone_expr kharkiv = {.kind = CAV_ZONE_POLYGON};
    double tri[] = {50.2, 36.0, 49.8, 36.6, 49.8, 35.8};
    kharkiv.coords = tri;
    kharkiv.ncoords = 3;
    cav_zone_expr by = country("BY");
    cav_zone_expr *targets[] = {&ua_ru, &box, &kharkiv, &by};
    const char *names[] = {"border(UA, RU)", "box", "polygon", "BY"};
    const double dists[] = {1000, 30000, 200000};
    for (int t = 0; t < 4; t++) {
        GEOSGeometry *x = NULL;
        CHECK_EQ_INT(build(targets[t], &x), 0);
        for (int d = 0; d < 3; d++) {
            cav_zone_expr w = {.kind = CAV_ZONE_WITHIN, .num = {dists[d]}, .a = targets[t]};
            GEOSGeometry *buf = NULL;
            CHECK_EQ_INT(build(&w, &buf), 0);
            if (!buf || !x)
                continue;
            CHECK_EQ_INT(GEOSisValid_r(h, buf), 1);
            double worst = check_buffer(buf, x, dists[d]);
            printf("within(%g m, %s): largest error %.4f%%\n", dists[d], names[t], worst * 100);
            CHECK(worst < 0.005);
            /* the buffer holds what it buffers */
            GEOSGeometry *diff = GEOSDifference_r(h, x, buf);
            CHECK(diff && GEOSisEmpty_r(h, diff) == 1);
            GEOSGeom_destroy_r(h, diff);
            GEOSGeom_destroy_r(h, buf);
        }
        GEOSGeom_destroy_r(h, x);
    }
    /* circles: every vertex at the radius from the centre */
    const double radii[] = {500, 25000, 400000};
    for (int r = 0; r < 3; r++) {
        cav_zone_expr c = {.kind = CAV_ZONE_CIRCLE, .num = {50.0, 36.25, radii[r]}};
        GEOSGeometry *g = NULL;
        CHECK_EQ_INT(build(&c, &g), 0);
        if (!g)
            continue;
        const GEOSCoordSequence *s =
            GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, GEOSGetGeometryN_r(h, g, 0)));
        unsigned m = 0;
        GEOSCoordSeq_getSize_r(h, s, &m);
        double worst = 0, mid_worst = 0, plon = 0, plat = 0;
        for (unsigned i = 0; i < m; i++) {
            double lon, lat;
            GEOSCoordSeq_getXY_r(h, s, i, &lon, &lat);
            worst = fmax(worst, fabs(geod_m(50.0, 36.25, lat, lon) - radii[r]) / radii[r]);
            if (i > 0) { /* between vertices the ring is inside by at most the chord sag */
                double d = geod_m(50.0, 36.25, (lat + plat) / 2, (lon + plon) / 2);
                mid_worst = fmax(mid_worst, fabs(d - radii[r]) / radii[r]);
            }
            plon = lon;
            plat = lat;
        }
        printf("circle(%g m): vertex error %.5f%%, mid-edge error %.4f%%\n", radii[r], worst * 100,
               mid_worst * 100);
        CHECK(m > 60);
        CHECK(worst < 0.0005);
        CHECK(mid_worst < 0.005);
        CHECK(covers(g, 50.0, 36.25));
        GEOSGeom_destroy_r(h, g);
    }
}

static void test_countries_and_borders(void) {
    cav_zone_expr ua = country("ua");
    GEOSGeometry *g = NULL;
    CHECK_EQ_INT(build(&ua, &g), 0);
    CHECK(g && covers(g, 50.45, 30.52));
    GEOSGeometry *gua = g;

    cav_zone_expr b = border("UA", "RU");
    CHECK_EQ_INT(build(&b, &g), 0);
    if (g) {
        /* the border's geodesic length (the UA-RU land border is about 2,000 km;
         * at 1:10m about 1,500 km) */
        double *segs = NULL;
        size_t n = 0, cap = 0;
        segments(g, &segs, &n, &cap);
        double len = 0;
        for (size_t i = 0; i < n; i++)
            len += geod_m(segs[4 * i + 1], segs[4 * i], segs[4 * i + 3], segs[4 * i + 2]);
        printf("border(UA, RU): %zu segments, %.0f km\n", n, len / 1000);
        CHECK(len > 1300e3 && len < 2300e3); /* 1:10m generalises it */
        free(segs);
        /* it lies on Ukraine's boundary exactly */
        GEOSGeometry *bnd = GEOSBoundary_r(h, gua);
        GEOSGeometry *rest = GEOSDifference_r(h, g, bnd);
        double rest_len = 1;
        GEOSLength_r(h, rest, &rest_len);
        CHECK(rest_len < 1e-9);
        GEOSGeom_destroy_r(h, rest);
        GEOSGeom_destroy_r(h, bnd);
        GEOSGeom_destroy_r(h, g);
    }

    /* the stretch near Kharkiv, between the points nearest to two places */
    cav_zone_expr cut = border("UA", "RU");
    cut.has_between = 1;
    cut.num[0] = 50.45, cut.num[1] = 35.40, cut.num[2] = 49.95, cut.num[3] = 38.10;
    CHECK_EQ_INT(build(&cut, &g), 0);
    if (g) {
        double len = 0, x0, y0, x1, y1;
        GEOSLength_r(h, g, &len);
        GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1);
        printf("border(UA, RU) between: %.3f degrees, lon %.2f-%.2f\n", len, x0, x1);
        CHECK(len > 2.0 && len < 6.0);
        CHECK(x0 > 35.2 && x1 < 38.3);
        cav_zone_expr w = {.kind = CAV_ZONE_WITHIN, .num = {20000}, .a = &cut};
        GEOSGeometry *strip = NULL;
        CHECK_EQ_INT(build(&w, &strip), 0);
        /* places in the strip exactly when their geodesic distance to the stretch is < 20 km */
        static const double places[][2] = {{50.60, 36.59}, {49.99, 36.23}, {50.29, 36.94},
                                           {50.45, 35.60}, {50.05, 37.70}, {50.38, 36.70}};
        double *segs = NULL;
        size_t n = 0, cap = 0;
        int nin = 0, nout = 0;
        segments(g, &segs, &n, &cap);
        for (size_t i = 0; strip && i < sizeof places / sizeof *places; i++) {
            double dm = dist_to(segs, n, places[i][0], places[i][1]);
            int in = covers(strip, places[i][0], places[i][1]);
            printf("  (%.2f, %.2f): %.1f km from the stretch, %s the 20 km strip\n", places[i][0],
                   places[i][1], dm / 1000, in ? "in" : "not in");
            if (dm < 19800) {
                CHECK(in);
                nin++;
            } else if (dm > 20200) {
                CHECK(!in);
                nout++;
            }
        }
        CHECK(nin >= 2 && nout >= 2);
        free(segs);
        GEOSGeom_destroy_r(h, strip);
        GEOSGeom_destroy_r(h, g);
    }
    GEOSGeom_destroy_r(h, gua);

    /* other pairs that touch */
    const char *pairs[][2] = {{"UA", "BY"}, {"RU", "BY"}, {"UA", "MD"}, {"PL", "UA"},
                              {"RU", "EE"}, {"RU", "FI"}, {"RU", "GE"}, {"RO", "UA"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        cav_zone_expr p = border(pairs[i][0], pairs[i][1]);
        CHECK_EQ_INT(build(&p, &g), 0);
        double len = 0;
        if (g)
            GEOSLength_r(h, g, &len);
        CHECK(len > 0.5);
        if (g)
            GEOSGeom_destroy_r(h, g);
    }
}

static void test_literals(void) {
    GEOSGeometry *g = NULL;
    cav_zone_expr box = {.kind = CAV_ZONE_BOX, .num = {49.0, 35.0, 51.0, 38.0}};
    CHECK_EQ_INT(build(&box, &g), 0);
    double area = 0;
    GEOSArea_r(h, g, &area);
    CHECK(fabs(area - 6.0) < 1e-12);
    CHECK(covers(g, 51.0, 38.0) && covers(g, 50, 36) && !covers(g, 51.01, 36));
    GEOSGeom_destroy_r(h, g);

    double tri[] = {50.2, 36.0, 49.8, 36.6, 49.8, 35.8};
    cav_zone_expr poly = {.kind = CAV_ZONE_POLYGON, .coords = tri, .ncoords = 3};
    CHECK_EQ_INT(build(&poly, &g), 0);
    CHECK(g && covers(g, 49.9, 36.1) && !covers(g, 50.3, 36.0));
    GEOSGeom_destroy_r(h, g);
    double closed[] = {50.2, 36.0, 49.8, 36.6, 49.8, 35.8, 50.2, 36.0};
    cav_zone_expr poly2 = {.kind = CAV_ZONE_POLYGON, .coords = closed, .ncoords = 4};
    CHECK_EQ_INT(build(&poly2, &g), 0);
    CHECK(g && GEOSGetNumCoordinates_r(h, g) == 4);
    GEOSGeom_destroy_r(h, g);

    cav_zone_expr gj = {.kind = CAV_ZONE_GEOJSON, .path = "tests/geo/two_squares.geojson"};
    CHECK_EQ_INT(build(&gj, &g), 0);
    if (g) {
        GEOSArea_r(h, g, &area);
        CHECK(fabs(area - (0.25 + 1.0 - 0.04)) < 1e-9);
        CHECK(covers(g, 50.25, 36.25) && covers(g, 50.1, 37.1));
        CHECK(!covers(g, 50.5, 37.5)); /* the hole */
        CHECK(!covers(g, 50.25, 36.75));
        GEOSGeom_destroy_r(h, g);
    }
    cav_zone_expr gj2 = {.kind = CAV_ZONE_GEOJSON, .path = "tests/geo/polygon.geojson"};
    CHECK_EQ_INT(build(&gj2, &g), 0);
    CHECK(g && covers(g, 45.2, 30.5));
    if (g)
        GEOSGeom_destroy_r(h, g);
}

static const GEOSGeometry *resolve(void *ud, const char *name) {
    return strcmp(name, "kharkiv-box") == 0 ? (const GEOSGeometry *)ud : NULL;
}

static void test_algebra_and_refs(void) {
    GEOSGeometry *g = NULL;
    cav_zone_expr ua = country("UA"), by = country("BY"), ru = country("RU");
    cav_zone_expr u = {.kind = CAV_ZONE_UNION, .a = &ua, .b = &by};
    CHECK_EQ_INT(build(&u, &g), 0);
    CHECK(g && covers(g, 53.90, 27.56) && covers(g, 50.45, 30.52) && !covers(g, 55.75, 37.62));
    if (g)
        GEOSGeom_destroy_r(h, g);

    cav_zone_expr box = {.kind = CAV_ZONE_BOX, .num = {49.0, 35.0, 51.0, 38.0}};
    cav_zone_expr in = {.kind = CAV_ZONE_INTERSECT, .a = &ru, .b = &box};
    CHECK_EQ_INT(build(&in, &g), 0);
    CHECK(g && covers(g, 50.60, 36.59) && !covers(g, 49.99, 36.23) && !covers(g, 51.73, 36.19));
    CHECK(g && GEOSGeom_getDimensions_r(h, g) == 2);
    if (g)
        GEOSGeom_destroy_r(h, g);

    cav_zone_expr d = {.kind = CAV_ZONE_DIFF, .a = &box, .b = &ru};
    CHECK_EQ_INT(build(&d, &g), 0);
    CHECK(g && covers(g, 49.99, 36.23) && !covers(g, 50.60, 36.59));
    GEOSGeometry *kbox = g;

    cav_zone_expr ref = {.kind = CAV_ZONE_REF};
    strcpy(ref.name, "kharkiv-box");
    g = NULL;
    CHECK_EQ_INT(cav__zone_build(h, &ref, resolve, kbox, &g, err, sizeof err, &err_node), 0);
    CHECK(g && g != kbox && GEOSEquals_r(h, g, kbox) == 1);
    if (g)
        GEOSGeom_destroy_r(h, g);
    cav_zone_expr unknown = {.kind = CAV_ZONE_REF};
    strcpy(unknown.name, "nowhere");
    cav_zone_expr wrap = {.kind = CAV_ZONE_UNION, .a = &ua, .b = &unknown};
    g = (GEOSGeometry *)1;
    CHECK_EQ_INT(cav__zone_build(h, &wrap, resolve, kbox, &g, err, sizeof err, &err_node),
                 CAV_EGEO);
    CHECK(g == NULL);
    CHECK_EQ_STR(err, "unknown zone 'nowhere'");
    CHECK(err_node == &unknown);
    GEOSGeom_destroy_r(h, kbox);
}

static void test_errors(void) {
    cav_zone_expr xx = country("XX");
    expect_error(&xx, CAV_EGEO, "unknown country code 'XX' (built-in borders: UA, RU, BY", &xx);
    cav_zone_expr region = {.kind = CAV_ZONE_REGION};
    strcpy(region.name, "RU-MOW"); /* not embedded (RU-BEL is, unless built with CAV_REGIONS=OFF) */
    expect_error(&region, CAV_EGEO, "unknown region code 'RU-MOW'", &region);
    cav_zone_expr ua_ge = border("UA", "GE");
    expect_error(&ua_ge, CAV_EGEO, "border(UA, GE) is empty: UA and GE share no land border",
                 &ua_ge);
    cav_zone_expr ua_ua = border("UA", "ua");
    expect_error(&ua_ua, CAV_EGEO, "a boundary has no border with itself", &ua_ua);
    cav_zone_expr b_xx = border("UA", "XX");
    expect_error(&b_xx, CAV_EGEO, "unknown country code 'XX'", &b_xx);
    cav_zone_expr same = border("UA", "RU");
    same.has_between = 1;
    same.num[0] = 50.0, same.num[1] = 36.0, same.num[2] = 50.0, same.num[3] = 36.0;
    expect_error(&same, CAV_EGEO, "both points are nearest to the same place", &same);
    same.num[2] = 91;
    expect_error(&same, CAV_EGEO, "91 is no valid latitude", &same);

    double two[] = {50, 36, 51, 37};
    cav_zone_expr p2 = {.kind = CAV_ZONE_POLYGON, .coords = two, .ncoords = 2};
    expect_error(&p2, CAV_EGEO, "polygon() needs at least 3 points, got 2", &p2);
    double far[] = {50, 36, 95, 37, 51, 38};
    cav_zone_expr p3 = {.kind = CAV_ZONE_POLYGON, .coords = far, .ncoords = 3};
    expect_error(&p3, CAV_EGEO, "point 2 (95 37) is no valid latitude longitude", &p3);
    double nan_pt[] = {50, 36, NAN, 37, 51, 38};
    cav_zone_expr p4 = {.kind = CAV_ZONE_POLYGON, .coords = nan_pt, .ncoords = 3};
    expect_error(&p4, CAV_EGEO, "point 2", &p4);
    double bow[] = {45, 30, 46, 31, 45, 31, 46, 30};
    cav_zone_expr p5 = {.kind = CAV_ZONE_POLYGON, .coords = bow, .ncoords = 4};
    expect_error(&p5, CAV_EGEO, "polygon() is not a valid polygon: Self-intersection", &p5);
    double line[] = {45, 30, 46, 31, 47, 32};
    cav_zone_expr p6 = {.kind = CAV_ZONE_POLYGON, .coords = line, .ncoords = 3};
    expect_error(&p6, CAV_EGEO, "polygon()", &p6);

    cav_zone_expr box = {.kind = CAV_ZONE_BOX, .num = {51.0, 35.0, 49.0, 38.0}};
    expect_error(&box, CAV_EGEO, "give the south-west corner first", &box);
    cav_zone_expr box2 = {.kind = CAV_ZONE_BOX, .num = {49.0, 35.0, 51.0, 181.0}};
    expect_error(&box2, CAV_EGEO, "no valid latitude, longitude", &box2);
    cav_zone_expr c = {.kind = CAV_ZONE_CIRCLE, .num = {50, 36, -5}};
    expect_error(&c, CAV_EGEO, "circle(): the distance must be a positive number of metres", &c);
    cav_zone_expr c2 = {.kind = CAV_ZONE_CIRCLE, .num = {50, 36, 3e6}};
    expect_error(&c2, CAV_ELIMIT, "more than the limit of 2000 km", &c2);
    cav_zone_expr c3 = {.kind = CAV_ZONE_CIRCLE, .num = {-91, 36, 1000}};
    expect_error(&c3, CAV_EGEO, "no valid latitude, longitude", &c3);
    cav_zone_expr ua = country("UA");
    cav_zone_expr w = {.kind = CAV_ZONE_WITHIN, .num = {0}, .a = &ua};
    expect_error(&w, CAV_EGEO, "within(): the distance must be a positive number", &w);
    cav_zone_expr polar = {.kind = CAV_ZONE_CIRCLE, .num = {84, 36, 200000}};
    expect_error(&polar, CAV_ELIMIT, "beyond 85 degrees of latitude", &polar);

    cav_zone_expr gj = {.kind = CAV_ZONE_GEOJSON, .path = "tests/geo/no-such-file.geojson"};
    expect_error(&gj, CAV_EIO, "cannot read geojson file \"tests/geo/no-such-file.geojson\"", &gj);
    gj.path = "tests/geo/broken.geojson";
    expect_error(&gj, CAV_EGEO, "geojson \"tests/geo/broken.geojson\" line 2", &gj);
    gj.path = "tests/geo/not_closed.geojson";
    expect_error(&gj, CAV_EGEO, "the document: the ring is not closed", &gj);
    gj.path = "tests/geo/point.geojson";
    expect_error(&gj, CAV_EGEO,
                 "the document.geometry is a Point; a zone needs Polygon or MultiPolygon", &gj);
    gj.path = "tests/geo/bowtie.geojson";
    expect_error(&gj, CAV_EGEO, "the document is not a valid polygon: Self-intersection", &gj);
    gj.path = "tests/geo/out_of_range.geojson";
    expect_error(&gj, CAV_EGEO, "position 1 is not [longitude, latitude] in range", &gj);

    /* the failing node deep inside an expression is reported, not the root */
    cav_zone_expr ru = country("RU");
    cav_zone_expr bad = country("QQ");
    cav_zone_expr inner = {.kind = CAV_ZONE_INTERSECT, .a = &ru, .b = &bad};
    cav_zone_expr outer = {.kind = CAV_ZONE_WITHIN, .num = {1000}, .a = &inner};
    expect_error(&outer, CAV_EGEO, "unknown country code 'QQ'", &bad);

    /* empty results of the algebra */
    cav_zone_expr by = country("BY"), ge = country("GE");
    cav_zone_expr empty = {.kind = CAV_ZONE_INTERSECT, .a = &by, .b = &ge};
    expect_error(&empty, CAV_EGEO, "do not overlap: the intersection is empty", &empty);
    cav_zone_expr box3 = {.kind = CAV_ZONE_BOX, .num = {50.0, 30.0, 50.5, 30.5}};
    cav_zone_expr gone = {.kind = CAV_ZONE_DIFF, .a = &box3, .b = &ua};
    expect_error(&gone, CAV_EGEO, "the difference is empty", &gone);

    /* nesting limit */
    cav_zone_expr chain[80];
    chain[0] = country("UA");
    for (int i = 1; i < 80; i++)
        chain[i] = (cav_zone_expr){.kind = CAV_ZONE_UNION, .a = &chain[i - 1], .b = &chain[0]};
    GEOSGeometry *g = NULL;
    CHECK_EQ_INT(build(&chain[79], &g), CAV_ELIMIT);
    CHECK(strstr(err, "nested more than") != NULL);
}

/* A compile's cache of border lines: a border built again from it is the same geometry, vertex for
 * vertex, as one built without it, plain and cut; the order of the two boundaries is part of the
 * key; errors are not kept. */
static void test_border_cache(void) {
    cav_zone_cache cache = {0};
    cav_zone_expr plain = border("UA", "RU"), cut = border("UA", "RU"),
                  swapped = border("RU", "UA");
    cut.has_between = 1;
    cut.num[0] = 50.45, cut.num[1] = 35.40, cut.num[2] = 49.95, cut.num[3] = 38.10;
    cav_zone_expr ge = border("UA", "GE");
    const cav_zone_expr *order[] = {&plain, &cut, &plain, &swapped, &cut, &swapped, &ge, &ge};
    const int hits_after[] = {0, 1, 2, 2, 3, 4, 4, 4};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        GEOSGeometry *kept = NULL, *fresh = NULL;
        int rc = cav__zone_build_cached(h, order[i], NULL, NULL, &cache, &kept, err, sizeof err,
                                        &err_node);
        CHECK_EQ_INT(rc, build(order[i], &fresh));
        CHECK_EQ_INT(cache.hits, hits_after[i]);
        if (rc == 0)
            CHECK(kept && fresh && GEOSEqualsExact_r(h, kept, fresh, 0) == 1 &&
                  GEOSGetNumCoordinates_r(h, kept) == GEOSGetNumCoordinates_r(h, fresh));
        else
            CHECK(strstr(err, "share no land border") != NULL);
        if (kept)
            GEOSGeom_destroy_r(h, kept);
        if (fresh)
            GEOSGeom_destroy_r(h, fresh);
    }
    CHECK_EQ_INT(cache.n, 2); /* (UA, RU) and (RU, UA); not the empty (UA, GE) */
    cav__zone_cache_free(h, &cache);
    CHECK(cache.n == 0 && cache.border == NULL);
}

int main(void) {
    h = GEOS_init_r();
    geod_init(&wgs84, 6378137.0, 1 / 298.257223563);
    test_countries_and_borders();
    test_literals();
    test_algebra_and_refs();
    test_errors();
    test_border_cache();
    test_within_accuracy();
    GEOS_finish_r(h);
    return check_done();
}
