/* test_area.c — the permitted area (lang/area.c) against the evaluator, point by point.
 *
 * For each use, cav__permitted_area gives a geometry; for a few thousand random target places
 * (most in Eastern Europe, where the zones are, 1,000 around Kharkiv, 1,000 anywhere) the place
 * must be covered by the area exactly when cav_eval answers `permitted`. A disagreement is
 * tolerated only within 1e-6 degrees of the area's boundary (GEOS overlays may move boundaries by
 * rounding; zones are closed sets). Uses come from the default pack (the 2024 regime: UA, RU and
 * kharkiv-border) and from a small pack written to exercise `not`, `not in`, `!=`, `or`, launch
 * tests, missing fields under `not` (undetermined never matches), `party *` permits and two consent
 * parties.
 */
#include "geo/borders_data.h"
#include "lang/area.h"
#include "lang/pack.h"

#include "caveat.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char test_pack[] =
#include "area_pack.inc"
    ;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* xorshift64*: a uniform double in [0, 1). */
static double uniform(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1Du) >> 11) / 9007199254740992.0;
}

typedef struct use {
    const char *date, *weapon, *kind, *purpose, *supplier; /* purpose/supplier may be NULL */
    int state;
    int has_launch;
    double launch_lat, launch_lon;
    int expect_empty; /* 1: permitted nowhere; 0: somewhere (checked by the sample) */
    const char *role; /* may be NULL: not given */
} use;

static cav_query query_of(const cav_pack *p, const use *u) {
    cav_query q;
    cav_qerrors e;
    cav_query_init(&q, &e);
    CHECK_EQ_INT(cav_query_set_date(&q, p, u->date, &e), 0);
    CHECK_EQ_INT(cav_query_set_weapon(&q, p, u->weapon, &e), 0);
    CHECK_EQ_INT(cav_query_set_kind(&q, p, u->kind, &e), 0);
    if (u->purpose)
        CHECK_EQ_INT(cav_query_set_purpose(&q, p, u->purpose, &e), 0);
    if (u->supplier)
        CHECK_EQ_INT(cav_query_set_supplier(&q, p, u->supplier, &e), 0);
    if (u->role)
        CHECK_EQ_INT(cav_query_set_role(&q, p, u->role, &e), 0);
    CHECK_EQ_INT(cav_query_set_state(&q, p, u->state ? "airborne" : "ground", &e), 0);
    if (u->has_launch)
        CHECK_EQ_INT(cav_query_set_launch(&q, p, u->launch_lat, u->launch_lon, &e), 0);
    CHECK_EQ_INT(cav_query_set_target(&q, p, 0, 0, &e), 0); /* each sample moves it */
    CHECK_EQ_INT(cav_query_finish(&q, p, &e), 0);
    for (int i = 0; i < e.n; i++)
        fprintf(stderr, "%s: %s: %s\n", u->weapon, e.v[i].name, e.v[i].message);
    return q;
}

/* Compares area and evaluator on n random places in [lat0, lat1) x [lon0, lon1); returns the
 * number of places found permitted. */
static GEOSContextHandle_t h;
/* CAV_AREA_SCALE=N samples N times fewer places (valgrind: tests/valgrind.sh) */
static int scale = 1;

static int compare(const cav_pack *p, cav_query q, const GEOSGeometry *area,
                   const GEOSPreparedGeometry *prep, int n, double lat0, double lat1, double lon0,
                   double lon1, const char *what) {
    int inside = 0, bad = 0, near = 0, near_edge = 0;
    GEOSGeometry *boundary = GEOSBoundary_r(h, area);
    for (int i = 0; i < n; i++) {
        q.target_lat = lat0 + (lat1 - lat0) * uniform();
        q.target_lon = lon0 + (lon1 - lon0) * uniform();
        cav_decision d;
        CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, q.target_lon, q.target_lat);
        int covered = GEOSPreparedCovers_r(h, prep, pt) == 1;
        int permitted = d.verdict == CAV_PERMITTED;
        inside += permitted;
        if (d.verdict == CAV_INDETERMINATE) {
            /* only a position near an imprecise edge (the boundary data's precision, 2 km) or a
               missing fact may leave the use undetermined; the area draws the exact edges and
               asks for permission, so it leaves out a use that lacks a fact */
            double nearest = INFINITY;
            for (int z = 0; z < p->nzones; z++) {
                double m = cav__locator_distance(p->locator, z, q.target_lat, q.target_lon);
                if (m >= 0 && m < nearest && p->zones[z].precision_m > 0)
                    nearest = m;
            }
            uint32_t missing = 0;
            for (int k = 0; k < d.nparties; k++)
                missing |= d.parties[k].missing;
            if (nearest <= CAV_BORDERS_PRECISION_M * 1.01 || (missing && !covered)) {
                near_edge++;
            } else if (bad++ < 5) {
                fprintf(stderr,
                        "%s: %.6f %.6f: indeterminate %.0f m from the nearest imprecise "
                        "edge%s\n",
                        what, q.target_lat, q.target_lon, nearest,
                        covered ? ", inside the area" : "");
            }
        } else if (covered != permitted) {
            double dist = INFINITY;
            if (boundary && !GEOSisEmpty_r(h, boundary))
                GEOSDistance_r(h, boundary, pt, &dist);
            if (dist < 1e-6) {
                near++;
            } else if (bad++ < 5) {
                fprintf(stderr, "%s: %.6f %.6f: evaluator says %s, area %s it (%.3g deg away)\n",
                        what, q.target_lat, q.target_lon, cav_verdict_name(d.verdict),
                        covered ? "covers" : "does not cover", dist);
            }
        }
        GEOSGeom_destroy_r(h, pt);
    }
    if (boundary)
        GEOSGeom_destroy_r(h, boundary);
    CHECK_EQ_INT(bad, 0);
    CHECK(near <= n / 100);
    (void)near_edge;
    return inside;
}

/* 1 when (lat, lon) is within the boundary data's precision of an imprecise zone edge, where the
 * evaluator may answer indeterminate whatever the exact areas say. */
static int near_imprecise_edge(const cav_pack *p, double lat, double lon) {
    for (int z = 0; z < p->nzones; z++) {
        double m = cav__locator_distance(p->locator, z, lat, lon);
        if (m >= 0 && p->zones[z].precision_m > 0 && m <= p->zones[z].precision_m * 1.01)
            return 1;
    }
    return 0;
}

/* The indeterminate area of cav__use_areas (missing facts) against the evaluator on n random
 * places: a place well inside it is indeterminate, a place well outside it and away from the
 * imprecise edges is not. Returns how many were. */
static int compare_indet(const cav_pack *p, cav_query q, const GEOSGeometry *indet, int n,
                         double lat0, double lat1, double lon0, double lon1, const char *what) {
    const GEOSPreparedGeometry *prep = indet ? GEOSPrepare_r(h, indet) : NULL;
    GEOSGeometry *boundary = indet ? GEOSBoundary_r(h, indet) : NULL;
    int found = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        q.target_lat = lat0 + (lat1 - lat0) * uniform();
        q.target_lon = lon0 + (lon1 - lon0) * uniform();
        cav_decision d;
        CHECK_EQ_INT(cav_eval(p, &q, &d), 0);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, q.target_lon, q.target_lat);
        int covered = prep && GEOSPreparedCovers_r(h, prep, pt) == 1;
        int is = d.verdict == CAV_INDETERMINATE;
        found += is;
        double dist = INFINITY;
        if (covered != is && boundary)
            GEOSDistance_r(h, boundary, pt, &dist);
        if (covered != is && dist >= 1e-6 && !near_imprecise_edge(p, q.target_lat, q.target_lon) &&
            bad++ < 5)
            fprintf(stderr, "%s: %.6f %.6f: evaluator says %s, indeterminate area %s it\n", what,
                    q.target_lat, q.target_lon, cav_verdict_name(d.verdict),
                    covered ? "covers" : "does not cover");
        GEOSGeom_destroy_r(h, pt);
    }
    if (boundary)
        GEOSGeom_destroy_r(h, boundary);
    if (prep)
        GEOSPreparedGeom_destroy_r(h, prep);
    CHECK_EQ_INT(bad, 0);
    return found;
}

/* cav__use_areas: the same permitted area as cav__permitted_area, and an indeterminate area
 * that agrees with the evaluator. */
static void check_use_areas(const cav_pack *p, cav_query q, const GEOSGeometry *area,
                            const char *what) {
    cav_use_areas a;
    CHECK_EQ_INT(cav__use_areas(p, &q, h, &a), 0);
    double sym = 0;
    if (a.permitted) {
        GEOSGeometry *d = GEOSSymDifference_r(h, a.permitted, area);
        CHECK(d != NULL);
        if (d)
            GEOSArea_r(h, d, &sym), GEOSGeom_destroy_r(h, d);
    } else
        CHECK(GEOSisEmpty_r(h, area) == 1);
    CHECK(sym < 1e-9);
    int n = compare_indet(p, q, a.indeterminate, 1500, 35, 72, 10, 65, what);
    n += compare_indet(p, q, a.indeterminate, 1000, 49, 52, 34, 40, what);
    printf("  %-60s %4d of 2500 places indeterminate\n", what, n);
    /* a disputed part is part of the permitted area */
    if (a.disputed && a.permitted) {
        GEOSGeometry *out = GEOSDifference_r(h, a.disputed, a.permitted);
        double left = 1;
        if (out)
            GEOSArea_r(h, out, &left), GEOSGeom_destroy_r(h, out);
        CHECK(left < 1e-9);
    }
    cav__use_areas_free(h, &a);
    CHECK(a.permitted == NULL && a.indeterminate == NULL && a.disputed == NULL);
}

static void check_use(const cav_pack *p, const use *u) {
    char what[160];
    snprintf(what, sizeof what, "%s %s %s %s %s %s%s", u->date, u->weapon, u->kind,
             u->state ? "airborne" : "ground", u->purpose ? u->purpose : "-",
             u->supplier ? u->supplier : "-", u->has_launch ? " (launch)" : "");
    cav_query q = query_of(p, u);
    GEOSGeometry *area = NULL;
    int rc = cav__permitted_area(p, &q, h, &area);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0 || !area)
        return;
    CHECK_EQ_INT(GEOSisEmpty_r(h, area), u->expect_empty);
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, area);
    CHECK(prep != NULL);
    int inside = compare(p, q, area, prep, 3000 / scale, 35, 72, 10, 65, what);
    inside += compare(p, q, area, prep, 1000 / scale, 49, 52, 34, 40, what); /* near Kharkiv */
    inside += compare(p, q, area, prep, 1000 / scale, -90, 90, -180, 180, what);
    /* the sample finds a point of every non-empty area at full size (one area of the test pack
       holds 1 of its 5,000 points); scaled down (valgrind), only the exact emptiness above */
    if (!u->expect_empty && scale == 1)
        CHECK(inside > 0);
    printf("  %-60s %4d of %d places permitted\n", what, inside, 5000 / scale);
    check_use_areas(p, q, area, what);
    GEOSPreparedGeom_destroy_r(h, prep);
    GEOSGeom_destroy_r(h, area);
}

/* A few places of the default pack's GMLRS counterfire area, by name. */
static void check_kharkiv(const cav_pack *p) {
    use u = {"2024-06-10", "gmlrs", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, "attacking"};
    cav_query q = query_of(p, &u);
    GEOSGeometry *area = NULL;
    CHECK_EQ_INT(cav__permitted_area(p, &q, h, &area), 0);
    if (!area)
        return;
    static const struct {
        double lat, lon;
        int in;
    } places[] = {
        {50.00, 36.23, 1}, /* Kharkiv */
        {50.60, 36.59, 1}, /* Belgorod, 35 km across the border */
        {46.48, 30.72, 1}, /* Odesa */
        {44.95, 34.10, 1}, /* Simferopol: Crimea is Ukraine */
        {51.73, 36.19, 0}, /* Kursk, beyond the assumed 70 km */
        {55.75, 37.62, 0}, /* Moscow */
        {53.90, 27.56, 0}, /* Minsk */
    };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, places[i].lon, places[i].lat);
        CHECK_EQ_INT(GEOSCovers_r(h, area, pt), places[i].in);
        GEOSGeom_destroy_r(h, pt);
    }
    GEOSGeom_destroy_r(h, area);
}

int main(void) {
    h = GEOS_init_r();
    if (getenv("CAV_AREA_SCALE") && atoi(getenv("CAV_AREA_SCALE")) > 0)
        scale = atoi(getenv("CAV_AREA_SCALE"));
    cav_pack *p = NULL;
    CHECK_EQ_INT(cav_pack_load_default(NULL, &p), 0);
    if (!p)
        return check_done();
    static const use defaults[] = {
        {"2024-06-10", "gmlrs", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, "attacking"},
        {"2024-06-10", "gmlrs", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, "supporting"},
        {"2024-06-10", "gmlrs", "ammunition-depot", "counterfire", NULL, 0, 0, 0, 0, 0,
         "supporting"},
        {"2024-06-10", "atacms", "forces", "strike", NULL, 0, 0, 0, 0, 0, "attacking"},
        {"2024-11-20", "atacms", "forces", "strike", NULL, 0, 0, 0, 0, 0, "attacking"},
        {"2024-05-01", "gmlrs", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "gmlrs", "forces", NULL, NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "gmlrs", "civilian-object", "counterfire", NULL, 0, 0, 0, 0, 1, NULL},
        {"2024-06-10", "patriot", "aircraft", "air-defense", NULL, 1, 0, 0, 0, 0, NULL},
        {"2024-06-10", "patriot", "aircraft", "air-defense", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "mars-ii", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "atacms", "command-post", "strike", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "scalp-eg", "airfield", "strike", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "gmlrs", "forces", "counterfire", "US", 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "nasams", "aircraft", "air-defense", NULL, 1, 0, 0, 0, 1, NULL},
        {"2021-01-01", "gmlrs", "forces", "counterfire", NULL, 0, 0, 0, 0, 1, NULL},
    };
    puts("default pack:");
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        check_use(p, &defaults[i]);
    check_kharkiv(p);

    /* an invalid template is refused */
    cav_query bad = {0};
    bad.weapon = 9999;
    GEOSGeometry *none = (GEOSGeometry *)1;
    CHECK_EQ_INT(cav__permitted_area(p, &bad, h, &none), CAV_EINVAL);
    CHECK(none == NULL);
    cav_pack_release(p);

    const char *names[] = {"area_test.cav"}, *texts[] = {test_pack};
    cav_diags *diags = cav_diags_new();
    p = NULL;
    CHECK_EQ_INT(cav_pack_load_mem(names, texts, 1, diags, &p), 0);
    CHECK_EQ_INT(cav_diags_count(diags), 0);
    cav_diags_free(diags);
    if (!p)
        return check_done();
    static const use synthetic[] = {
        {"2024-06-10", "gmlrs", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "gmlrs", "artillery", "strike", NULL, 0, 1, 50.4, 30.5, 0, NULL},
        {"2024-06-10", "gmlrs", "forces", "counterfire", NULL, 0, 1, 52.2, 21.0, 0, NULL},
        {"2024-06-10", "gmlrs", "forces", NULL, NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "gmlrs", "home", "counterfire", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "joint", "forces", "counterfire", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-02-01", "joint", "forces", "counterfire", NULL, 0, 0, 0, 0, 1, NULL},
        {"2024-06-10", "scalp", "depot", "counterfire", NULL, 0, 0, 0, 0, 0, NULL},
        {"2024-06-10", "patriot", "aircraft", "counterfire", "FR", 1, 0, 0, 0, 0, NULL},
        {"2024-06-10", "gmlrs", "forces", "counterfire", "DE", 0, 0, 0, 0, 1, NULL},
    };
    puts("test pack:");
    for (size_t i = 0; i < sizeof synthetic / sizeof synthetic[0]; i++)
        check_use(p, &synthetic[i]);
    cav_pack_release(p);
    GEOS_finish_r(h);
    return check_done();
}
