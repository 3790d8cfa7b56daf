/* test_geo_regions.c — the embedded first-level regions (src/geo/regions_data.c, from gmt-dcw,
 * conflated to Natural Earth's Russia by tools/derive-regions).
 *
 * Checked through GEOS and through the point locator: named places are in their oblast and in no
 * other; every region is covered by RU (exactly: GEOS covers, no tolerance); regions do not
 * overlap; on random points of RU in the five oblasts' box (CAV_GEO_POINTS, default 100,000) each
 * point is in at most one region, and each point of RU within 30 km of border(UA, RU) between 49N
 * and 52.5N is in exactly one (the regions tile Russia up to Natural Earth's border: no slivers
 * left by the data's disagreement); the locator agrees with GEOS on all of them. When the build
 * has no regions (CMake -DCAV_REGIONS=OFF) the test only checks that region() fails cleanly.
 */
#include "geo/geo.h"

#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static GEOSContextHandle_t h;

typedef struct named {
    const char *name;
    double lat, lon;
    const char *region;
} named;

static const named places[] = {
    {"Belgorod", 50.60, 36.59, "RU-BEL"},
    {"Kursk", 51.73, 36.19, "RU-KRS"},
    {"Bryansk", 53.24, 34.36, "RU-BRY"},
    {"Voronezh", 51.67, 39.20, "RU-VOR"},
    {"Rostov-on-Don", 47.23, 39.72, "RU-ROS"},
    {"Sudzha", 51.19, 35.27, "RU-KRS"},
    {"Moscow", 55.75, 37.62, NULL},
    {"Kharkiv", 49.99, 36.23, NULL},
    {"Oryol", 52.97, 36.07, NULL},
    {"Gomel", 52.44, 30.98, NULL},
};

static const char *codes[] = {"RU-BEL", "RU-KRS", "RU-BRY", "RU-VOR", "RU-ROS"};
enum { NREG = 5 };

static uint64_t rng = 0x9E3779B97F4A7C15u;
static double uniform(double lo, double hi) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

static int covers_pt(const GEOSPreparedGeometry *g, double lat, double lon) {
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, lon, lat);
    char r = GEOSPreparedCovers_r(h, g, p);
    GEOSGeom_destroy_r(h, p);
    return r == 1;
}

static GEOSGeometry *build(const cav_zone_expr *e) {
    GEOSGeometry *g = NULL;
    char err[256];
    if (cav__zone_build(h, e, NULL, NULL, &g, err, sizeof err, NULL) != 0)
        fprintf(stderr, "zone build failed: %s\n", err);
    return g;
}

int main(void) {
    h = GEOS_init_r();
    cav_zone_expr region = {.kind = CAV_ZONE_REGION};
    strcpy(region.name, "ru-krs");
    if (cav__borders_find("RU-KRS") < 0) {
        GEOSGeometry *g = NULL;
        char err[256];
        CHECK(cav__zone_build(h, &region, NULL, NULL, &g, err, sizeof err, NULL) < 0);
        CHECK(g == NULL && strstr(err, "unknown region code 'ru-krs'") != NULL);
        printf("built without regions (CAV_REGIONS=OFF): only the error checked\n");
        GEOS_finish_r(h);
        return check_done();
    }

    /* look-up, names, kind */
    int idx[NREG];
    for (int i = 0; i < NREG; i++) {
        idx[i] = cav__borders_find(codes[i]);
        CHECK(idx[i] >= 0);
        CHECK_EQ_INT(cav__borders_is_country(idx[i]), 0);
        CHECK(idx[i] > cav__borders_find("FI")); /* after the countries */
    }
    CHECK_EQ_STR(cav__borders_name(cav__borders_find("ru-bel")), "Belgorod Oblast");
    CHECK_EQ_STR(cav__borders_name(idx[1]), "Kursk Oblast");
    CHECK_EQ_STR(cav__borders_name(idx[2]), "Bryansk Oblast");
    CHECK_EQ_STR(cav__borders_name(idx[3]), "Voronezh Oblast");
    CHECK_EQ_STR(cav__borders_name(idx[4]), "Rostov Oblast");
    CHECK_EQ_INT(cav__borders_find("RU-MOW"), -1);

    /* region(RU-KRS) builds; country(RU-KRS) does not */
    GEOSGeometry *zkrs = build(&region);
    CHECK(zkrs != NULL);
    cav_zone_expr as_country = {.kind = CAV_ZONE_COUNTRY};
    strcpy(as_country.name, "RU-KRS");
    GEOSGeometry *bad = NULL;
    char err[256];
    CHECK(cav__zone_build(h, &as_country, NULL, NULL, &bad, err, sizeof err, NULL) < 0);

    /* geometries: valid, covered by RU, disjoint */
    GEOSGeometry *reg[NREG];
    const GEOSPreparedGeometry *preg[NREG];
    GEOSGeometry *ru = cav__borders_geom(h, cav__borders_find("RU"));
    CHECK(ru != NULL);
    const GEOSPreparedGeometry *pru = GEOSPrepare_r(h, ru);
    for (int i = 0; i < NREG; i++) {
        reg[i] = cav__borders_geom(h, idx[i]);
        CHECK(reg[i] != NULL);
        if (!reg[i])
            return check_done();
        CHECK_EQ_INT(GEOSisValid_r(h, reg[i]), 1);
        CHECK_EQ_INT(GEOSPreparedCovers_r(h, pru, reg[i]), 1);
        double area = 0;
        GEOSArea_r(h, reg[i], &area);
        CHECK(area > 2.0 && area < 15.0); /* square degrees: 2.6 (Kursk) .. 11.5 (Rostov) */
        preg[i] = GEOSPrepare_r(h, reg[i]);
    }
    char eq = GEOSEquals_r(h, zkrs, reg[1]);
    CHECK_EQ_INT(eq, 1);
    for (int i = 0; i < NREG; i++)
        for (int j = i + 1; j < NREG; j++) {
            GEOSGeometry *x = GEOSIntersection_r(h, reg[i], reg[j]);
            double area = 1;
            if (x)
                GEOSArea_r(h, x, &area);
            if (area >= 1e-9)
                fprintf(stderr, "%s and %s overlap by %g\n", codes[i], codes[j], area);
            CHECK(area < 1e-9);
            GEOSGeom_destroy_r(h, x);
        }

    /* the locator over the five regions */
    cav_locator *loc = cav__locator_new(h, (const GEOSGeometry *const *)reg, NULL, NREG, NULL);
    CHECK(loc != NULL);
    if (!loc)
        return check_done();

    /* named places */
    for (size_t p = 0; p < sizeof places / sizeof *places; p++) {
        uint64_t bits = 0;
        cav__locator_find(loc, places[p].lat, places[p].lon, &bits);
        for (int i = 0; i < NREG; i++) {
            int want = places[p].region && strcmp(places[p].region, codes[i]) == 0;
            int g = covers_pt(preg[i], places[p].lat, places[p].lon);
            int l = (int)((bits >> i) & 1u);
            if (g != want || l != want)
                fprintf(stderr, "%s: %s GEOS %d locator %d, expected %d\n", places[p].name,
                        codes[i], g, l, want);
            CHECK_EQ_INT(g, want);
            CHECK_EQ_INT(l, want);
        }
    }

    /* the strip: RU within 30 km of border(UA, RU), cut to 49N .. 52.5N */
    cav_zone_expr ua_ru = {.kind = CAV_ZONE_BORDER};
    strcpy(ua_ru.name, "UA");
    strcpy(ua_ru.name2, "RU");
    cav_zone_expr within = {.kind = CAV_ZONE_WITHIN, .num = {30000}, .a = &ua_ru};
    GEOSGeometry *strip = build(&within);
    CHECK(strip != NULL);
    if (!strip)
        return check_done();
    const GEOSPreparedGeometry *pstrip = GEOSPrepare_r(h, strip);

    /* the regions reach Natural Earth's border exactly: the whole UA-RU border line lies on the
     * boundary of their union (the line is the land border of exactly these five oblasts) */
    GEOSGeometry *line = build(&ua_ru), *copies[NREG];
    for (int i = 0; i < NREG; i++)
        copies[i] = GEOSGeom_clone_r(h, reg[i]);
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, copies, NREG);
    GEOSGeometry *all = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    GEOSGeometry *outline = all ? GEOSBoundary_r(h, all) : NULL;
    CHECK(line && all && outline);
    if (line && all && outline) {
        CHECK_EQ_INT(GEOSCovers_r(h, all, line), 1);
        CHECK_EQ_INT(GEOSCovers_r(h, outline, line), 1);
    }
    GEOSGeom_destroy_r(h, outline);
    GEOSGeom_destroy_r(h, all);
    GEOSGeom_destroy_r(h, coll);
    GEOSGeom_destroy_r(h, line);

    /* random points in the five regions' box */
    double x0 = 180, y0 = 90, x1 = -180, y1 = -90;
    for (int i = 0; i < NREG; i++) {
        double a, b, c, d;
        GEOSGeom_getXMin_r(h, reg[i], &a);
        GEOSGeom_getYMin_r(h, reg[i], &b);
        GEOSGeom_getXMax_r(h, reg[i], &c);
        GEOSGeom_getYMax_r(h, reg[i], &d);
        x0 = a < x0 ? a : x0;
        y0 = b < y0 ? b : y0;
        x1 = c > x1 ? c : x1;
        y1 = d > y1 ? d : y1;
    }
    const char *env = getenv("CAV_GEO_POINTS");
    long npoints = env ? strtol(env, NULL, 10) : 100000;
    long in_ru = 0, in_strip = 0, in_region = 0, more = 0, strip_bad = 0, disagree = 0;
    for (long k = 0; k < npoints; k++) {
        double lon = uniform(x0, x1), lat = uniform(y0, y1);
        uint64_t bits = 0;
        cav__locator_find(loc, lat, lon, &bits);
        int ng = 0, nl = 0;
        for (int i = 0; i < NREG; i++) {
            int g = covers_pt(preg[i], lat, lon), l = (int)((bits >> i) & 1u);
            ng += g;
            nl += l;
            if (g != l && disagree++ < 10)
                fprintf(stderr, "%.9f %.9f: %s GEOS %d locator %d\n", lat, lon, codes[i], g, l);
        }
        if (!covers_pt(pru, lat, lon)) {
            if (ng > 0 && more++ < 10) /* a region outside RU */
                fprintf(stderr, "%.9f %.9f: in a region but not in RU\n", lat, lon);
            continue;
        }
        in_ru++;
        in_region += ng > 0;
        if (ng > 1 && more++ < 10)
            fprintf(stderr, "%.9f %.9f: in %d regions\n", lat, lon, ng);
        if (lat >= 49.0 && lat <= 52.5 && covers_pt(pstrip, lat, lon)) {
            in_strip++;
            if ((ng != 1 || nl != 1) && strip_bad++ < 10)
                fprintf(stderr, "%.9f %.9f: near the UA border, in %d regions\n", lat, lon, ng);
        }
    }
    printf("%ld points in the box, %ld in RU, %ld in a region, %ld near the UA border\n", npoints,
           in_ru, in_region, in_strip);
    CHECK(in_ru > npoints / 4);
    CHECK(in_strip > npoints / 100);
    CHECK_EQ_INT(more, 0);
    CHECK_EQ_INT(strip_bad, 0);
    CHECK_EQ_INT(disagree, 0);

    /* every vertex of the regions: the locator agrees with GEOS (both say inside: closed sets) */
    for (int i = 0; i < NREG; i++) {
        GEOSGeometry *pts = GEOSGeom_extractUniquePoints_r(h, reg[i]);
        int n = pts ? GEOSGetNumGeometries_r(h, pts) : 0;
        long vbad = 0;
        for (int k = 0; k < n; k++) {
            double x, y;
            const GEOSGeometry *pt = GEOSGetGeometryN_r(h, pts, k);
            GEOSGeomGetX_r(h, pt, &x);
            GEOSGeomGetY_r(h, pt, &y);
            uint64_t bits = 0;
            cav__locator_find(loc, y, x, &bits);
            vbad += !((bits >> i) & 1u) || !covers_pt(pru, y, x);
        }
        CHECK(n > 100);
        CHECK_EQ_INT(vbad, 0);
        GEOSGeom_destroy_r(h, pts);
    }

    cav__locator_free(loc);
    GEOSPreparedGeom_destroy_r(h, pstrip);
    GEOSGeom_destroy_r(h, strip);
    for (int i = 0; i < NREG; i++) {
        GEOSPreparedGeom_destroy_r(h, preg[i]);
        GEOSGeom_destroy_r(h, reg[i]);
    }
    GEOSPreparedGeom_destroy_r(h, pru);
    GEOSGeom_destroy_r(h, ru);
    GEOSGeom_destroy_r(h, zkrs);
    GEOS_finish_r(h);
    return check_done();
}
